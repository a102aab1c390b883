/**
 * ZRTP DH-mode key derivation, RFC 6189 §4.4.1.1 (hvi), §4.4.1.4 (total_hash, s0,
 * KDF_Context) and §4.5 (everything derived from s0). Pure functions; labels are byte-exact
 * with the RFC text and with bzrtp (src/stateMachine.c, src/bzrtp.c), which interop checks.
 */
import { cipherKeyLength, hashLength, type CipherAlgorithm, type HashAlgorithm } from './algorithms.ts';
import { concatBytes } from '@noble/hashes/utils.js';
import { latin1Bytes, u32be } from './bytes.ts';
import { hash } from './crypto/hash.ts';
import { kdfMany } from './kdf.ts';

/** §4.5.3: "the SRTP master salt is 112 bits" */
export const SRTP_SALT_BITS = 112;
/** §4.6.1: rs1 = KDF(s0, "retained secret", KDF_Context, 256) */
export const RETAINED_SECRET_BITS = 256;
/** §4.5.2: sashash = KDF(s0, "SAS", KDF_Context, 256) */
export const SAS_HASH_BITS = 256;

/** §4.4.1.1 hvi = hash(DHPart2 || responder's Hello), truncated to 256 bits (crypto/hvi.ts). */
export { computeHvi } from './crypto/hvi.ts';

/** §4.4.1.4: total_hash = hash(Hello of responder || Commit || DHPart1 || DHPart2). */
export function computeTotalHash(
  alg: HashAlgorithm,
  responderHello: Uint8Array,
  commit: Uint8Array,
  dhPart1: Uint8Array,
  dhPart2: Uint8Array,
): Uint8Array {
  return hash(alg, responderHello, commit, dhPart1, dhPart2);
}

/** §4.4.1.4: KDF_Context = (ZIDi || ZIDr || total_hash). */
export function kdfContext(zidInitiator: Uint8Array, zidResponder: Uint8Array, totalHash: Uint8Array): Uint8Array {
  return concatBytes(zidInitiator, zidResponder, totalHash);
}

const COUNTER_ONE = u32be(1);
const KDF_LABEL = latin1Bytes('ZRTP-HMAC-KDF', 'label');
const EMPTY = new Uint8Array(0);

/**
 * §4.4.1.4: s0 = hash(counter || DHResult || "ZRTP-HMAC-KDF" || ZIDi || ZIDr || total_hash ||
 * len(s1) || s1 || len(s2) || s2 || len(s3) || s3), counter = 1, each len a 32-bit big-endian
 * byte count; a missing secret is "null" with length zero.
 */
export function computeS0(
  alg: HashAlgorithm,
  dhResult: Uint8Array,
  context: Uint8Array,
  s1: Uint8Array | null,
  s2: Uint8Array | null,
  s3: Uint8Array | null,
): Uint8Array {
  const part = (s: Uint8Array | null) => [u32be(s ? s.length : 0), s ?? EMPTY];
  return hash(alg, COUNTER_ONE, dhResult, KDF_LABEL, context, ...part(s1), ...part(s2), ...part(s3));
}

/** Keys protecting the Confirm messages, §4.5.3. */
export interface ConfirmKeys {
  macKeyInitiator: Uint8Array;
  macKeyResponder: Uint8Array;
  zrtpKeyInitiator: Uint8Array;
  zrtpKeyResponder: Uint8Array;
}

/** §4.5.3: mackeyi/r (negotiated hash length), zrtpkeyi/r (negotiated AES key length). */
export function deriveConfirmKeys(alg: HashAlgorithm, cipher: CipherAlgorithm, s0: Uint8Array, context: Uint8Array): ConfirmKeys {
  const hashBits = hashLength(alg) * 8;
  const keyBits = cipherKeyLength(cipher) * 8;
  const [macKeyInitiator, macKeyResponder, zrtpKeyInitiator, zrtpKeyResponder] = kdfMany(alg, s0, context, [
    ['Initiator HMAC key', hashBits],
    ['Responder HMAC key', hashBits],
    ['Initiator ZRTP key', keyBits],
    ['Responder ZRTP key', keyBits],
  ]) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  return { macKeyInitiator, macKeyResponder, zrtpKeyInitiator, zrtpKeyResponder };
}

export interface SrtpKeyMaterial {
  initiator: { key: Uint8Array; salt: Uint8Array };
  responder: { key: Uint8Array; salt: Uint8Array };
}

/** §4.5.3: "Initiator/Responder SRTP master key" (AES key length) and "... master salt" (112 bits). */
export function deriveSrtpKeys(alg: HashAlgorithm, cipher: CipherAlgorithm, s0: Uint8Array, context: Uint8Array): SrtpKeyMaterial {
  const keyBits = cipherKeyLength(cipher) * 8;
  const [ik, is, rk, rs] = kdfMany(alg, s0, context, [
    ['Initiator SRTP master key', keyBits],
    ['Initiator SRTP master salt', SRTP_SALT_BITS],
    ['Responder SRTP master key', keyBits],
    ['Responder SRTP master salt', SRTP_SALT_BITS],
  ]) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  return { initiator: { key: ik, salt: is }, responder: { key: rk, salt: rs } };
}

export interface SessionSecrets {
  /** §4.5.2: ZRTPSess = KDF(s0, "ZRTP Session Key", KDF_Context, negotiated hash length) */
  zrtpSessionKey: Uint8Array;
  /** §4.5.2: ExportedKey = KDF(s0, "Exported key", KDF_Context, negotiated hash length) */
  exportedKey: Uint8Array;
  /** §4.5.2: sashash = KDF(s0, "SAS", KDF_Context, 256); sasvalue = its leftmost 32 bits */
  sasHash: Uint8Array;
  /** §4.6.1: the new rs1 = KDF(s0, "retained secret", KDF_Context, 256) */
  newRetainedSecret: Uint8Array;
}

export function deriveSessionSecrets(alg: HashAlgorithm, s0: Uint8Array, context: Uint8Array): SessionSecrets {
  const hashBits = hashLength(alg) * 8;
  const [zrtpSessionKey, exportedKey, sasHash, newRetainedSecret] = kdfMany(alg, s0, context, [
    ['ZRTP Session Key', hashBits],
    ['Exported key', hashBits],
    ['SAS', SAS_HASH_BITS],
    ['retained secret', RETAINED_SECRET_BITS],
  ]) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  return { zrtpSessionKey, exportedKey, sasHash, newRetainedSecret };
}
