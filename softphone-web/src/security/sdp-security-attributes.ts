import { parse, write, type SessionDescription } from 'sdp-transform';

/**
 * The two SDP attributes that bind signalling to the media-path key agreement, read and
 * written with sdp-transform (RFC 8866 grammar):
 *
 * - `a=fingerprint` (RFC 8122): the DTLS certificate fingerprint of each side. A
 *   signalling MitM who wants to sit on the media path must swap them, so we feed both
 *   into the ZRTP aux secret (aux-secret.ts) — draft-johnston-rtcweb-zrtp §4.
 * - `a=zrtp-hash` (RFC 6189 §8.1): "1.10 <hex SHA-256 of the sender's Hello>". The peer
 *   checks the Hello it receives on the data channel against it, so a MitM who rewrites
 *   the ZRTP Hello (e.g. to downgrade algorithms) is detected. sdp-transform has no grammar
 *   rule for it, so it lands in (and is written from) the m-section's `invalid` list.
 */

export interface DtlsFingerprint {
  /** Hash function name, lower case ("sha-256"). */
  algorithm: string;
  /** Upper-case hex pairs separated by colons, as RFC 8122 §5 writes them. */
  value: string;
}

/** An SDP whose DTLS identity is ambiguous: refused rather than guessed (fail closed). */
export class SdpSecurityError extends Error {
  readonly code = 'SUSURRO_SOFTPHONE_AMBIGUOUS_FINGERPRINT';
}

const ZRTP_HASH = 'zrtp-hash:';
const ZRTP_HASH_VALUE = /^(\S+)\s+([0-9A-Fa-f]+)\s*$/;

function levels(description: SessionDescription): Array<{ fingerprint?: { type: string; hash: string }; invalid?: { value: string }[] }> {
  return [description, ...(description.media ?? [])];
}

/**
 * All DTLS fingerprints of a description (session level and every m-section),
 * normalised; duplicates (BUNDLE repeats the same one per m-line) removed.
 *
 * sdp-transform keeps one `a=fingerprint` per level (a later line replaces an earlier one).
 * RFC 8122 §5 allows several, and a MitM could add its own beside the genuine one, so a
 * description with more fingerprint lines than levels that carry one is refused.
 */
export function extractFingerprints(sdp: string): DtlsFingerprint[] {
  if (typeof sdp !== 'string') throw new TypeError('extractFingerprints: sdp must be a string');
  const parsed = levels(parse(sdp)).flatMap((level) => (level.fingerprint ? [level.fingerprint] : []));
  const lines = sdp.split('\n').filter((line) => line.startsWith('a=fingerprint:')).length;
  if (lines > parsed.length) throw new SdpSecurityError('SDP carries several a=fingerprint lines in one section: refusing an ambiguous DTLS identity');
  const seen = new Map<string, DtlsFingerprint>();
  for (const f of parsed) {
    const fp = { algorithm: f.type.toLowerCase(), value: f.hash.trim().toUpperCase() };
    seen.set(`${fp.algorithm} ${fp.value}`, fp);
  }
  return [...seen.values()];
}

/** The a=zrtp-hash value ("1.10 <hex>") of a description, or null when absent. */
export function extractZrtpHash(sdp: string): string | null {
  if (typeof sdp !== 'string') throw new TypeError('extractZrtpHash: sdp must be a string');
  // Media level first (where RFC 6189 §8.1 puts it), then session level.
  const description = parse(sdp);
  for (const level of [...(description.media ?? []), description]) {
    for (const { value } of level.invalid ?? []) {
      if (!value.startsWith(ZRTP_HASH)) continue;
      const m = ZRTP_HASH_VALUE.exec(value.slice(ZRTP_HASH.length));
      if (m) return `${m[1]} ${m[2]!.toLowerCase()}`;
    }
  }
  return null;
}

/**
 * Put `a=zrtp-hash:<value>` into every audio m-section (RFC 6189 §8.1 makes it a
 * media-level attribute), replacing any existing one anywhere. sdp-transform writes CRLF
 * line endings (RFC 8866 §5).
 */
export function withZrtpHash(sdp: string, zrtpHash: string): string {
  if (typeof sdp !== 'string') throw new TypeError('withZrtpHash: sdp must be a string');
  if (!/^1\.10 [0-9a-f]{64}$/.test(zrtpHash)) throw new RangeError('withZrtpHash: expected "1.10 <64 hex>"');
  const description = parse(sdp);
  for (const level of levels(description)) {
    if (level.invalid) level.invalid = level.invalid.filter(({ value }) => !value.startsWith(ZRTP_HASH));
  }
  for (const media of description.media ?? []) {
    if (media.type === 'audio') media.invalid = [...(media.invalid ?? []), { value: `${ZRTP_HASH}${zrtpHash}` }];
  }
  return write(description);
}
