/**
 * Known answers from a captured bzrtp/GNU ZRTP DH3k exchange (bzrtp test/bzrtpParserTest.c,
 * via test/vectors/zrtp-exchange-bzrtp.json): every packet is parsed with our codec,
 * re-encoded byte-identically, and every cryptographic link of RFC 6189 is checked — hash chain
 * (§9), message MACs keyed by the revealed preimages, hvi (§4.4.1.1), Confirm decryption and MAC
 * (§5.7), total_hash, a=zrtp-hash (§8.1) — plus the tampered cases that must be refused.
 */
import { describe, it, expect } from 'vitest';
import { decodePacket, encodePacket } from '../../../src/zrtp/packet.ts';
import { decodeMessage, encodeMessage, decodeConfirmBody, encodeConfirmBody } from '../../../src/zrtp/messages/index.ts';
import type { ZrtpMessage } from '../../../src/zrtp/messages/index.ts';
import { verifyMessageMac, withMessageMac, messageMac } from '../../../src/zrtp/crypto/message-mac.ts';
import { computeHvi, verifyHvi } from '../../../src/zrtp/crypto/hvi.ts';
import { openConfirmBody, sealConfirmBody, verifyConfirmMac } from '../../../src/zrtp/crypto/confirm-cipher.ts';
import { hash } from '../../../src/zrtp/crypto/hash.ts';
import { makeHashChain, verifyHashChainLink } from '../../../src/zrtp/hash-chain.ts';
import { zrtpHashAttribute, verifyZrtpHash } from '../../../src/zrtp/zrtp-hash.ts';
import { generateKeyPair, publicValueLength } from '../../../src/zrtp/crypto/key-agreement.ts';
import { zrtpErrorOf } from '../support/errors.ts';
import { exchange, hex, rawMessage, toHex } from './vectors.ts';

const ep = exchange.endpoints;
const chainOf = (role: 'initiator' | 'responder') => {
  const c = ep[role].hash_chain;
  return { h0: hex(c.h0), h1: hex(c.h1), h2: hex(c.h2), h3: hex(c.h3) };
};
const packets = exchange.packets;
const msg = (i: number): Uint8Array => rawMessage(packets[i]!.packet_hex);
const decoded = (i: number): ZrtpMessage => decodeMessage(msg(i));
const P = { respHello: 0, initHello: 1, helloAck: 2, commit: 3, dhPart1: 4, dhPart2: 5, confirm1: 6, confirm2: 7, conf2Ack: 8 };

function expectZrtpError(fn: () => unknown, code: string): void {
  expect(zrtpErrorOf(fn).code).toBe(code);
}

describe('captured bzrtp exchange: packet framing (RFC 6189 §5)', () => {
  it('has the nine packets of a DH mode exchange', () => {
    expect(packets.map((p) => p.message_type)).toEqual([
      'Hello', 'Hello', 'HelloACK', 'Commit', 'DHPart1', 'DHPart2', 'Confirm1', 'Confirm2', 'Conf2ACK',
    ]);
  });

  for (const p of packets) {
    it(`packet ${p.index} (${p.message_type}): header, CRC-32C little-endian, byte-identical re-encode`, () => {
      const bytes = hex(p.packet_hex);
      const d = decodePacket(bytes);
      expect(d.sequence).toBe(p.sequence_number);
      expect(d.ssrc).toBe(parseInt(p.sender_ssrc, 16));
      expect(toHex(d.message)).toBe(toHex(rawMessage(p.packet_hex)));
      expect(d.message.length).toBe(p.message_length_words * 4);
      expect(toHex(bytes.subarray(bytes.length - 4))).toBe(p.crc_wire_hex);
      expect(toHex(encodePacket(d))).toBe(p.packet_hex);
    });

    it(`packet ${p.index} (${p.message_type}): any flipped bit fails the CRC`, () => {
      const bytes = hex(p.packet_hex);
      // Every byte position, one bit each (rotating), keeps the test fast yet exhaustive over positions.
      for (let i = 0; i < bytes.length; i++) {
        const bad = bytes.slice();
        bad[i] = bad[i]! ^ (1 << (i % 8));
        expectZrtpError(() => decodePacket(bad), 'SUSURRO_ZRTP_BAD_CRC');
      }
    });

    it(`packet ${p.index} (${p.message_type}): message decodes and re-encodes byte-identically`, () => {
      const m = decodeMessage(msg(p.index));
      expect(m.type).toBe(p.message_type);
      expect(toHex(encodeMessage(m))).toBe(toHex(msg(p.index)));
    });
  }
});

