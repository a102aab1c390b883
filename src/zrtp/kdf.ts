/**
 * The ZRTP key derivation function, RFC 6189 §4.5.1:
 *
 *   KDF(KI, Label, Context, L) = HMAC(KI, i || Label || 0x00 || Context || L)
 *
 * with i = 1 as a 32-bit big-endian counter (one HMAC block is always enough, since ZRTP never
 * asks for more than the hash length), the Label as ASCII without terminator, one 0x00 separator
 * byte, and L = the output length in bits, 32-bit big-endian. The result is truncated to the
 * leftmost L bits.
 */
import type { HashAlgorithm } from './algorithms.ts';
import { hashLength } from './algorithms.ts';
import { hmac, hmacMany } from './crypto/hash.ts';
import { assertBytes, assertInteger, assertString, latin1Bytes, u32be } from './bytes.ts';

const SEPARATOR = new Uint8Array([0]);
const COUNTER_ONE = u32be(1);

/**
 * @param alg negotiated hash (the HMAC is HMAC-SHA-256 for S256, HMAC-SHA-384 for S384)
 * @param key KI, e.g. s0 (§4.4.1.4) or ZRTPSess (§4.5.2)
 * @param label ASCII label, e.g. "Initiator SRTP master key" (§4.5.3)
 * @param context usually KDF_Context = ZIDi || ZIDr || total_hash (§4.5.1)
 * @param lengthBits L: a positive multiple of 8, at most the hash length in bits
 * @throws TypeError/RangeError on invalid arguments
 */
export function kdf(alg: HashAlgorithm, key: Uint8Array, label: string, context: Uint8Array, lengthBits: number): Uint8Array {
  assertBytes(key, 'key');
  const [input] = kdfInputs(alg, context, [[label, lengthBits]]);
  return hmac(alg, key, ...input!).slice(0, lengthBits / 8);
}

/** One KDF output request: the label and L in bits. */
export type KdfRequest = readonly [label: string, lengthBits: number];

/**
 * Several outputs of KDF(key, label, context, L) under one key, in request order: byte-identical
 * to calling {@link kdf} for each (same checks), with the HMAC key schedule done once.
 */
export function kdfMany(alg: HashAlgorithm, key: Uint8Array, context: Uint8Array, requests: readonly KdfRequest[]): Uint8Array[] {
  assertBytes(key, 'key');
  const inputs = kdfInputs(alg, context, requests);
  return hmacMany(alg, key, inputs).map((mac, i) => mac.slice(0, requests[i]![1] / 8));
}

/** The HMAC input parts i || Label || 0x00 || Context || L of each request, validated. */
function kdfInputs(alg: HashAlgorithm, context: Uint8Array, requests: readonly KdfRequest[]): Uint8Array[][] {
  assertBytes(context, 'context');
  const maxBits = hashLength(alg) * 8;
  return requests.map(([label, lengthBits]) => {
    assertString(label, 'label');
    assertInteger(lengthBits, 'lengthBits', 8, maxBits);
    if (lengthBits % 8 !== 0) throw new RangeError('lengthBits must be a multiple of 8');
    return [COUNTER_ONE, latin1Bytes(label, 'label'), SEPARATOR, context, u32be(lengthBits)];
  });
}
