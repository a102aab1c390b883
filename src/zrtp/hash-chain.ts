/**
 * The hash chain H0..H3 (RFC 6189 §9). H0 is 256 random bits; H1 = hash(H0), H2 = hash(H1),
 * H3 = hash(H2), always with SHA-256 whatever hash is negotiated (§9: "the hash chain ... uses
 * SHA-256"). H3 goes in Hello, H2 in Commit, H1 in DHPart, H0 in Confirm; each message's MAC is
 * keyed by the next preimage, so a receiver can check it one message later (§5.2–§5.7).
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes } from './bytes.ts';

import { ZrtpError } from './errors.ts';

export interface HashChain {
  readonly h0: Uint8Array;
  readonly h1: Uint8Array;
  readonly h2: Uint8Array;
  readonly h3: Uint8Array;
}

/**
 * Build the chain from a 32-byte random H0.
 * @param alg must be 'S256' (§9)
 */
export function makeHashChain(alg: 'S256', h0: Uint8Array): HashChain {
  if (alg !== 'S256') throw new RangeError('alg: the ZRTP hash chain always uses S256 (RFC 6189 §9)');
  assertBytes(h0, 'h0', 32);
  const copy = h0.slice();
  const h1 = sha256(copy);
  const h2 = sha256(h1);
  const h3 = sha256(h2);
  return { h0: copy, h1, h2, h3 };
}

/** One link of the chain: SHA-256 of a preimage (§9). */
export function hashImage(preimage: Uint8Array): Uint8Array {
  assertBytes(preimage, 'preimage', 32);
  return sha256(preimage);
}

/**
 * Check that `image` = SHA-256^`steps`(`preimage`) (e.g. a received H1 against the stored H2 with
 * steps = 1, or H0 against H3 with steps = 3). Constant-time on the final comparison.
 * @throws ZrtpError SUSURRO_ZRTP_HASH_CHAIN when the link does not hold
 */
export function verifyHashChainLink(preimage: Uint8Array, image: Uint8Array, steps: 1 | 2 | 3): void {
  assertBytes(preimage, 'preimage', 32);
  assertBytes(image, 'image', 32);
  if (steps !== 1 && steps !== 2 && steps !== 3) throw new RangeError('steps must be 1, 2 or 3');
  let h = preimage;
  for (let i = 0; i < steps; i++) h = sha256(h);
  if (!equalBytes(h, image)) throw new ZrtpError('SUSURRO_ZRTP_HASH_CHAIN', 'hash chain link does not hold (RFC 6189 §9)');
}
