/**
 * Shared-secret identifiers and the choice of s1/s2 (RFC 6189 §4.3, §4.3.1, §4.3.2).
 *
 * Each side sends, in its DHPart, 64-bit IDs of the secrets it holds:
 *   rs1IDi = MAC(rs1, "Initiator"), rs1IDr = MAC(rs1, "Responder") (same for rs2),
 *   auxsecretIDi = MAC(auxsecret, H3 of the initiator), auxsecretIDr = MAC(auxsecret, H3 of the
 *   responder), pbxsecretID likewise (we hold no PBX secret, so ours is random).
 * MAC is the HMAC of the negotiated hash truncated to 64 bits. A secret we lack is replaced by
 * random bytes so that its absence is not visible on the wire (§4.3.1).
 *
 * The receiver recomputes the IDs the peer would send for each of its own secrets and looks
 * for a match; s1 is the matched retained secret (rs1 preferred over rs2, in bzrtp's order), s2
 * the aux secret if its IDs agree. A peer we have a record of, whose IDs match none of our
 * retained secrets, is a cache mismatch (§4.3.2): reported, never fatal.
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import type { HashAlgorithm } from './algorithms.ts';
import { latin1Bytes } from './bytes.ts';
import { hmac } from './crypto/hash.ts';

export type Role = 'initiator' | 'responder';

const ROLE_LABEL: Record<Role, Uint8Array> = {
  initiator: latin1Bytes('Initiator', 'label'),
  responder: latin1Bytes('Responder', 'label'),
};

/** MAC(key, data) truncated to 64 bits, as used for secret IDs (§4.3.1). */
export function secretId(alg: HashAlgorithm, secret: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(alg, secret, data).slice(0, 8);
}

/** rsID of `secret` as sent by `role` (§4.3.1), or 8 random bytes when there is no secret. */
export function retainedSecretId(
  alg: HashAlgorithm,
  secret: Uint8Array | null,
  role: Role,
  random: (n: number) => Uint8Array,
): Uint8Array {
  return secret ? secretId(alg, secret, ROLE_LABEL[role]) : random(8);
}

/** auxsecretID of `aux` keyed to the sender's H3 (§4.3.1), or random bytes without one. */
export function auxSecretId(
  alg: HashAlgorithm,
  aux: Uint8Array | null,
  senderH3: Uint8Array,
  random: (n: number) => Uint8Array,
): Uint8Array {
  return aux ? secretId(alg, aux, senderH3) : random(8);
}

export interface LocalRetainedSecrets {
  rs1: Uint8Array | null;
  rs2: Uint8Array | null;
}

export interface S1Selection {
  /** The agreed retained secret (a reference to rs1 or rs2), or null. */
  s1: Uint8Array | null;
  /** Which of ours matched. */
  matched: 'rs1' | 'rs2' | null;
  /** We held a retained secret for this peer but none matched (§4.3.2). */
  cacheMismatch: boolean;
}

/**
 * Chooses s1 from our secrets and the peer's rs1ID/rs2ID (§4.3). `peerRole` is the role of the
 * sender of those IDs. Order (as bzrtp): our rs1 vs their rs1, our rs1 vs their rs2, our rs2
 * vs their rs1, our rs2 vs their rs2. All comparisons are constant-time.
 */
export function selectS1(
  alg: HashAlgorithm,
  ours: LocalRetainedSecrets,
  peerRs1Id: Uint8Array,
  peerRs2Id: Uint8Array,
  peerRole: Role,
): S1Selection {
  const label = ROLE_LABEL[peerRole];
  for (const which of ['rs1', 'rs2'] as const) {
    const secret = ours[which];
    if (!secret) continue;
    const expected = secretId(alg, secret, label);
    // Evaluate both comparisons so timing does not tell which of the peer's IDs matched.
    const m1 = equalBytes(expected, peerRs1Id);
    const m2 = equalBytes(expected, peerRs2Id);
    if (m1 || m2) return { s1: secret, matched: which, cacheMismatch: false };
  }
  return { s1: null, matched: null, cacheMismatch: ours.rs1 !== null || ours.rs2 !== null };
}

/** Whether the peer's auxsecretID proves it holds our aux secret (§4.3, s2). */
export function auxSecretMatches(
  alg: HashAlgorithm,
  aux: Uint8Array,
  peerH3: Uint8Array,
  peerAuxSecretId: Uint8Array,
): boolean {
  return equalBytes(secretId(alg, aux, peerH3), peerAuxSecretId);
}
