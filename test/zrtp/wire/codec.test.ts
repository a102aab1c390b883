/**
 * The message codec (RFC 6189 §5): every message type round-trips byte-identically with the
 * lengths of the RFC figures, and a table of hostile inputs is refused with typed errors only.
 */
import { describe, it, expect } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  encodeConfirmBody,
  decodeConfirmBody,
  encodeSasRelayBody,
  decodeSasRelayBody,
  peekMessageType,
  type ZrtpMessage,
  type DhPartMessage,
} from '../../../src/zrtp/messages/index.ts';
import { zrtpErrorOf } from '../support/errors.ts';
import { sampleMessages, SAMPLE_WORDS } from './samples.ts';
import { exchange, hex, rawMessage, toHex } from './vectors.ts';

/** Overwrite the 16-bit length field so that only the targeted defect remains. */
function withLengthFixed(m: Uint8Array): Uint8Array {
  const out = m.slice();
  const words = out.length / 4;
  out[2] = words >> 8;
  out[3] = words & 0xff;
  return out;
}

describe('encodeMessage / decodeMessage round trip', () => {
  const samples = sampleMessages();
  for (const [i, m] of samples.entries()) {
    const label = m.type === 'Commit' ? `Commit (${m.mode})` : m.type;
    it(`${label}: ${SAMPLE_WORDS[i]} words, decode(encode(m)) equals m, re-encode identical`, () => {
      const bytes = encodeMessage(m);
      expect(bytes.length).toBe(SAMPLE_WORDS[i]! * 4);
      expect((bytes[2]! << 8) | bytes[3]!).toBe(SAMPLE_WORDS[i]);
      expect(toHex(bytes.subarray(0, 2))).toBe('505a');
      const back = decodeMessage(bytes);
      expect(back).toEqual(m);
      expect(toHex(encodeMessage(back))).toBe(toHex(bytes));
      expect(peekMessageType(bytes)).toBe(m.type);
    });
  }

  it('pads the SAS name "B32" to "B32 " and the client id with spaces on the wire', () => {
    const hello = samples[0] as Extract<ZrtpMessage, { type: 'Hello' }>;
    const bytes = encodeMessage({ ...hello, sas: ['B32'] });
    expect(Buffer.from(bytes).includes(Buffer.from('B32 '))).toBe(true);
    expect(Buffer.from(bytes.subarray(16, 32)).toString('latin1')).toBe('susurro 0.1     ');
  });

  it('Hello flags word: S, M, P bits and the five counts (§5.2)', () => {
    const hello = samples[0] as Extract<ZrtpMessage, { type: 'Hello' }>;
    const bytes = encodeMessage({ ...hello, flags: { signatureCapable: true, mitm: true, passive: true } });
    expect(toHex(bytes.subarray(76, 80))).toBe('70022252');
  });
});

