/**
 * The two SDP attributes that bind signalling to the media-path key agreement:
 *
 * - `a=fingerprint` (RFC 8122): the DTLS certificate fingerprint of each side. A
 *   signalling MitM who wants to sit on the media path must swap them, so we feed both
 *   into the ZRTP aux secret (aux-secret.ts) — draft-johnston-rtcweb-zrtp §4.
 * - `a=zrtp-hash` (RFC 6189 §8.1): "1.10 <hex SHA-256 of the sender's Hello>". The peer
 *   checks the Hello it receives on the data channel against it, so a MitM who rewrites
 *   the ZRTP Hello (e.g. to downgrade algorithms) is detected.
 */

export interface DtlsFingerprint {
  /** Hash function name, lower case ("sha-256"). */
  algorithm: string;
  /** Upper-case hex pairs separated by colons, as RFC 8122 §5 writes them. */
  value: string;
}

const FINGERPRINT_LINE = /^a=fingerprint:(\S+)\s+([0-9A-Fa-f:]+)\s*$/;
const ZRTP_HASH_LINE = /^a=zrtp-hash:(\S+)\s+([0-9A-Fa-f]+)\s*$/;

function lines(sdp: string): string[] {
  return sdp.split(/\r?\n/);
}

/**
 * All DTLS fingerprints of a description (session level and every m-section),
 * normalised; duplicates (BUNDLE repeats the same one per m-line) removed.
 */
export function extractFingerprints(sdp: string): DtlsFingerprint[] {
  if (typeof sdp !== 'string') throw new TypeError('extractFingerprints: sdp must be a string');
  const seen = new Map<string, DtlsFingerprint>();
  for (const line of lines(sdp)) {
    const m = FINGERPRINT_LINE.exec(line);
    if (!m) continue;
    const fp = { algorithm: m[1]!.toLowerCase(), value: m[2]!.toUpperCase() };
    seen.set(`${fp.algorithm} ${fp.value}`, fp);
  }
  return [...seen.values()];
}

/** The a=zrtp-hash value ("1.10 <hex>") of a description, or null when absent. */
export function extractZrtpHash(sdp: string): string | null {
  if (typeof sdp !== 'string') throw new TypeError('extractZrtpHash: sdp must be a string');
  for (const line of lines(sdp)) {
    const m = ZRTP_HASH_LINE.exec(line);
    if (m) return `${m[1]} ${m[2]!.toLowerCase()}`;
  }
  return null;
}

/**
 * Insert `a=zrtp-hash:<value>` into every audio m-section (RFC 6189 §8.1 makes it a
 * media-level attribute), replacing any existing one. Line endings are kept as CRLF
 * (RFC 8866 §5).
 */
export function withZrtpHash(sdp: string, zrtpHash: string): string {
  if (typeof sdp !== 'string') throw new TypeError('withZrtpHash: sdp must be a string');
  if (!/^1\.10 [0-9a-f]{64}$/.test(zrtpHash)) throw new RangeError('withZrtpHash: expected "1.10 <64 hex>"');
  const out: string[] = [];
  let inAudio = false;
  for (const line of lines(sdp)) {
    if (line === '') continue;
    if (line.startsWith('a=zrtp-hash:')) continue;
    if (line.startsWith('m=')) {
      inAudio = line.startsWith('m=audio ');
      out.push(line);
      if (inAudio) out.push(`a=zrtp-hash:${zrtpHash}`);
      continue;
    }
    out.push(line);
  }
  return out.join('\r\n') + '\r\n';
}
