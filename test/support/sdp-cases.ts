/**
 * The media policy's SDP table (issue #13): real shapes that must pass (Chromium and Firefox
 * WebRTC offers/answers as the web softphone sends them — audio + the ZRTP data channel —,
 * Linphone's ZRTP and DTLS offers), each bypass the security review observed, and generated
 * variants. `expect` is the verdict of kamailio-config/sdp-policy.lua with calls.requireSas on
 * (the default): '' accepted, '400' malformed, '488' refused by the policy; `expectNoSas` the
 * verdict with calls.requireSas off, where it differs (DTLS-SRTP media without a=zrtp-hash). Used by the parser's unit test (lua5.1) and by the
 * end-to-end test through Kamailio in every method and reply that can carry SDP.
 */
import { randomBytes } from 'node:crypto';

export interface SdpCase {
  name: string;
  sdp: string;
  expect: '' | '400' | '488';
  /** Verdict with calls.requireSas off, when it differs from `expect`. */
  expectNoSas?: '' | '400' | '488';
}

/** The verdict of a case under a calls.requireSas setting. */
export function verdict(c: SdpCase, requireSas: boolean): '' | '400' | '488' {
  return requireSas ? c.expect : (c.expectNoSas ?? c.expect);
}

/** The table as it must come out with calls.requireSas off. */
export function sdpCasesNoSas(): SdpCase[] {
  return sdpCases().map((c) => ({ name: c.name, sdp: c.sdp, expect: verdict(c, false) }));
}

const hexBytes = (n: number, sep = ':') =>
  Array.from({ length: n }, (_, i) => ((i * 53 + 7) & 0xff).toString(16).padStart(2, '0').toUpperCase()).join(sep);
const FP256 = `sha-256 ${hexBytes(32)}`;
const ZRTP_HASH = `1.10 ${randomBytes(32).toString('hex')}`;
const ICE = ['a=ice-ufrag:Xq3b', 'a=ice-pwd:Bd2bq9zrvf0ssKsXn7VkBl8s', 'a=ice-options:trickle'];

/** Chromium 120-style offer of the web softphone: opus audio + the negotiated ZRTP data channel. */
export function chromiumOffer(setup = 'actpass'): string[] {
  return [
    'v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0',
    'a=group:BUNDLE 0 1', 'a=extmap-allow-mixed', 'a=msid-semantic: WMS 6d1d7c9a-5d1c-4a2b',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
    'a=candidate:2330456453 1 udp 41885695 127.0.0.1 20123 typ relay raddr 0.0.0.0 rport 0 generation 0 network-id 1',
    ...ICE, `a=fingerprint:${FP256}`, `a=setup:${setup}`, 'a=mid:0',
    'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level', 'a=sendrecv',
    'a=msid:6d1d7c9a-5d1c-4a2b 0c9f3e49-1b0b-4e55', 'a=rtcp-mux', 'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 transport-cc', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=rtpmap:63 red/48000/2',
    'a=fmtp:63 111/111', 'a=rtpmap:9 G722/8000', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:13 CN/8000', 'a=rtpmap:110 telephone-event/48000', 'a=rtpmap:126 telephone-event/8000',
    'a=ssrc:3735928559 cname:QmFzZTY0Q25hbWU', `a=zrtp-hash:${ZRTP_HASH}`,
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', ...ICE,
    `a=fingerprint:${FP256}`, `a=setup:${setup}`, 'a=mid:1', 'a=sctp-port:5000', 'a=max-message-size:262144',
  ];
}