describe('decodeMessage is strict (typed errors only)', () => {
  const hello = rawMessage(exchange.packets[0]!.packet_hex);
  const commit = rawMessage(exchange.packets[3]!.packet_hex);
  const dhPart1 = rawMessage(exchange.packets[4]!.packet_hex);
  const confirm1 = rawMessage(exchange.packets[6]!.packet_hex);
  const ack = rawMessage(exchange.packets[2]!.packet_hex);

  const malformedCases: [string, Uint8Array][] = [
    ['empty input', new Uint8Array(0)],
    ['shorter than the 12-byte header', hello.subarray(0, 11)],
    ['length not a whole number of words', new Uint8Array([...ack, 0])],
    ['bad preamble', (() => { const b = ack.slice(); b[0] = 0x50; b[1] = 0x5b; return b; })()],
    ['length field larger than the message', (() => { const b = ack.slice(); b[3] = 4; return b; })()],
    ['length field smaller than the message', (() => { const b = hello.slice(); b[3] = b[3]! - 1; return b; })()],
    ['truncated Hello (length field fixed up)', withLengthFixed(hello.subarray(0, hello.length - 4))],
    ['Hello with an extra word', withLengthFixed(new Uint8Array([...hello, 0, 0, 0, 0]))],
    ['Hello hash count 8 (> 7, §5.2)', (() => { const b = hello.slice(); b[77] = 0x08; return b; })()],
    ['Hello count fields claiming more blocks than present', (() => { const b = hello.slice(); b[79] = 0x77; return b; })()],
    ['Hello reserved bit set', (() => { const b = hello.slice(); b[76] = 0x80; return b; })()],
    ['Hello unused bits set', (() => { const b = hello.slice(); b[77] = b[77]! | 0x10; return b; })()],
    ['DH Commit one word short', withLengthFixed(commit.subarray(0, commit.length - 4))],
    ['DH Commit relabelled as Mult (wrong form length)', (() => { const b = commit.slice(); b.set(Buffer.from('Mult'), 68); return b; })()],
    ['DHPart without a public value', withLengthFixed(dhPart1.subarray(0, 12 + 64 + 8))],
    ['Confirm with a 36-byte encrypted part', withLengthFixed(confirm1.subarray(0, 12 + 24 + 36))],
    ['HelloACK with a body', withLengthFixed(new Uint8Array([...ack, 1, 2, 3, 4]))],
    ['Error without its code', withLengthFixed(new Uint8Array([...ack.subarray(0, 4), ...Buffer.from('Error   ')]))],
    ['Ping too long', withLengthFixed(new Uint8Array([...Buffer.from('505a0000', 'hex'), ...Buffer.from('Ping    1.10'), ...new Uint8Array(12)]))],
  ];
  for (const [name, bytes] of malformedCases) {
    it(`${name} -> SUSURRO_ZRTP_MALFORMED (protocol code 0x10)`, () => {
      const err = zrtpErrorOf(() => decodeMessage(bytes));
      expect(err.code).toBe('SUSURRO_ZRTP_MALFORMED');
      expect(err.protocolCode).toBe(0x10);
    });
  }

  it('unknown type block -> SUSURRO_ZRTP_UNKNOWN_MESSAGE', () => {
    const b = ack.slice();
    b.set(Buffer.from('Hallo   '), 4);
    expect(zrtpErrorOf(() => decodeMessage(b)).code).toBe('SUSURRO_ZRTP_UNKNOWN_MESSAGE');
    const lower = ack.slice();
    lower.set(Buffer.from('helloack'), 4);
    expect(zrtpErrorOf(() => decodeMessage(lower)).code).toBe('SUSURRO_ZRTP_UNKNOWN_MESSAGE');
  });

  it('non-Uint8Array input -> ZrtpError, not TypeError', () => {
    for (const v of [null, undefined, 'Hello', [0x50, 0x5a], new ArrayBuffer(12), { length: 12 }]) {
      expect(zrtpErrorOf(() => decodeMessage(v as unknown as Uint8Array)).code).toBe('SUSURRO_ZRTP_MALFORMED');
    }
  });

  it('a decoded message does not alias the input buffer', () => {
    const b = hello.slice();
    const m = decodeMessage(b);
    b.fill(0);
    if (m.type !== 'Hello') throw new Error('not a Hello');
    expect(toHex(m.h3)).toBe(exchange.endpoints.responder.hash_chain.h3);
  });
});

describe('encodeMessage validates its input (TypeError/RangeError naming the field)', () => {
  const [hello, , commit, , , dh] = sampleMessages() as [
    Extract<ZrtpMessage, { type: 'Hello' }>, unknown, Extract<ZrtpMessage, { type: 'Commit' }>, unknown, unknown,
    DhPartMessage,
  ];
  it.each([
    ['short H3', () => encodeMessage({ ...hello, h3: new Uint8Array(31) }), /Hello\.h3 must be 32 bytes/],
    ['client id too long', () => encodeMessage({ ...hello, clientId: 'x'.repeat(17) }), /Hello\.clientId/],
    ['non-Latin-1 client id', () => encodeMessage({ ...hello, clientId: 'Ω' }), /Hello\.clientId/],
    ['8 hash algorithms', () => encodeMessage({ ...hello, hash: Array(8).fill('S256') }), /at most 7/],
    ['algorithm name too long', () => encodeMessage({ ...hello, cipher: ['AES128'] }), /Hello\.cipher\[0\]/],
    ['Commit mode not matching key agreement', () => encodeMessage({ ...commit, keyAgreement: 'Mult' }), /Commit\.mode/],
    ['pv not whole words', () => encodeMessage({ ...dh, pv: new Uint8Array(33) }), /DHPart1\.pv/],
    ['empty pv', () => encodeMessage({ ...dh, pv: new Uint8Array(0) }), /DHPart1\.pv/],
    ['Error code out of range', () => encodeMessage({ type: 'Error', code: -1 }), /Error\.code/],
    ['PingACK SSRC not an integer', () => encodeMessage({ type: 'PingACK', version: '1.10', senderEndpointHash: new Uint8Array(8), receivedEndpointHash: new Uint8Array(8), ssrc: 1.5 }), /PingACK\.ssrc/],
    ['unknown type', () => encodeMessage({ type: 'Bogus' } as unknown as ZrtpMessage), /unknown type/],
    ['not an object', () => encodeMessage(null as unknown as ZrtpMessage), TypeError],
  ] as const)('%s', (_name, fn, expected) => {
    expect(fn).toThrow(expected as RegExp);
  });
});