describe('captured bzrtp exchange: Hello (§5.2)', () => {
  for (const [i, role] of [[P.respHello, 'responder'], [P.initHello, 'initiator']] as const) {
    it(`${role} Hello fields match the capture`, () => {
      const m = decoded(i);
      if (m.type !== 'Hello') throw new Error('not a Hello');
      const parsed = packets[i]!.parsed as Record<string, unknown> & { algorithms: Record<string, string[]> };
      expect(m.version).toBe(parsed['version']);
      expect(m.clientId).toBe(parsed['client_id']);
      expect(toHex(m.h3)).toBe(parsed['h3']);
      expect(toHex(m.h3)).toBe(ep[role].hash_chain.h3);
      expect(toHex(m.zid)).toBe(parsed['zid']);
      expect(toHex(m.zid)).toBe(ep[role].zid);
      expect(m.flags).toEqual({ signatureCapable: parsed['S'] === 1, mitm: parsed['M'] === 1, passive: parsed['P'] === 1 });
      expect(m.hash).toEqual(parsed.algorithms['hash']);
      expect(m.cipher).toEqual(parsed.algorithms['cipher']);
      expect(m.authTag).toEqual(parsed.algorithms['auth_tag']);
      expect(m.keyAgreement).toEqual(parsed.algorithms['key_agreement']);
      // The wire block is "B32 "; the API name drops the padding (§5.1.6).
      expect(m.sas).toEqual(parsed.algorithms['sas']!.map((s) => s.trimEnd()));
      expect(toHex(m.mac)).toBe(parsed['mac']);
    });

    it(`${role} Hello MAC is HMAC-SHA-256 keyed by the sender's H2, truncated to 64 bits`, () => {
      const chain = chainOf(role);
      verifyMessageMac('S256', chain.h2, msg(i));
      expect(toHex(withMessageMac('S256', chain.h2, msg(i)))).toBe(toHex(msg(i)));
      // Keyed by any other chain element it fails.
      expectZrtpError(() => verifyMessageMac('S256', chain.h1, msg(i)), 'SUSURRO_ZRTP_BAD_MAC');
      expectZrtpError(() => verifyMessageMac('S256', chain.h3, msg(i)), 'SUSURRO_ZRTP_BAD_MAC');
    });

    it(`${role} Hello gives the a=zrtp-hash value (§8.1)`, () => {
      expect(zrtpHashAttribute(msg(i))).toBe(ep[role].hello_zrtp_hash);
      verifyZrtpHash(ep[role].hello_zrtp_hash, msg(i));
    });
  }

  it('both hash chains link H0 -> H1 -> H2 -> H3 with SHA-256 (§9)', () => {
    for (const role of ['initiator', 'responder'] as const) {
      const c = chainOf(role);
      const rebuilt = makeHashChain('S256', c.h0);
      expect([rebuilt.h1, rebuilt.h2, rebuilt.h3].map(toHex)).toEqual([c.h1, c.h2, c.h3].map(toHex));
      verifyHashChainLink(c.h0, c.h3, 3);
      verifyHashChainLink(c.h2, c.h3, 1);
      expectZrtpError(() => verifyHashChainLink(c.h1, c.h3, 1), 'SUSURRO_ZRTP_HASH_CHAIN');
    }
  });
});