/** Firefox-style: the fingerprint at session level (RFC 8122 §5 allows both levels). */
export function firefoxOffer(): string[] {
  return [
    'v=0', 'o=mozilla...THIS_IS_SDPARTA-115.5.0 6455282478963722034 0 IN IP4 0.0.0.0', 's=-', 't=0 0',
    `a=fingerprint:${FP256}`, 'a=group:BUNDLE 0 1', 'a=ice-options:trickle', 'a=msid-semantic:WMS *',
    'm=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101', 'c=IN IP4 0.0.0.0', 'a=sendrecv',
    'a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1', 'a=fmtp:101 0-15',
    'a=ice-pwd:3c6bcd5b9ea4d1e8cd0b95cbe8a2fc2d', 'a=ice-ufrag:7e0a4b1d', 'a=mid:0',
    'a=msid:{4b2d} {9a0e}', 'a=rtcp-mux', 'a=rtpmap:109 opus/48000/2', 'a=rtpmap:101 telephone-event/8000',
    'a=setup:actpass', 'a=ssrc:2863311530 cname:{c1d2}', `a=zrtp-hash:${ZRTP_HASH}`,
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0',
    'a=ice-pwd:3c6bcd5b9ea4d1e8cd0b95cbe8a2fc2d', 'a=ice-ufrag:7e0a4b1d', 'a=mid:1', 'a=setup:actpass',
    'a=sctp-port:5000', 'a=max-message-size:1073741823',
  ];
}

/** liblinphone 5.1 with mandatory ZRTP: RTP/AVP (or RTP/AVPF) keyed in-band, a=zrtp-hash per stream. */
export function linphoneZrtp(proto = 'RTP/AVP'): string[] {
  return [
    'v=0', 'o=1002 3141 1424 IN IP4 127.0.0.1', 's=Talk', 'c=IN IP4 127.0.0.1', 't=0 0',
    'a=ice-pwd:3a1b0e0f8f3c0e2d5a8b', 'a=ice-ufrag:9f0c1a2b',
    'a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics', 'a=record:off',
    `m=audio 7078 ${proto} 96 97 98 0 8 18 101 99 100`, 'a=rtpmap:96 opus/48000/2', 'a=fmtp:96 useinbandfec=1',
    'a=rtpmap:97 speex/16000', 'a=fmtp:97 vbr=on', 'a=rtpmap:98 speex/8000', 'a=fmtp:98 vbr=on',
    'a=fmtp:18 annexb=yes', 'a=rtpmap:101 telephone-event/48000', 'a=rtpmap:99 telephone-event/16000',
    'a=rtpmap:100 telephone-event/8000', `a=zrtp-hash:${ZRTP_HASH}`, 'a=rtcp:7079',
    'a=candidate:1 1 UDP 2130706431 127.0.0.1 7078 typ host', 'a=candidate:1 2 UDP 2130706430 127.0.0.1 7079 typ host',
    'a=rtcp-fb:* trr-int 1000', 'a=rtcp-fb:* ccm tmmbr',
  ];
}

/** liblinphone with `dtls` media encryption (web ↔ native calls): upper-case hash name. */
export function linphoneDtls(): string[] {
  return [
    'v=0', 'o=1003 800 2001 IN IP4 127.0.0.1', 's=Talk', 'c=IN IP4 127.0.0.1', 't=0 0',
    'a=ice-pwd:3a1b0e0f8f3c0e2d5a8b', 'a=ice-ufrag:9f0c1a2b', 'a=record:off',
    'm=audio 7078 UDP/TLS/RTP/SAVPF 96 0 8 101', 'a=rtpmap:96 opus/48000/2', 'a=rtpmap:101 telephone-event/48000',
    'a=setup:actpass', `a=fingerprint:SHA-256 ${hexBytes(32)}`, 'a=rtcp-mux',
    'a=candidate:1 1 UDP 2130706431 127.0.0.1 7078 typ host',
  ];
}

const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';
const lf = (lines: string[]) => lines.join('\n') + '\n';
/** Replace the first line matching `re` (whole line) by `by` (a string, or nothing to delete). */
const edit = (lines: string[], re: RegExp, ...by: string[]) => {
  const i = lines.findIndex((l) => re.test(l));
  if (i < 0) throw new Error(`sdp-cases: no line matches ${re}`);
  return [...lines.slice(0, i), ...by, ...lines.slice(i + 1)];
};
const mline = (lines: string[], value: string) => edit(lines, /^m=audio /, `m=${value}`);
/**
 * A minimal DTLS description whose audio m-line is `m=<value>`, with the web softphone's
 * a=zrtp-hash on it (so that calls.requireSas does not decide the verdict), or without.
 */
