/**
 * Short Authentication String rendering (RFC 6189 §5.1.6, §7). The SAS hash is
 * KDF(s0, "SAS", KDF_Context, 256) (§4.5.2); sasvalue is its leftmost 32 bits.
 *
 * - B32: the leftmost 20 bits of sasvalue as 4 characters of the z-base-32 alphabet
 *   "ybndrfg8ejkmcpqxot1uwisza345h769" (5 bits each, most significant first).
 * - B256: the leftmost 16 bits as two PGP words: first byte from the even list, second byte from
 *   the odd list, joined by one space (bzrtp shows them with ':'; the words are what matters).
 */
import type { SasAlgorithm } from './algorithms.ts';
import { assertBytes, readU32 } from './bytes.ts';
import { PGP_WORDS_EVEN, PGP_WORDS_ODD } from './pgp-words.ts';

/** z-base-32 alphabet, RFC 6189 §5.1.6. */
export const B32_ALPHABET = 'ybndrfg8ejkmcpqxot1uwisza345h769';

/** sasvalue: the leftmost 32 bits of the SAS hash as an unsigned integer (§5.1.6). */
export function sasValue(sasHash: Uint8Array): number {
  assertBytes(sasHash, 'sasHash');
  if (sasHash.length < 4) throw new RangeError('sasHash must be at least 4 bytes');
  return readU32(sasHash, 0);
}

/**
 * The SAS shown to both users.
 * @param type 'B32' (4 characters, e.g. "4jw5") or 'B256' (e.g. "standard guitarist")
 * @param sasHash the 32-byte SAS hash (at least its first 4 bytes are used)
 */
export function renderSas(type: SasAlgorithm, sasHash: Uint8Array): string {
  const value = sasValue(sasHash);
  if (type === 'B32') {
    let out = '';
    for (let shift = 27; shift >= 12; shift -= 5) out += B32_ALPHABET[(value >>> shift) & 31];
    return out;
  }
  if (type === 'B256') return `${PGP_WORDS_EVEN[value >>> 24]} ${PGP_WORDS_ODD[(value >>> 16) & 0xff]}`;
  throw new RangeError(`type: unknown SAS type ${String(type)}`);
}