describe('captured bzrtp exchange: Commit, DHPart1, DHPart2 (§5.4–§5.6)', () => {
  const init = chainOf('initiator');
  const resp = chainOf('responder');

  it('Commit fields match, H2 links to the initiator Hello H3, MAC keyed by H1', () => {
    const m = decoded(P.commit);
    if (m.type !== 'Commit' || m.mode !== 'dh') throw new Error('not a DH Commit');
    const parsed = packets[P.commit]!.parsed as Record<string, string>;
    expect(toHex(m.h2)).toBe(parsed['h2']);
    expect(toHex(m.zid)).toBe(parsed['zid']);
    expect([m.hash, m.cipher, m.authTag, m.keyAgreement, m.sas]).toEqual(
      [parsed['hash'], parsed['cipher'], parsed['auth_tag'], parsed['key_agreement'], parsed['sas']!.trimEnd()],
    );
    expect(toHex(m.hvi)).toBe(parsed['hvi']);
    expect(toHex(m.mac)).toBe(parsed['mac']);
    const hello = decoded(P.initHello);
    if (hello.type !== 'Hello') throw new Error('not a Hello');
    verifyHashChainLink(m.h2, hello.h3, 1);
    verifyMessageMac('S256', init.h1, msg(P.commit));
    // The Hello MAC can be checked once Commit reveals H2 (§9).
    verifyMessageMac('S256', m.h2, msg(P.initHello));
  });

  for (const [i, role, chain] of [[P.dhPart1, 'responder', resp], [P.dhPart2, 'initiator', init]] as const) {
    it(`${packets[i]!.message_type} fields match, H1 links to H3, MAC keyed by H0`, () => {
      const m = decoded(i);
      if (m.type !== 'DHPart1' && m.type !== 'DHPart2') throw new Error('not a DHPart');
      const parsed = packets[i]!.parsed as Record<string, string | number>;
      expect(toHex(m.h1)).toBe(parsed['h1']);
      expect(toHex(m.rs1Id)).toBe(parsed['rs1id']);
      expect(toHex(m.rs2Id)).toBe(parsed['rs2id']);
      expect(toHex(m.auxSecretId)).toBe(parsed['auxsecretid']);
      expect(toHex(m.pbxSecretId)).toBe(parsed['pbxsecretid']);
      expect(m.pv.length).toBe(parsed['pv_length_bytes']);
      expect(m.pv.length).toBe(publicValueLength('DH3k'));
      expect(toHex(m.pv).startsWith(parsed['pv'] as string)).toBe(true);
      expect(toHex(m.mac)).toBe(parsed['mac']);
      expect(toHex(m.h1)).toBe(toHex(chain.h1));
      verifyHashChainLink(m.h1, hex(ep[role].hash_chain.h3), 2);
      verifyMessageMac('S256', chain.h0, msg(i));
      expectZrtpError(() => verifyMessageMac('S256', chain.h1, msg(i)), 'SUSURRO_ZRTP_BAD_MAC');
    });

    it(`${packets[i]!.message_type} public value is a valid DH3k value (1 < pv < p-1)`, () => {
      const m = decoded(i);
      if (m.type !== 'DHPart1' && m.type !== 'DHPart2') throw new Error('not a DHPart');
      const ours = generateKeyPair('DH3k', (n) => new Uint8Array(n).fill(0x5a), { dhSecretBits: 256 });
      expect(ours.shared(m.pv)).toHaveLength(384);
    });
  }

  it('DHPart1 reveals responder H1, which checks the responder Hello MAC via H2 = SHA-256(H1)', () => {
    const m = decoded(P.dhPart1);
    if (m.type !== 'DHPart1') throw new Error('not DHPart1');
    verifyMessageMac('S256', hash('S256', m.h1), msg(P.respHello));
  });

  it('hvi = SHA-256(DHPart2 || responder Hello) equals the Commit hvi (§4.4.1.1)', () => {
    const hvi = computeHvi('S256', msg(P.dhPart2), msg(P.respHello));
    expect(toHex(hvi)).toBe(exchange.derived_by_extractor.hvi.value);
    const commit = decoded(P.commit);
    if (commit.type !== 'Commit' || commit.mode !== 'dh') throw new Error('not a DH Commit');
    verifyHvi('S256', commit.hvi, msg(P.dhPart2), msg(P.respHello));
    // Against the initiator's own Hello (the wrong one) it must fail.
    expectZrtpError(() => verifyHvi('S256', commit.hvi, msg(P.dhPart2), msg(P.initHello)), 'SUSURRO_ZRTP_HVI_MISMATCH');
  });

  it('total_hash = SHA-256(responder Hello || Commit || DHPart1 || DHPart2) and KDF_Context (§4.4.1.4)', () => {
    const total = hash('S256', msg(P.respHello), msg(P.commit), msg(P.dhPart1), msg(P.dhPart2));
    expect(toHex(total)).toBe(exchange.derived_by_extractor.total_hash.value);
    const context = new Uint8Array([...hex(ep.initiator.zid), ...hex(ep.responder.zid), ...total]);
    expect(toHex(context)).toBe(exchange.derived_by_extractor.kdf_context.value);
  });
});

