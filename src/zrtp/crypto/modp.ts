/**
 * Finite-field Diffie-Hellman for ZRTP's DH2k and DH3k (RFC 6189 §5.1.5): the RFC 3526 MODP
 * groups 14 (2048-bit) and 15 (3072-bit), generator 2, with modular exponentiation on native
 * BigInt. Public values and results are big-endian, left-padded with zeros to the length of p
 * (§4.4.1.4, as bzrtp/mbedTLS produce them).
 *
 * Timing: BigInt arithmetic is not constant-time. The secret exponent is ephemeral (one key
 * agreement, then discarded), which bounds what a timing observer could accumulate; this is the
 * same trade-off every pure-JS DH makes, and the reason X255 is our preferred key agreement.
 */

/** RFC 3526 §3, 2048-bit MODP group (id 14). */
const P2048_HEX =
  'ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404dd' +
  'ef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed' +
  'ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf0598da48361c55d39a69163fa8fd24cf5f' +
  '83655d23dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b' +
  'e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf6955817183995497cea956ae515d2261898fa0510' +
  '15728e5a8aacaa68ffffffffffffffff';
/** RFC 3526 §4, 3072-bit MODP group (id 15). */
const P3072_HEX =
  'ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404dd' +
  'ef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed' +
  'ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf0598da48361c55d39a69163fa8fd24cf5f' +
  '83655d23dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b' +
  'e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf6955817183995497cea956ae515d2261898fa0510' +
  '15728e5a8aaac42dad33170d04507a33a85521abdf1cba64ecfb850458dbef0a8aea71575d060c7db3970f85a6e1e4c7' +
  'abf5ae8cdb0933d71e8c94e04a25619dcee3d2261ad2ee6bf12ffa06d98a0864d87602733ec86a64521f2b18177b200c' +
  'bbe117577a615d6c770988c0bad946e208e24fa074e5ab3143db5bfce0fd108e4b82d120a93ad2caffffffffffffffff';

export interface ModpGroup {
  readonly name: 'DH2k' | 'DH3k';
  readonly p: bigint;
  readonly g: bigint;
  /** Length of p in bytes: the length of every public value and DH result. */
  readonly byteLength: number;
}

export const MODP_2048: ModpGroup = Object.freeze({ name: 'DH2k', p: BigInt('0x' + P2048_HEX), g: 2n, byteLength: 256 });
export const MODP_3072: ModpGroup = Object.freeze({ name: 'DH3k', p: BigInt('0x' + P3072_HEX), g: 2n, byteLength: 384 });

/** Big-endian bytes -> bigint. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = '0x0';
  for (const b of bytes) hex += (b < 16 ? '0' : '') + b.toString(16);
  return BigInt(hex);
}

/** bigint -> big-endian bytes, left-padded to `length` (RangeError if it does not fit). */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  if (value < 0n) throw new RangeError('value must not be negative');
  const hex = value.toString(16);
  if (hex.length > length * 2) throw new RangeError(`value does not fit in ${length} bytes`);
  const padded = hex.padStart(length * 2, '0');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Window size of the sliding-window exponentiation (2^(w-1) precomputed odd powers). */
const WINDOW = 5;

/**
 * base^exponent mod modulus, left-to-right sliding window (HAC 14.85). exponent >= 0, modulus > 1.
 */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus <= 1n) throw new RangeError('modulus must be > 1');
  if (exponent < 0n) throw new RangeError('exponent must be >= 0');
  const b = ((base % modulus) + modulus) % modulus;
  if (exponent === 0n) return 1n;
  // Odd powers b^1, b^3, ..., b^(2^w - 1).
  const b2 = (b * b) % modulus;
  const odd: bigint[] = [b];
  for (let i = 1; i < 1 << (WINDOW - 1); i++) odd.push((odd[i - 1]! * b2) % modulus);
  const bits = exponent.toString(2);
  let result = 1n;
  let i = 0;
  while (i < bits.length) {
    if (bits[i] === '0') {
      result = (result * result) % modulus;
      i++;
      continue;
    }
    // Longest window bits[i..j] of at most WINDOW bits that ends in a 1.
    let j = Math.min(i + WINDOW, bits.length) - 1;
    while (bits[j] === '0') j--;
    const windowValue = parseInt(bits.slice(i, j + 1), 2);
    for (let k = i; k <= j; k++) result = (result * result) % modulus;
    result = (result * odd[(windowValue - 1) >> 1]!) % modulus;
    i = j + 1;
  }
  return result;
}
