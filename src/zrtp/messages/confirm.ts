/**
 * Confirm1 and Confirm2 (RFC 6189 §5.7, §5.8):
 *
 *   confirm_mac (2 words) | CFB IV (4 words) | encrypted part (>= 10 words)
 *
 * The encrypted part is AES-CFB under zrtpkeyi/zrtpkeyr with the IV (§5.7), and confirm_mac is
 * the negotiated HMAC keyed by mackeyi/mackeyr over the encrypted part, truncated to 64 bits
 * (see crypto/confirm-cipher.ts). Its plaintext, the "Confirm body", is:
 *
 *   H0 (8 words) | unused (15 bits) | sig len (9 bits) | 0 0 0 0 | E | V | A | D
 *   | cache expiration interval (1 word) | [signature type block (1 word) | signature]
 *
 * where sig len counts the words of the signature including its type block (0 = no signature).
 */
import { assertBytes, assertInteger, latin1Bytes, latin1String, readU32, writeU32 } from '../bytes.ts';
import { malformed } from '../errors.ts';
import { MessageReader } from './framing.ts';
import { MessageWriter } from './writer.ts';

export interface ConfirmMessage {
  type: 'Confirm1' | 'Confirm2';
  /** 8-byte truncated HMAC over `encrypted`. */
  confirmMac: Uint8Array;
  /** 16-byte CFB initialisation vector, random per message (§5.7). */
  cfbIv: Uint8Array;
  /** The encrypted Confirm body, a whole number of words, at least 40 bytes. */
  encrypted: Uint8Array;
}

export interface ConfirmFlags {
  /** E: PBX enrollment (§7.3.1). */
  E: boolean;
  /** V: SAS verified (§7.1). */
  V: boolean;
  /** A: allow clear (GoClear permitted, §4.7.2). */
  A: boolean;
  /** D: disclosure flag (§11). */
  D: boolean;
}

export interface ConfirmSignature {
  /** 4-character signature type block, e.g. "PGP " or "X509" (§7.2). */
  type: string;
  /** Signature data, a whole number of words. */
  data: Uint8Array;
}

/** Decrypted Confirm body (§5.7). */
export interface ConfirmBody {
  /** Hash chain preimage H0, 32 bytes (§9). */
  h0: Uint8Array;
  flags: ConfirmFlags;
  /** Cache expiration interval in seconds; 0xffffffff = never expires (§4.9). */
  cacheExpiry: number;
  signature?: ConfirmSignature;
}

/** Smallest Confirm body: H0, the flags word, the cache expiry word. */
export const CONFIRM_BODY_MIN_LENGTH = 40;
/** §5.7: sig len is a 9-bit word count. */
const MAX_SIG_WORDS = 0x1ff;

export function encodeConfirm(m: ConfirmMessage): Uint8Array {
  assertBytes(m.encrypted, `${m.type}.encrypted`);
  if (m.encrypted.length < CONFIRM_BODY_MIN_LENGTH) throw new RangeError(`${m.type}.encrypted must be at least 40 bytes`);
  return new MessageWriter(m.type)
    .bytes(m.confirmMac, `${m.type}.confirmMac`, 8)
    .bytes(m.cfbIv, `${m.type}.cfbIv`, 16)
    .words(m.encrypted, `${m.type}.encrypted`)
    .finish();
}

export function decodeConfirm(bytes: Uint8Array, type: 'Confirm1' | 'Confirm2'): ConfirmMessage {
  const r = new MessageReader(bytes, type);
  const confirmMac = r.take(8, 'confirm_mac');
  const cfbIv = r.take(16, 'CFB IV');
  if (r.remaining < CONFIRM_BODY_MIN_LENGTH) throw malformed(`${type}: encrypted part shorter than 40 bytes`);
  const encrypted = r.take(r.remaining, 'encrypted part');
  r.end();
  return { type, confirmMac, cfbIv, encrypted };
}

/**
 * The optional signature block that ends a Confirm body (§5.7) and a SASrelay body (§5.13):
 * signature type block (1 word) then the signature data, both validated (TypeError /
 * RangeError naming `body.signature.*`). Empty without a signature; sig len is its length / 4.
 */
export function encodeSignatureBlock(signature: ConfirmSignature | undefined): Uint8Array {
  if (signature === undefined) return new Uint8Array(0);
  assertBytes(signature.data, 'body.signature.data');
  if (signature.data.length % 4 !== 0) throw new RangeError('body.signature.data must be a multiple of 4 bytes');
  const sigType = latin1Bytes(signature.type, 'body.signature.type');
  if (sigType.length !== 4) throw new RangeError('body.signature.type must be 4 characters');
  const sigWords = 1 + signature.data.length / 4;
  if (sigWords > MAX_SIG_WORDS) throw new RangeError('body.signature is too long for the 9-bit sig len');
  const block = new Uint8Array(sigWords * 4);
  block.set(sigType, 0);
  block.set(signature.data, 4);
  return block;
}

/** Plaintext Confirm body bytes (§5.7), to be encrypted with cfbEncrypt. */
export function encodeConfirmBody(body: ConfirmBody): Uint8Array {
  if (body === null || typeof body !== 'object') throw new TypeError('body must be an object');
  assertBytes(body.h0, 'body.h0', 32);
  assertInteger(body.cacheExpiry, 'body.cacheExpiry', 0, 0xffffffff);
  if (body.flags === null || typeof body.flags !== 'object') throw new TypeError('body.flags must be an object');
  const sigBlock = encodeSignatureBlock(body.signature);
  const sigWords = sigBlock.length / 4;
  const out = new Uint8Array(CONFIRM_BODY_MIN_LENGTH + sigBlock.length);
  out.set(body.h0, 0);
  const f = body.flags;
  const flagBits = (f.E ? 8 : 0) | (f.V ? 4 : 0) | (f.A ? 2 : 0) | (f.D ? 1 : 0);
  writeU32(out, 32, (sigWords << 8) | flagBits);
  writeU32(out, 36, body.cacheExpiry);
  out.set(sigBlock, 40);
  return out;
}

/**
 * Parse a decrypted Confirm body (§5.7). Strict: unused bits must be zero and sig len must
 * account for exactly the bytes that follow.
 * @throws ZrtpError SUSURRO_ZRTP_MALFORMED
 */
export function decodeConfirmBody(plaintext: Uint8Array): ConfirmBody {
  if (!(plaintext instanceof Uint8Array)) throw malformed('Confirm body must be a Uint8Array');
  if (plaintext.length < CONFIRM_BODY_MIN_LENGTH || plaintext.length % 4 !== 0) {
    throw malformed(`Confirm body has a bad length (${plaintext.length} bytes)`);
  }
  const word = readU32(plaintext, 32);
  if ((word & 0xfffe00f0) !== 0) throw malformed('Confirm body: unused bits are not zero');
  const sigWords = (word >>> 8) & MAX_SIG_WORDS;
  if (plaintext.length !== CONFIRM_BODY_MIN_LENGTH + sigWords * 4) {
    throw malformed('Confirm body: sig len does not match the body length');
  }
  const body: ConfirmBody = {
    h0: plaintext.slice(0, 32),
    flags: { E: (word & 8) !== 0, V: (word & 4) !== 0, A: (word & 2) !== 0, D: (word & 1) !== 0 },
    cacheExpiry: readU32(plaintext, 36),
  };
  if (sigWords > 0) {
    body.signature = { type: latin1String(plaintext.subarray(40, 44)), data: plaintext.slice(44) };
  }
  return body;
}

