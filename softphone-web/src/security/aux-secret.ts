import { extractFingerprints, type DtlsFingerprint } from './sdp-security-attributes.ts';

/**
 * The ZRTP auxiliary secret (RFC 6189 §4.3, "auxsecret") that binds the ZRTP exchange
 * to the DTLS connection the data channel runs over (draft-johnston-rtcweb-zrtp §4):
 *
 *   aux = SHA-256( "susurro dtls fingerprints v1" || 0x00 || sorted[0] || 0x00 || sorted[1] )
 *
 * where sorted = the two canonical fingerprint strings "<alg> <HEX:HEX…>" (one per side,
 * the single fingerprint of each description) in byte-wise ascending order. Sorting makes
 * the value identical on both ends without knowing who offered. If a signalling MitM
 * swaps the fingerprints to terminate DTLS on each side, each end hashes a different
 * pair, ZRTP reports the aux secret as not matching, and the call is flagged.
 */
const LABEL = 'susurro dtls fingerprints v1';

export class AuxSecretError extends Error {
  readonly code = 'SUSURRO_SOFTPHONE_NO_FINGERPRINT';
}

/**
 * The fingerprint that counts for a description: its only one. Several distinct ones are
 * refused: the aux secret would bind one while DTLS might accept another (a MitM's).
 */
export function primaryFingerprint(sdp: string): DtlsFingerprint {
  const all = extractFingerprints(sdp);
  if (all.length > 1) throw new AuxSecretError('SDP carries several different a=fingerprint values: refusing an ambiguous DTLS identity');
  const chosen = all[0];
  if (!chosen) throw new AuxSecretError('SDP carries no a=fingerprint: refusing an unauthenticated DTLS session');
  return chosen;
}

export function canonicalFingerprint(fp: DtlsFingerprint): string {
  return `${fp.algorithm.toLowerCase()} ${fp.value.toUpperCase()}`;
}

export async function auxSecretFromDescriptions(localSdp: string, remoteSdp: string): Promise<Uint8Array> {
  const a = canonicalFingerprint(primaryFingerprint(localSdp));
  const b = canonicalFingerprint(primaryFingerprint(remoteSdp));
  const [first, second] = a < b ? [a, b] : [b, a];
  const data = new TextEncoder().encode(`${LABEL}\u0000${first}\u0000${second}`);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data));
}