describe('Confirm body and SASrelay body (§5.7, §5.13)', () => {
  const h0 = hex('bbbf7eb114d5d40c6bb0795819c1d083c9e1f42e11cd7ec3aad8b917e6b59e86');
  it('encodes flags E V A D in the low nibble and the cache expiry', () => {
    const body = encodeConfirmBody({ h0, flags: { E: true, V: false, A: true, D: false }, cacheExpiry: 86400 });
    expect(toHex(body.subarray(32))).toBe('0000000a' + '00015180');
    expect(decodeConfirmBody(body)).toEqual({ h0, flags: { E: true, V: false, A: true, D: false }, cacheExpiry: 86400 });
  });
  it('a signature sets sig len = 1 + data words (type block included)', () => {
    const signature = { type: 'PGP ', data: new Uint8Array(8).fill(0xaa) };
    const body = encodeConfirmBody({ h0, flags: { E: false, V: true, A: false, D: false }, cacheExpiry: 0, signature });
    expect(body.length).toBe(40 + 12);
    expect(toHex(body.subarray(32, 36))).toBe('00000304');
    expect(decodeConfirmBody(body).signature).toEqual(signature);
  });
  it('refuses bodies with wrong sig len, unused bits or bad length', () => {
    const body = encodeConfirmBody({ h0, flags: { E: false, V: false, A: false, D: false }, cacheExpiry: 1 });
    const withSigLen = body.slice();
    withSigLen[34] = 1;
    const unused = body.slice();
    unused[35] = 0x10;
    const high = body.slice();
    high[32] = 0x80;
    for (const bad of [withSigLen, unused, high, body.subarray(0, 36), new Uint8Array([...body, 0, 0])]) {
      expect(zrtpErrorOf(() => decodeConfirmBody(bad)).code).toBe('SUSURRO_ZRTP_MALFORMED');
    }
  });
  it('Confirm and SASrelay bodies validate the signature block alike (type, whole words, 9-bit sig len)', () => {
    const confirm = (signature: { type: string; data: Uint8Array }) =>
      encodeConfirmBody({ h0, flags: { E: false, V: false, A: false, D: false }, cacheExpiry: 0, signature });
    const relay = (signature: { type: string; data: Uint8Array }) =>
      encodeSasRelayBody({ flags: { V: false, A: false, D: false }, renderingScheme: 'B32', sasHash: h0, signature });
    for (const encode of [confirm, relay]) {
      // 510 data words + the type block = 511, the largest 9-bit sig len.
      const largest = encode({ type: 'PGP ', data: new Uint8Array(510 * 4) });
      expect(largest.length).toBe(40 + 511 * 4);
      expect(toHex(largest.subarray(40, 44))).toBe(toHex(Buffer.from('PGP ')));
      expect(() => encode({ type: 'PGP ', data: new Uint8Array(511 * 4) })).toThrow(RangeError);
      expect(() => encode({ type: 'PGP', data: new Uint8Array(4) })).toThrow(RangeError);
      expect(() => encode({ type: 'X509', data: new Uint8Array(6) })).toThrow(RangeError);
      expect(() => encode({ type: 'X509', data: [1, 2, 3, 4] as unknown as Uint8Array })).toThrow(TypeError);
    }
  });
  it('SASrelay body round trip, with and without signature', () => {
    const sasHash = new Uint8Array(32).fill(3);
    const plain = { flags: { V: true, A: false, D: true }, renderingScheme: 'B256', sasHash };
    expect(decodeSasRelayBody(encodeSasRelayBody(plain))).toEqual(plain);
    const signed = { ...plain, renderingScheme: 'B32', signature: { type: 'X509', data: new Uint8Array(4) } };
    const bytes = encodeSasRelayBody(signed);
    expect(toHex(bytes.subarray(4, 8))).toBe(toHex(Buffer.from('B32 ')));
    expect(decodeSasRelayBody(bytes)).toEqual(signed);
    const bad = bytes.slice();
    bad[3] = 0x08; // E is not defined for SASrelay
    expect(zrtpErrorOf(() => decodeSasRelayBody(bad)).code).toBe('SUSURRO_ZRTP_MALFORMED');
  });
});
