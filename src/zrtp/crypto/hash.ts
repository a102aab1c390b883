/**
 * The negotiated hash (RFC 6189 §5.1.2: S256 = SHA-256, S384 = SHA-384), its HMAC (RFC 2104) and a
 * constant-time comparison. Synchronous, via the audited @noble/hashes, because ZRTP hashes only
 * small inputs and a synchronous API keeps the state machine simple.
 */
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import type { HashAlgorithm } from '../algorithms.ts';
import { assertBytes } from '../bytes.ts';

function hashFunction(alg: HashAlgorithm): typeof sha256 | typeof sha384 {
  if (alg === 'S256') return sha256;
  if (alg === 'S384') return sha384;
  throw new RangeError(`alg: unknown hash algorithm ${String(alg)}`);
}

/** hash(part1 || part2 || ...) with the given algorithm. */
export function hash(alg: HashAlgorithm, ...parts: Uint8Array[]): Uint8Array {
  const h = hashFunction(alg).create();
  for (const [i, p] of parts.entries()) {
    assertBytes(p, `parts[${i}]`);
    h.update(p);
  }
  return h.digest();
}

/** HMAC(key, part1 || part2 || ...) with the given hash (full length, untruncated). */
export function hmac(alg: HashAlgorithm, key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  assertBytes(key, 'key');
  const h = nobleHmac.create(hashFunction(alg), key);
  for (const [i, p] of parts.entries()) {
    assertBytes(p, `parts[${i}]`);
    h.update(p);
  }
  return h.digest();
}

/**
 * HMAC(key, parts...) for several messages under one key: the same values as calling hmac() for
 * each, but the key's ipad/opad blocks are hashed once and cloned (RFC 2104 §4 allows this
 * precomputation). The KDF (§4.5.1) keys a dozen derivations with s0 this way.
 */
export function hmacMany(alg: HashAlgorithm, key: Uint8Array, messages: readonly (readonly Uint8Array[])[]): Uint8Array[] {
  assertBytes(key, 'key');
  const keyed = nobleHmac.create(hashFunction(alg), key);
  try {
    return messages.map((parts, m) => {
      const h = keyed.clone();
      for (const [i, p] of parts.entries()) {
        assertBytes(p, `messages[${m}][${i}]`);
        h.update(p);
      }
      return h.digest();
    });
  } finally {
    keyed.destroy(); // drop the key-derived state
  }
}

// Constant-time comparison (MACs, hvi, hash images): equalBytes from @noble/ciphers/utils.js,
// whose loop depends only on the lengths; @noble/hashes/utils has none.