const dtlsWith = (m: string, extra: string[] = [], zrtp = true) =>
  crlf(['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', `m=${m}`, 'c=IN IP4 127.0.0.1', `a=fingerprint:${FP256}`,
    ...(zrtp ? [`a=zrtp-hash:${ZRTP_HASH}`] : []), 'a=setup:actpass', ...extra]);
/** A plain WebRTC client (JsSIP in Chromium): the softphone's audio + data channel, no a=zrtp-hash. */
export const webrtcWithoutZrtp = (setup = 'actpass') => chromiumOffer(setup).filter((l) => !l.startsWith('a=zrtp-hash:'));
/** Chromium offer with every fingerprint replaced by `fp`. */
const fingerprintEverywhere = (fp: string) => crlf(chromiumOffer().map((l) => (l.startsWith('a=fingerprint:') ? `a=fingerprint:${fp}` : l)));
const zrtpWithHash = (value: string) => crlf(edit(linphoneZrtp(), /^a=zrtp-hash:/, `a=zrtp-hash:${value}`));

export function sdpCases(): SdpCase[] {
  const ok = (name: string, sdp: string): SdpCase => ({ name, sdp, expect: '' });
  const bad = (name: string, sdp: string): SdpCase => ({ name, sdp, expect: '400' });
  const no = (name: string, sdp: string): SdpCase => ({ name, sdp, expect: '488' });
  /** DTLS-SRTP that cannot show a SAS: refused by calls.requireSas, accepted without it. */
  const noSas = (name: string, sdp: string): SdpCase => ({ name, sdp, expect: '488', expectNoSas: '' });
  const cases: SdpCase[] = [
    // --- valid shapes (CRLF and LF, RFC 8866 §5 accepts both) ---
    ok('Chromium offer (audio + ZRTP data channel)', crlf(chromiumOffer())),
    ok('Chromium answer (setup:active)', crlf(chromiumOffer('active'))),
    ok('Chromium offer, LF line ends', lf(chromiumOffer())),
    ok('Chromium offer without final CRLF', chromiumOffer().join('\r\n')),
    ok('Firefox offer, session-level fingerprint', crlf(firefoxOffer())),
    ok('Firefox offer, LF line ends', lf(firefoxOffer())),
    ok('Linphone ZRTP offer RTP/AVP', crlf(linphoneZrtp())),
    ok('Linphone ZRTP offer RTP/AVPF', crlf(linphoneZrtp('RTP/AVPF'))),
    ok('Linphone ZRTP offer RTP/SAVP', crlf(linphoneZrtp('RTP/SAVP'))),
    ok('Linphone ZRTP offer RTP/SAVPF', crlf(linphoneZrtp('RTP/SAVPF'))),
    ok('Linphone ZRTP offer, LF', lf(linphoneZrtp())),
    noSas('Linphone DTLS offer, SHA-256 upper case (no zrtp-hash)', crlf(linphoneDtls())),
    noSas('Linphone DTLS answer (setup:active, no zrtp-hash)', crlf(edit(linphoneDtls(), /^a=setup:/, 'a=setup:active'))),
    noSas('plain WebRTC offer (JsSIP: audio + data channel, no zrtp-hash)', crlf(webrtcWithoutZrtp())),
    noSas('plain WebRTC answer to a ZRTP offer (setup:active, no zrtp-hash)', crlf(webrtcWithoutZrtp('active'))),
    noSas('DTLS audio-only offer without zrtp-hash', dtlsWith('audio 9 UDP/TLS/RTP/SAVPF 111', [], false)),
    noSas('UDP/TLS/RTP/SAVP without zrtp-hash', dtlsWith('audio 9 UDP/TLS/RTP/SAVP 0', [], false)),
    noSas('DTLS audio with zrtp-hash + DTLS video without', dtlsWith('audio 9 UDP/TLS/RTP/SAVPF 111', ['m=video 9 UDP/TLS/RTP/SAVPF 96', `a=fingerprint:${FP256}`])),
    noSas('zrtp-hash only at session level on DTLS audio (RFC 6189 §8.1: media level)', crlf(edit(webrtcWithoutZrtp(), /^a=extmap-allow-mixed$/, 'a=extmap-allow-mixed', `a=zrtp-hash:${ZRTP_HASH}`))),
    noSas('zrtp-hash only in the data channel section', crlf([...webrtcWithoutZrtp(), `a=zrtp-hash:${ZRTP_HASH}`])),
    ok('DTLS audio without zrtp-hash but disabled (port 0), ZRTP audio active', crlf([...linphoneZrtp(), 'm=audio 0 UDP/TLS/RTP/SAVPF 111', `a=fingerprint:${FP256}`])),
    ok('Linphone ZRTP with a rejected video stream (port 0, RTP/AVP)', crlf([...linphoneZrtp(), 'm=video 0 RTP/AVP 96'])),
    ok('Linphone ZRTP audio + ZRTP video', crlf([...linphoneZrtp(), 'm=video 9078 RTP/AVP 96', `a=zrtp-hash:${ZRTP_HASH}`])),
    ok('DTLS audio + DTLS video, each with zrtp-hash', dtlsWith('audio 9 UDP/TLS/RTP/SAVPF 111', ['m=video 9 UDP/TLS/RTP/SAVPF 96', `a=fingerprint:${FP256}`, `a=zrtp-hash:${ZRTP_HASH}`])),
    ok('UDP/TLS/RTP/SAVP', dtlsWith('audio 9 UDP/TLS/RTP/SAVP 0')),
    ok('port 65535', dtlsWith('audio 65535 UDP/TLS/RTP/SAVPF 111')),
    ok('port 1', dtlsWith('audio 1 UDP/TLS/RTP/SAVPF 111')),
    ok('port 0 only (all streams disabled)', dtlsWith('audio 0 UDP/TLS/RTP/SAVPF 111')),
    ok('port 0 with a non-allowed profile (disabled stream)', dtlsWith('audio 9 UDP/TLS/RTP/SAVPF 111', ['m=video 0 TCP/RTP/AVP 96'])),
    ok('port/number-of-ports 9/2', dtlsWith('audio 9/2 UDP/TLS/RTP/SAVPF 111')),
    ok('payload type 127', dtlsWith('audio 9 UDP/TLS/RTP/SAVPF 127')),
    ok('sha-384 fingerprint', fingerprintEverywhere(`sha-384 ${hexBytes(48)}`)),
    ok('sha-512 fingerprint', fingerprintEverywhere(`sha-512 ${hexBytes(64)}`)),
    ok('SHA-256 hash name upper case', fingerprintEverywhere(`SHA-256 ${hexBytes(32)}`)),
    ok('fingerprint hex lower case', fingerprintEverywhere(`sha-256 ${hexBytes(32).toLowerCase()}`)),
    ok('two fingerprints (sha-256 and sha-512)', crlf(edit(chromiumOffer(), /^a=fingerprint:/, `a=fingerprint:${FP256}`, `a=fingerprint:sha-512 ${hexBytes(64)}`))),
    ok('zrtp-hash version 1.10, upper-case hex', zrtpWithHash(ZRTP_HASH.toUpperCase())),
    ok('trailing blank line after the last line', crlf(chromiumOffer()) + '\r\n'),
    ok('data channel DTLS/SCTP webrtc-datachannel', crlf(chromiumOffer().map((l) => l.replace('UDP/DTLS/SCTP', 'DTLS/SCTP')))),
    ok('bundle-only DTLS video with port 0', crlf([...chromiumOffer(), 'm=video 0 UDP/TLS/RTP/SAVPF 96', 'a=bundle-only', `a=fingerprint:${FP256}`, `a=zrtp-hash:${ZRTP_HASH}`])),
    noSas('bundle-only DTLS video with port 0, no zrtp-hash (an active stream)', crlf([...chromiumOffer(), 'm=video 0 UDP/TLS/RTP/SAVPF 96', 'a=bundle-only', `a=fingerprint:${FP256}`])),
    ok('a=msid-semantic with a space after the colon', dtlsWith('audio 9 UDP/TLS/RTP/SAVPF 111', ['a=msid-semantic: WMS x'])),
    ok('UTF-8 session name', crlf(edit(linphoneZrtp(), /^s=/, 's=Anruf für Jörg'))),

    // --- the bypasses the review observed (issue #13 item 2) ---
    bad('leading-zero port 05000 RTP/AVP next to a fingerprint', dtlsWith('audio 9 UDP/TLS/RTP/SAVPF 111', ['m=audio 05000 RTP/AVP 0'])),
    no('TCP/RTP/AVP next to a fingerprint', dtlsWith('audio 9 UDP/TLS/RTP/SAVPF 111', ['m=audio 5000 TCP/RTP/AVP 0'])),
    bad('tab-separated m-line', dtlsWith('audio\t5000\tRTP/AVP\t0')),
    bad('format-less m-line', dtlsWith('audio 5000 RTP/AVP')),
    no('fingerprint value 00', fingerprintEverywhere('sha-256 00')),
    no('plaintext RTP/AVP answer without fingerprint', crlf(['v=0', 'o=- 2 2 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0 8', 'a=rtpmap:0 PCMU/8000', 'a=sendrecv'])),
    bad('UPDATE leading-zero trick on the only stream', crlf(mline(chromiumOffer(), 'audio 09 RTP/AVP 0'))),

    // --- ports ---
    bad('port 00', dtlsWith('audio 00 UDP/TLS/RTP/SAVPF 111')),
    bad('port 65536', dtlsWith('audio 65536 UDP/TLS/RTP/SAVPF 111')),
    bad('port 99999999999999', dtlsWith('audio 99999999999999 UDP/TLS/RTP/SAVPF 111')),
    bad('port 070000', dtlsWith('audio 070000 UDP/TLS/RTP/SAVPF 111')),
    bad('port -1', dtlsWith('audio -1 UDP/TLS/RTP/SAVPF 111')),
    bad('port +9', dtlsWith('audio +9 UDP/TLS/RTP/SAVPF 111')),
    bad('port 0x10', dtlsWith('audio 0x10 UDP/TLS/RTP/SAVPF 111')),
    bad('port 9/0', dtlsWith('audio 9/0 UDP/TLS/RTP/SAVPF 111')),
    bad('port 9/02', dtlsWith('audio 9/02 UDP/TLS/RTP/SAVPF 111')),
    bad('port 9/', dtlsWith('audio 9/ UDP/TLS/RTP/SAVPF 111')),
    bad('port missing', dtlsWith('audio UDP/TLS/RTP/SAVPF 111')),
    bad('leading zero on a ZRTP stream', crlf(mline(linphoneZrtp(), 'audio 07078 RTP/AVP 0'))),

    // --- profiles ---
    no('RTP/AVP without zrtp-hash', crlf(edit(linphoneZrtp(), /^a=zrtp-hash:/))),
    no('RTP/AVPF without zrtp-hash', crlf(edit(linphoneZrtp('RTP/AVPF'), /^a=zrtp-hash:/))),
    no('RTP/AVP with a fingerprint only (DTLS does not key RTP/AVP)', crlf([...edit(linphoneZrtp(), /^a=zrtp-hash:/), `a=fingerprint:${FP256}`])),
    no('RTP/AVP with zrtp-hash only at session level (RFC 6189 §8.1: media level)', crlf(edit(edit(linphoneZrtp(), /^a=zrtp-hash:/), /^a=record:off$/, 'a=record:off', `a=zrtp-hash:${ZRTP_HASH}`))),
    no('ZRTP audio + video RTP/AVP without zrtp-hash', crlf([...linphoneZrtp(), 'm=video 9078 RTP/AVP 96'])),
    no('TCP/DTLS/RTP/SAVPF', dtlsWith('audio 9 TCP/DTLS/RTP/SAVPF 111')),
    no('UDP/TLS/RTP/SAVPF lower case', dtlsWith('audio 9 udp/tls/rtp/savpf 111')),
    no('RTP/SAVP with SDES a=crypto', crlf(['v=0', 'o=- 3 3 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/SAVP 0', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz'])),
    no('DTLS with SDES a=crypto as well', crlf([...chromiumOffer(), 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz'])),
    no('DTLS with a=CRYPTO (upper case name)', crlf([...chromiumOffer(), 'a=CRYPTO:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz'])),
    no('session-level a=crypto', crlf(edit(chromiumOffer(), /^a=extmap-allow-mixed$/, 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz'))),
    no('a=key-mgmt (MIKEY)', crlf([...chromiumOffer(), 'a=key-mgmt:mikey AQAFgM0XflABAAAAAAAAAAAAAAsAyO'])),
    no('k=clear: key line', crlf(edit(chromiumOffer(), /^t=0 0$/, 't=0 0', 'k=clear:secret'))),
    no('m=text', dtlsWith('audio 9 UDP/TLS/RTP/SAVPF 111', ['m=text 9 UDP/TLS/RTP/SAVPF 98'])),
    no('m=image udptl t38', dtlsWith('audio 9 UDP/TLS/RTP/SAVPF 111', ['m=image 9 udptl t38'])),
    no('m=AUDIO upper case media', dtlsWith('AUDIO 9 UDP/TLS/RTP/SAVPF 111')),
    no('m=application other than a data channel', dtlsWith('audio 9 UDP/TLS/RTP/SAVPF 111', ['m=application 9 UDP/BFCP *'])),
    no('data channel with an extra format', crlf(chromiumOffer().map((l) => l.replace('webrtc-datachannel', 'webrtc-datachannel 5000')))),
    no('data channel over plain SCTP', crlf(chromiumOffer().map((l) => l.replace('UDP/DTLS/SCTP', 'SCTP')))),
    no('bundle-only plaintext RTP/AVP with port 0', crlf([...chromiumOffer(), 'm=video 0 RTP/AVP 96', 'a=bundle-only'])),
    no('DTLS audio without any fingerprint', crlf(chromiumOffer().filter((l) => !l.startsWith('a=fingerprint:')))),
    no('fingerprint only in the data channel section', crlf(chromiumOffer().filter((l, i, a) => !(l.startsWith('a=fingerprint:') && i < a.findIndex((x) => x.startsWith('m=application')))))),
    no('a=fingerprint-x (another attribute: no fingerprint)', dtlsWith('audio 9 UDP/TLS/RTP/SAVPF 111').replace('a=fingerprint:', 'a=Fingerprint-x:')),

    // --- fingerprints (RFC 8122 §5) ---
    no('sha-1 fingerprint (not allowed)', fingerprintEverywhere(`sha-1 ${hexBytes(20)}`)),
    no('md5 fingerprint', fingerprintEverywhere(`md5 ${hexBytes(16)}`)),
    no('sha-224 fingerprint', fingerprintEverywhere(`sha-224 ${hexBytes(28)}`)),
    no('sha-256 with 31 bytes', fingerprintEverywhere(`sha-256 ${hexBytes(31)}`)),
    no('sha-256 with 33 bytes', fingerprintEverywhere(`sha-256 ${hexBytes(33)}`)),
    no('sha-256 with 48 bytes', fingerprintEverywhere(`sha-256 ${hexBytes(48)}`)),
    no('sha-512 with 32 bytes', fingerprintEverywhere(`sha-512 ${hexBytes(32)}`)),
    no('unknown hash name', fingerprintEverywhere(`blake3 ${hexBytes(32)}`)),
    no('one good and one wrong-length fingerprint', crlf(edit(chromiumOffer(), /^a=fingerprint:/, `a=fingerprint:${FP256}`, 'a=fingerprint:sha-256 00'))),
    bad('fingerprint with trailing colon', fingerprintEverywhere(`sha-256 ${hexBytes(32)}:`)),
    bad('fingerprint without colons', fingerprintEverywhere(`sha-256 ${hexBytes(32, '')}`)),
    bad('fingerprint with a 3-digit group', fingerprintEverywhere(`sha-256 ABC:${hexBytes(31)}`)),
    bad('fingerprint with empty group', fingerprintEverywhere(`sha-256 AB::${hexBytes(31)}`)),
    bad('fingerprint with two spaces', fingerprintEverywhere(`sha-256  ${hexBytes(32)}`)),
    bad('fingerprint with non-hex', fingerprintEverywhere(`sha-256 ZZ:${hexBytes(31)}`)),
    bad('fingerprint without value', fingerprintEverywhere('sha-256')),
    bad('empty fingerprint', fingerprintEverywhere('')),
    bad('fingerprint with trailing space', fingerprintEverywhere(`${FP256} `)),

    // --- zrtp-hash (RFC 6189 §8.1) ---
    bad('zrtp-hash zz', zrtpWithHash('1.10 zz')),
    bad('zrtp-hash 63 hex digits', zrtpWithHash(`1.10 ${'a'.repeat(63)}`)),
    bad('zrtp-hash 65 hex digits', zrtpWithHash(`1.10 ${'a'.repeat(65)}`)),
    bad('zrtp-hash without version', zrtpWithHash('a'.repeat(64))),
    bad('zrtp-hash with two spaces', zrtpWithHash(`1.10  ${'a'.repeat(64)}`)),
    bad('zrtp-hash empty', zrtpWithHash('')),
    bad('zrtp-hash version "x"', zrtpWithHash(`x ${'a'.repeat(64)}`)),

    // --- whitespace, case and structure (RFC 8866 §5) ---
    bad('no v=0', crlf(chromiumOffer().slice(1))),
    bad('v=1', crlf(edit(chromiumOffer(), /^v=0$/, 'v=1'))),
    bad('V=0 upper case type', crlf(edit(chromiumOffer(), /^v=0$/, 'V=0'))),
    bad('M=audio upper case type', crlf(edit(chromiumOffer(), /^m=audio /, 'M=audio 9 UDP/TLS/RTP/SAVPF 111'))),
    bad('space before =', crlf(edit(chromiumOffer(), /^m=audio /, 'm =audio 9 UDP/TLS/RTP/SAVPF 111'))),
    bad('space after =', crlf(edit(chromiumOffer(), /^m=audio /, 'm= audio 9 UDP/TLS/RTP/SAVPF 111'))),
    bad('leading space on a line', crlf(edit(chromiumOffer(), /^a=rtcp-mux$/, ' a=rtcp-mux'))),
    bad('double space in m-line', dtlsWith('audio  9 UDP/TLS/RTP/SAVPF 111')),
    bad('trailing space in m-line', dtlsWith('audio 9 UDP/TLS/RTP/SAVPF 111 ')),
    bad('tab after the port', dtlsWith('audio 9\tUDP/TLS/RTP/SAVPF 111')),
    bad('tab in an attribute', crlf(edit(chromiumOffer(), /^a=rtcp-mux$/, 'a=rtcp-mux\t'))),
    bad('m-line with only media and port', dtlsWith('audio 9')),
    bad('payload type 128', dtlsWith('audio 9 UDP/TLS/RTP/SAVPF 128')),
    bad('payload type 0111', dtlsWith('audio 9 UDP/TLS/RTP/SAVPF 0111')),
    bad('payload type opus', dtlsWith('audio 9 UDP/TLS/RTP/SAVPF opus')),
    bad('no o= line', crlf(edit(chromiumOffer(), /^o=/))),
    bad('no s= line', crlf(edit(chromiumOffer(), /^s=/))),
    bad('no t= line', crlf(edit(chromiumOffer(), /^t=/))),
    bad('second v=0', crlf([...chromiumOffer(), 'v=0'])),
    bad('unknown line type x=', crlf([...chromiumOffer(), 'x=1'])),
    bad('session-only line (t=) inside a media section', crlf([...chromiumOffer(), 't=0 0'])),
    bad('line without =', crlf([...chromiumOffer(), 'a'])),
    bad('blank line in the middle', crlf(edit(chromiumOffer(), /^a=rtcp-mux$/, 'a=rtcp-mux', ''))),
    bad('bare CR line ends', chromiumOffer().join('\r') + '\r'),
    bad('NUL byte', crlf(edit(chromiumOffer(), /^a=rtcp-mux$/, 'a=rtcp-mux\u0000'))),
    bad('binary garbage', '\u00ff\u00fe\u0000binary\r\n'),
    bad('v=banana garbage', 'v=banana\r\nm=audio ninety RTP/SAVPF x y z\r\na=zrtp-hash:\r\n'),
    bad('empty a=', crlf([...chromiumOffer(), 'a='])),
    bad('a= name with a space', crlf([...chromiumOffer(), 'a=rtcp mux'])),
  ];
  return cases;
}
