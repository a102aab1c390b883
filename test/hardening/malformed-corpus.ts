/**
 * Malformed SIP corpus for the Kamailio hardening test (issue #7 "Malformed input"). Each entry
 * is raw bytes (some deliberately invalid UTF-8) built around a request that would otherwise be
 * well formed, so each one exercises one defect: truncated headers, impossible Content-Length,
 * bad Via, invalid UTF-8, SDP garbage, oversize, framing abuse.
 */
import { randomBytes } from 'node:crypto';

export interface CorpusEntry {
  name: string;
  bytes: Buffer;
}

function request(o: { domain: string; method?: string; ruri?: string; headers?: string[]; via?: string | null; body?: Buffer | string; contentLength?: string; contentType?: string }): Buffer {
  const method = o.method ?? 'OPTIONS';
  const body = typeof o.body === 'string' ? Buffer.from(o.body, 'latin1') : (o.body ?? Buffer.alloc(0));
  const lines = [
    `${method} ${o.ruri ?? `sip:201@${o.domain}`} SIP/2.0`,
    ...(o.via === null ? [] : [o.via ?? `Via: SIP/2.0/TLS 127.0.0.1:5099;branch=z9hG4bK${randomBytes(6).toString('hex')};rport`]),
    'Max-Forwards: 70',
    `From: <sip:666@${o.domain}>;tag=${randomBytes(4).toString('hex')}`,
    `To: <sip:201@${o.domain}>`,
    `Call-ID: ${randomBytes(8).toString('hex')}@corpus`,
    `CSeq: 1 ${method}`,
    'User-Agent: corpus',
    ...(o.contentType ? [`Content-Type: ${o.contentType}`] : []),
    ...(o.headers ?? []),
    `Content-Length: ${o.contentLength ?? body.length}`,
  ];
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), body]);
}

export function malformedCorpus(domain: string): CorpusEntry[] {
  const d = domain;
  const ok = request({ domain: d });
  const sdp = (text: string) => request({ domain: d, method: 'INVITE', contentType: 'application/sdp', body: text });
  return [
    // truncated headers
    { name: 'truncated mid-header', bytes: ok.subarray(0, Math.floor(ok.length / 2)) },
    { name: 'request line only', bytes: Buffer.from(`INVITE sip:201@${d} SIP/2.0\r\n\r\n`) },
    { name: 'header without colon', bytes: request({ domain: d, headers: ['This-Is-Not-A-Header'] }) },
    { name: 'headers end without CRLFCRLF', bytes: Buffer.from(ok.toString('latin1').replace('\r\n\r\n', '\r\n')) },
    // Content-Length
    { name: 'huge Content-Length', bytes: request({ domain: d, contentLength: '4294967296', body: 'x' }) },
    { name: 'negative Content-Length', bytes: request({ domain: d, contentLength: '-1' }) },
    { name: 'non-numeric Content-Length', bytes: request({ domain: d, contentLength: 'ten' }) },
    { name: 'two Content-Lengths', bytes: request({ domain: d, headers: ['Content-Length: 500'], body: 'abc' }) },
    // Via
    { name: 'no Via', bytes: request({ domain: d, via: null }) },
    { name: 'garbage Via', bytes: request({ domain: d, via: 'Via: !!garbage!!' }) },
    { name: 'Via with bad protocol', bytes: request({ domain: d, via: 'Via: SIP/9.9/CARRIER-PIGEON 300.1.1.1:99999;branch=' }) },
    { name: '300 Via headers', bytes: request({ domain: d, headers: Array.from({ length: 300 }, (_, i) => `Via: SIP/2.0/TLS 10.0.${i >> 8}.${i & 255}:5061;branch=z9hG4bK${i}`) }) },
    // invalid UTF-8 and control bytes
    { name: 'invalid UTF-8 in From display name', bytes: Buffer.concat([Buffer.from('OPTIONS sip:201@' + d + ' SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5099;branch=z9hG4bKutf\r\nMax-Forwards: 70\r\nFrom: "'), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from(`" <sip:666@${d}>;tag=1\r\nTo: <sip:201@${d}>\r\nCall-ID: utf8@corpus\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`)]) },
    { name: 'NUL bytes in request line', bytes: Buffer.concat([Buffer.from('OPTIONS sip:2'), Buffer.from([0, 0, 0]), request({ domain: d }).subarray(14)]) },
    { name: 'random binary', bytes: randomBytes(2048) },
    // SDP garbage (INVITE bodies Kamailio's media policy parses)
    { name: 'SDP garbage', bytes: sdp('v=banana\r\nm=audio ninety RTP/SAVPF x y z\r\na=zrtp-hash:\r\n') },
    { name: 'SDP binary body', bytes: request({ domain: d, method: 'INVITE', contentType: 'application/sdp', body: randomBytes(700) }) },
    { name: 'SDP huge port and 2000 attributes', bytes: sdp(`v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 99999999999999 UDP/TLS/RTP/SAVPF 111\r\n${'a=rtpmap:111 opus/48000/2\r\n'.repeat(2000)}`) },
    { name: 'multipart without boundary', bytes: request({ domain: d, method: 'INVITE', contentType: 'multipart/mixed', body: '--x\r\n\r\nv=0\r\n--x--' }) },
    // protocol version, method, sizes
    { name: 'SIP/3.0', bytes: Buffer.from(ok.toString('latin1').replace(' SIP/2.0\r\n', ' SIP/3.0\r\n')) },
    { name: 'unknown method with weird URI', bytes: request({ domain: d, method: 'FLOOD', ruri: 'sip:@@@;;;' }) },
    { name: '16 KiB header line', bytes: request({ domain: d, headers: [`X-Long: ${'a'.repeat(16 * 1024)}`] }) },
    { name: 'oversize message (200 KiB body)', bytes: request({ domain: d, method: 'MESSAGE', contentType: 'text/plain', body: 'b'.repeat(200 * 1024) }) },
    { name: 'response without request', bytes: Buffer.from(`SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 10.9.9.9:5061;branch=z9hG4bKfake\r\nFrom: <sip:1@${d}>;tag=1\r\nTo: <sip:2@${d}>;tag=2\r\nCall-ID: fake@corpus\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`) },
  ];
}
