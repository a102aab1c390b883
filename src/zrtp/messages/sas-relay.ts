/**
 * SASrelay (RFC 6189 §5.13), sent by a trusted MiTM (PBX) to relay the other leg's SAS:
 *
 *   MAC (2 words) | CFB IV (4 words) | encrypted part (>= 10 words)
 *
 * encrypted and MAC'd like Confirm (§5.7). The plaintext body is:
 *
 *   unused (15 bits) | sig len (9 bits) | 0 0 0 0 | 0 | V | A | D
 *   | rendering scheme of the relayed SAS (1 word) | trusted MiTM SAS hash (8 words)
 *   | [signature type block (1 word) | signature]
 */
import { assertBytes, latin1Bytes, latin1String, readU32, writeU32 } from '../bytes.ts';
import { malformed } from '../errors.ts';
import { encodeSignatureBlock, type ConfirmSignature } from './confirm.ts';
import { MessageReader } from './framing.ts';
import { MessageWriter } from './writer.ts';

export interface SasRelayMessage {
  type: 'SASrelay';
  /** 8-byte truncated HMAC over `encrypted`. */
  mac: Uint8Array;
  /** 16-byte CFB IV. */
  cfbIv: Uint8Array;
  /** The encrypted SASrelay body, a whole number of words, at least 40 bytes. */
  encrypted: Uint8Array;
}

/** Decrypted SASrelay body (§5.13). */
export interface SasRelayBody {
  flags: { V: boolean; A: boolean; D: boolean };
  /** Rendering scheme of the relayed SAS, e.g. 'B32' (padding removed). */
  renderingScheme: string;
  /** 32-byte trusted MiTM relayed SAS hash. */
  sasHash: Uint8Array;
  signature?: ConfirmSignature;
}

const BODY_MIN_LENGTH = 40;

export function encodeSasRelay(m: SasRelayMessage): Uint8Array {
  assertBytes(m.encrypted, 'SASrelay.encrypted');
  if (m.encrypted.length < BODY_MIN_LENGTH) throw new RangeError('SASrelay.encrypted must be at least 40 bytes');
  return new MessageWriter('SASrelay')
    .bytes(m.mac, 'SASrelay.mac', 8)
    .bytes(m.cfbIv, 'SASrelay.cfbIv', 16)
    .words(m.encrypted, 'SASrelay.encrypted')
    .finish();
}

export function decodeSasRelay(bytes: Uint8Array): SasRelayMessage {
  const r = new MessageReader(bytes, 'SASrelay');
  const mac = r.take(8, 'MAC');
  const cfbIv = r.take(16, 'CFB IV');
  if (r.remaining < BODY_MIN_LENGTH) throw malformed('SASrelay: encrypted part shorter than 40 bytes');
  const encrypted = r.take(r.remaining, 'encrypted part');
  r.end();
  return { type: 'SASrelay', mac, cfbIv, encrypted };
}

export function encodeSasRelayBody(body: SasRelayBody): Uint8Array {
  if (body === null || typeof body !== 'object') throw new TypeError('body must be an object');
  assertBytes(body.sasHash, 'body.sasHash', 32);
  const scheme = latin1Bytes(body.renderingScheme, 'body.renderingScheme');
  if (scheme.length > 4) throw new RangeError('body.renderingScheme must be at most 4 characters');
  const sigBlock = encodeSignatureBlock(body.signature);
  const sigWords = sigBlock.length / 4;
  const out = new Uint8Array(BODY_MIN_LENGTH + sigBlock.length);
  const f = body.flags;
  writeU32(out, 0, (sigWords << 8) | (f.V ? 4 : 0) | (f.A ? 2 : 0) | (f.D ? 1 : 0));
  out.fill(0x20, 4, 8);
  out.set(scheme, 4);
  out.set(body.sasHash, 8);
  out.set(sigBlock, 40);
  return out;
}

/** @throws ZrtpError SUSURRO_ZRTP_MALFORMED */
export function decodeSasRelayBody(plaintext: Uint8Array): SasRelayBody {
  if (!(plaintext instanceof Uint8Array)) throw malformed('SASrelay body must be a Uint8Array');
  if (plaintext.length < BODY_MIN_LENGTH || plaintext.length % 4 !== 0) throw malformed('SASrelay body has a bad length');
  const word = readU32(plaintext, 0);
  if ((word & 0xfffe00f8) !== 0) throw malformed('SASrelay body: unused bits are not zero');
  const sigWords = (word >>> 8) & 0x1ff;
  if (plaintext.length !== BODY_MIN_LENGTH + sigWords * 4) throw malformed('SASrelay body: sig len does not match');
  const body: SasRelayBody = {
    flags: { V: (word & 4) !== 0, A: (word & 2) !== 0, D: (word & 1) !== 0 },
    renderingScheme: latin1String(plaintext.subarray(4, 8)).replace(/ +$/, ''),
    sasHash: plaintext.slice(8, 40),
  };
  if (sigWords > 0) body.signature = { type: latin1String(plaintext.subarray(40, 44)), data: plaintext.slice(44) };
  return body;
}