describe('captured bzrtp exchange: Confirm1, Confirm2 (§5.7)', () => {
  const k = exchange.session_keys;
  const cases = [
    { i: P.confirm1, role: 'responder' as const, keys: { zrtpKey: hex(k.zrtpkeyr), macKey: hex(k.mackeyr) } },
    { i: P.confirm2, role: 'initiator' as const, keys: { zrtpKey: hex(k.zrtpkeyi), macKey: hex(k.mackeyi) } },
  ];
  for (const { i, role, keys } of cases) {
    const name = packets[i]!.message_type;
    it(`${name}: confirm_mac = HMAC-SHA-256(mackey, encrypted part) truncated; decrypts to the sender's H0`, () => {
      const m = decoded(i);
      if (m.type !== 'Confirm1' && m.type !== 'Confirm2') throw new Error('not a Confirm');
      const parsed = packets[i]!.parsed as Record<string, unknown> & { decrypted_part_derived: Record<string, unknown> };
      expect(toHex(m.confirmMac)).toBe(parsed['confirm_mac']);
      expect(toHex(m.cfbIv)).toBe(parsed['cfb_iv']);
      expect(toHex(m.encrypted)).toBe(parsed['encrypted_part']);
      const plain = openConfirmBody('S256', 'AES1', keys, m);
      expect(toHex(plain)).toBe(parsed.decrypted_part_derived['plaintext']);
      const body = decodeConfirmBody(plain);
      expect(toHex(body.h0)).toBe(ep[role].hash_chain.h0);
      expect(body.flags).toEqual({ E: false, V: false, A: false, D: false });
      expect(body.cacheExpiry).toBe(0xffffffff);
      expect(body.signature).toBeUndefined();
      expect(toHex(encodeConfirmBody(body))).toBe(toHex(plain));
      // Sealing the same body with the same IV reproduces the captured bytes exactly.
      const sealed = sealConfirmBody('S256', 'AES1', keys, m.cfbIv, plain);
      expect(toHex(sealed.encrypted)).toBe(toHex(m.encrypted));
      expect(toHex(sealed.confirmMac)).toBe(toHex(m.confirmMac));
      // H0 closes the chain: it checks the DHPart MAC of the same sender.
      verifyMessageMac('S256', body.h0, msg(role === 'responder' ? P.dhPart1 : P.dhPart2));
    });

    it(`${name}: the other direction's keys, or any altered ciphertext bit, fail the MAC`, () => {
      const m = decoded(i);
      if (m.type !== 'Confirm1' && m.type !== 'Confirm2') throw new Error('not a Confirm');
      const other = cases.find((c) => c.i !== i)!.keys;
      expectZrtpError(() => openConfirmBody('S256', 'AES1', other, m), 'SUSURRO_ZRTP_BAD_MAC');
      for (let b = 0; b < m.encrypted.length; b++) {
        const bad = m.encrypted.slice();
        bad[b] = bad[b]! ^ 0x01;
        expectZrtpError(() => verifyConfirmMac('S256', keys.macKey, bad, m.confirmMac), 'SUSURRO_ZRTP_BAD_MAC');
      }
    });
  }
});

