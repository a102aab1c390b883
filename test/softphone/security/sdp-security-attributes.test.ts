import { describe, it, expect } from 'vitest';
import { parse } from 'sdp-transform';
import { extractFingerprints, extractZrtpHash, SdpSecurityError, withZrtpHash } from '../../../softphone-web/src/security/sdp-security-attributes.ts';
import { auxSecretFromDescriptions, AuxSecretError, primaryFingerprint } from '../../../softphone-web/src/security/aux-secret.ts';
import { createHash } from 'node:crypto';

// A trimmed Chromium offer: BUNDLE with audio + data channel, same fingerprint per m-line.
const FP_A = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';
const FP_B = '10:32:54:76:98:BA:DC:FE:10:32:54:76:98:BA:DC:FE:10:32:54:76:98:BA:DC:FE:10:32:54:76:98:BA:DC:FE';
const offer = (fp: string) =>
  [
    'v=0', 'o=- 4611 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', `a=fingerprint:sha-256 ${fp}`, 'a=setup:actpass', 'a=mid:0', 'a=sendrecv', 'a=rtpmap:111 opus/48000/2',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', `a=fingerprint:sha-256 ${fp}`, 'a=mid:1', 'a=sctp-port:5000',
  ].join('\r\n') + '\r\n';
const HASH = `1.10 ${'0123456789abcdef'.repeat(4)}`;

describe('SDP security attributes', () => {
  it('extracts the DTLS fingerprint once per description, normalised', () => {
    expect(extractFingerprints(offer(FP_A.toLowerCase()))).toEqual([{ algorithm: 'sha-256', value: FP_A }]);
    expect(extractFingerprints('v=0\r\n')).toEqual([]);
  });

  it('adds a=zrtp-hash to the audio m-section only, replacing an old one, CRLF kept (RFC 6189 §8.1)', () => {
    const once = withZrtpHash(offer(FP_A), HASH);
    const twice = withZrtpHash(once, HASH);
    expect(twice).toBe(once);
    const lines = once.split('\r\n');
    const audio = lines.indexOf('m=audio 9 UDP/TLS/RTP/SAVPF 111');
    const application = lines.findIndex((l) => l.startsWith('m=application'));
    const hashAt = lines.indexOf(`a=zrtp-hash:${HASH}`);
    expect(hashAt).toBeGreaterThan(audio); // inside the audio m-section
    expect(hashAt).toBeLessThan(application);
    expect(lines.filter((l) => l.startsWith('a=zrtp-hash:'))).toHaveLength(1);
    expect(once.endsWith('\r\n')).toBe(true);
    expect(once.replace(/\r\n/g, '')).not.toContain('\n');
    expect(extractZrtpHash(once)).toBe(HASH);
    expect(extractZrtpHash(offer(FP_A))).toBeNull();
    // A stale hash (other value, session level or the data section) is replaced, not kept beside.
    const stale = offer(FP_A).replace('a=mid:1', `a=mid:1\r\na=zrtp-hash:1.10 ${'ff'.repeat(32)}`);
    expect(withZrtpHash(stale, HASH).match(/a=zrtp-hash:/g)).toHaveLength(1);
    // Everything else survives the rewrite (same parsed description apart from the hash).
    const { media, ...session } = parse(once);
    const { media: before, ...sessionBefore } = parse(offer(FP_A));
    expect(session).toEqual(sessionBefore);
    expect(media.map(({ invalid, ...m }) => m)).toEqual(before.map(({ invalid, ...m }) => m));
  });

  it('keeps a 64-bit session id exact (beyond Number precision)', () => {
    const big = offer(FP_A).replace('o=- 4611 2', 'o=- 8403615332048243445 2');
    expect(withZrtpHash(big, HASH)).toContain('o=- 8403615332048243445 2 IN IP4 127.0.0.1');
  });

  it('refuses two fingerprint lines in one section (a MitM adding its own beside the genuine one)', () => {
    const doubled = offer(FP_A).replace('a=setup:actpass', `a=fingerprint:sha-256 ${FP_B}\r\na=setup:actpass`);
    expect(() => extractFingerprints(doubled)).toThrow(SdpSecurityError);
  });

  it('rejects malformed input', () => {
    expect(() => withZrtpHash(offer(FP_A), '1.10 xyz')).toThrow(RangeError);
    expect(() => withZrtpHash(42 as unknown as string, HASH)).toThrow(TypeError);
    expect(() => extractFingerprints(null as unknown as string)).toThrow(TypeError);
  });
});

describe('aux secret from both DTLS fingerprints', () => {
  it('is the same on both ends whoever offered, and matches an independent SHA-256', async () => {
    const fromA = await auxSecretFromDescriptions(offer(FP_A), offer(FP_B));
    const fromB = await auxSecretFromDescriptions(offer(FP_B), offer(FP_A));
    expect(Buffer.from(fromA).equals(Buffer.from(fromB))).toBe(true);
    const sorted = [`sha-256 ${FP_A}`, `sha-256 ${FP_B}`].sort();
    const expected = createHash('sha256').update(`susurro dtls fingerprints v1\0${sorted[0]}\0${sorted[1]}`).digest();
    expect(Buffer.from(fromA).equals(expected)).toBe(true);
  });

  it('changes when a signalling MitM swaps either fingerprint', async () => {
    const FP_M = FP_A.replace('AB:CD', 'AB:CE');
    const honest = await auxSecretFromDescriptions(offer(FP_A), offer(FP_B));
    const aliceView = await auxSecretFromDescriptions(offer(FP_A), offer(FP_M)); // Alice sees Mallory's answer
    const bobView = await auxSecretFromDescriptions(offer(FP_B), offer(FP_M)); // Bob sees Mallory's offer
    expect(Buffer.from(aliceView).equals(Buffer.from(honest))).toBe(false);
    expect(Buffer.from(aliceView).equals(Buffer.from(bobView))).toBe(false);
  });

  it('refuses a description whose sections carry different fingerprints', () => {
    const mixed = offer(FP_A).replace(`a=fingerprint:sha-256 ${FP_A}\r\na=mid:1`, `a=fingerprint:sha-256 ${FP_B}\r\na=mid:1`);
    expect(extractFingerprints(mixed)).toHaveLength(2);
    expect(() => primaryFingerprint(mixed)).toThrow(AuxSecretError);
  });

  it('refuses a description without a fingerprint (fail closed)', async () => {
    await expect(auxSecretFromDescriptions(offer(FP_A), 'v=0\r\nm=audio 9 RTP/AVP 0\r\n')).rejects.toBeInstanceOf(AuxSecretError);
    expect(() => primaryFingerprint('v=0\r\n')).toThrow(/no a=fingerprint/);
  });
});