describe('captured bzrtp exchange: negative cases', () => {
  const neg = Object.fromEntries(exchange.negative_cases.map((c) => [c['name'], c]));

  it('hvi_mismatch: a Commit with altered hvi (MAC recomputed) passes its MAC but fails the hvi check', () => {
    const tampered = decodePacket(hex(neg['hvi_mismatch']!['tampered_commit_packet_hex_derived']!));
    verifyMessageMac('S256', chainOf('initiator').h1, tampered.message);
    const commit = decodeMessage(tampered.message);
    if (commit.type !== 'Commit' || commit.mode !== 'dh') throw new Error('not a DH Commit');
    expect(commit.hvi[0]).toBe(0xff);
    expectZrtpError(() => verifyHvi('S256', commit.hvi, msg(P.dhPart2), msg(P.respHello)), 'SUSURRO_ZRTP_HVI_MISMATCH');
  });

  it('hvi_mismatch: the same change without recomputing the MAC fails the Commit MAC (keyed by H1 from DHPart2)', () => {
    const tampered = decodePacket(hex(neg['hvi_mismatch']!['tampered_commit_mac_not_recomputed_hex_derived']!));
    const dhPart2 = decoded(P.dhPart2);
    if (dhPart2.type !== 'DHPart2') throw new Error('not DHPart2');
    expectZrtpError(() => verifyMessageMac('S256', dhPart2.h1, tampered.message), 'SUSURRO_ZRTP_BAD_MAC');
  });

  it('any altered byte of a MAC-protected message fails its MAC', () => {
    const keyed = [
      [P.respHello, chainOf('responder').h2],
      [P.initHello, chainOf('initiator').h2],
      [P.commit, chainOf('initiator').h1],
      [P.dhPart1, chainOf('responder').h0],
      [P.dhPart2, chainOf('initiator').h0],
    ] as const;
    for (const [i, key] of keyed) {
      const m = msg(i);
      for (let b = 0; b < m.length; b++) {
        const bad = m.slice();
        bad[b] = bad[b]! ^ 0x80;
        expectZrtpError(() => verifyMessageMac('S256', key, bad), 'SUSURRO_ZRTP_BAD_MAC');
      }
    }
  });

  it('zrtp_hash_mismatch: the PJS Hello matches its correct a=zrtp-hash and is refused with the wrong one', () => {
    const zc = exchange.zrtp_hash_case;
    const pkt = decodePacket(hex(zc.packet_hex));
    expect(pkt.ssrc).toBe(parseInt(zc.sender_ssrc, 16));
    expect(toHex(encodePacket(pkt))).toBe(zc.packet_hex);
    expect(zrtpHashAttribute(pkt.message)).toBe(zc.zrtp_hash_correct);
    verifyZrtpHash(zc.zrtp_hash_correct, pkt.message);
    expectZrtpError(() => verifyZrtpHash(zc.zrtp_hash_wrong, pkt.message), 'SUSURRO_ZRTP_ZRTP_HASH_MISMATCH');
    expectZrtpError(() => verifyZrtpHash('1.10 not-a-hash', pkt.message), 'SUSURRO_ZRTP_ZRTP_HASH_MISMATCH');
  });

  it('zrtp_hash case: a Hello listing algorithms we do not know keeps them verbatim (forward compatible)', () => {
    const zc = exchange.zrtp_hash_case;
    const m = decodeMessage(decodePacket(hex(zc.packet_hex)).message);
    if (m.type !== 'Hello') throw new Error('not a Hello');
    const parsed = zc.parsed as Record<string, unknown> & { algorithms: Record<string, string[]> };
    expect(m.clientId).toBe((parsed['client_id'] as string).trimEnd());
    expect(toHex(m.h3)).toBe(parsed['h3']);
    expect(toHex(m.zid)).toBe(parsed['zid']);
    expect(m.hash).toEqual(['S384', 'S256']);
    expect(m.cipher).toEqual(parsed.algorithms['cipher']);
    expect(m.authTag).toEqual(parsed.algorithms['auth_tag']);
    expect(m.keyAgreement).toEqual(parsed.algorithms['key_agreement']);
    expect(m.sas).toEqual(['B32']);
    expect(toHex(m.mac)).toBe(parsed['mac']);
  });

  it('messageMac is exactly the first 8 bytes of the HMAC (no other truncation)', () => {
    const m = msg(P.commit);
    const mac = messageMac('S256', chainOf('initiator').h1, m.subarray(0, m.length - 8));
    expect(toHex(mac)).toBe(toHex(m.subarray(m.length - 8)));
  });
});
