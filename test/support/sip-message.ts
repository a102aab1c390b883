/**
 * SIP message text for tests: parsing (RFC 3261 §7, compact header forms), building requests and
 * responses, digest authorization (RFC 2617 §3.2.2 with qop=auth; RFC 3261 §22.4), and the SDP
 * bodies Kamailio's media policy is tested with.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Transports of the raw test connections (sip-client.ts). */
export type RawTransport = 'TLS' | 'WSS' | 'UDP';

// ---------------------------------------------------------------------------------------------
// Messages

export interface SipMessage {
  /** For responses. */
  status?: number;
  reason?: string;
  /** For requests. */
  method?: string;
  ruri?: string;
  headers: Map<string, string[]>;
  body: string;
  raw: string;
}

const COMPACT: Record<string, string> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type',
  f: 'from', s: 'subject', k: 'supported', t: 'to', v: 'via',
};

export function parseSipMessage(raw: string): SipMessage {
  const headEnd = raw.indexOf('\r\n\r\n');
  const head = headEnd >= 0 ? raw.slice(0, headEnd) : raw;
  const body = headEnd >= 0 ? raw.slice(headEnd + 4) : '';
  const [first = '', ...lines] = head.split('\r\n');
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    let name = line.slice(0, i).trim().toLowerCase();
    name = COMPACT[name] ?? name;
    const list = headers.get(name) ?? [];
    list.push(line.slice(i + 1).trim());
    headers.set(name, list);
  }
  const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(first);
  if (m) return { status: Number(m[1]), reason: m[2] ?? '', headers, body, raw };
  const [method = '', ruri = ''] = first.split(' ');
  return { method, ruri, headers, body, raw };
}

export function header(msg: SipMessage, name: string): string | undefined {
  return msg.headers.get(name.toLowerCase())?.[0];
}

// ---------------------------------------------------------------------------------------------
// Digest (RFC 2617 §3.2.2 with qop=auth; RFC 3261 §22.4)

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export function parseChallenge(value: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const m of value.replace(/^Digest\s+/i, '').matchAll(/(\w+)=("([^"]*)"|[^,\s]+)/g)) {
    params[(m[1] as string).toLowerCase()] = m[3] ?? (m[2] as string);
  }
  return params;
}

export function digestAuthorization(opts: {
  challenge: string; method: string; uri: string; username: string; password: string; nc?: number; cnonce?: string;
}): string {
  const c = parseChallenge(opts.challenge);
  const realm = c['realm'] ?? '';
  const nonce = c['nonce'] ?? '';
  const ha1 = md5(`${opts.username}:${realm}:${opts.password}`);
  const ha2 = md5(`${opts.method}:${opts.uri}`);
  const qop = (c['qop'] ?? '').split(',').map((s) => s.trim()).includes('auth') ? 'auth' : undefined;
  const parts = [`username="${opts.username}"`, `realm="${realm}"`, `nonce="${nonce}"`, `uri="${opts.uri}"`, 'algorithm=MD5'];
  if (qop) {
    const nc = (opts.nc ?? 1).toString(16).padStart(8, '0');
    const cnonce = opts.cnonce ?? randomBytes(8).toString('hex');
    const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
    parts.push(`response="${response}"`, `qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
  } else {
    parts.push(`response="${md5(`${ha1}:${nonce}:${ha2}`)}"`);
  }
  if (c['opaque'] !== undefined) parts.push(`opaque="${c['opaque']}"`);
  return `Digest ${parts.join(', ')}`;
}

/** A response to `req` (RFC 3261 §8.2.6: Via, From, Call-ID, CSeq copied; To gets a tag). */
export function buildResponse(req: SipMessage, status: number, reason: string): string {
  const lines = [`SIP/2.0 ${status} ${reason}`];
  for (const v of req.headers.get('via') ?? []) lines.push(`Via: ${v}`);
  lines.push(`From: ${header(req, 'from') ?? ''}`);
  const to = header(req, 'to') ?? '';
  lines.push(`To: ${/;tag=/.test(to) ? to : `${to};tag=${randomBytes(4).toString('hex')}`}`);
  lines.push(`Call-ID: ${header(req, 'call-id') ?? ''}`, `CSeq: ${header(req, 'cseq') ?? ''}`, 'Content-Length: 0');
  return lines.join('\r\n') + '\r\n\r\n';
}

export interface BuildRequestOptions {
  method: string;
  ruri: string;
  from: string;
  to: string;
  callId: string;
  cseq: number;
  transport: RawTransport;
  localHost: string;
  localPort: number;
  contactUser?: string;
  /** Default "susurro-test". */
  userAgent?: string;
  extraHeaders?: string[];
  body?: string;
  contentType?: string;
}

export function buildRequest(o: BuildRequestOptions): string {
  const branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
  // RFC 7118 §5.2: WebSocket clients use a made-up ".invalid" host in Via/Contact
  const local = `${o.localHost.includes(':') ? `[${o.localHost}]` : o.localHost}:${o.localPort}`;
  const viaHost = o.transport === 'WSS' ? `${randomBytes(4).toString('hex')}.invalid` : local;
  const contactHost = o.transport === 'WSS' ? viaHost : local;
  const body = o.body ?? '';
  const lines = [
    `${o.method} ${o.ruri} SIP/2.0`,
    `Via: SIP/2.0/${o.transport} ${viaHost};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: <${o.from}>;tag=${randomBytes(4).toString('hex')}`,
    `To: <${o.to}>`,
    `Call-ID: ${o.callId}`,
    `CSeq: ${o.cseq} ${o.method}`,
    `Contact: <sip:${o.contactUser ?? 'u'}@${contactHost};transport=${{ WSS: 'ws', TLS: 'tls', UDP: 'udp' }[o.transport]}>`,
    `User-Agent: ${o.userAgent ?? 'susurro-test'}`,
    ...(o.extraHeaders ?? []),
    ...(body ? [`Content-Type: ${o.contentType ?? 'application/sdp'}`] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

// ---------------------------------------------------------------------------------------------
// SDP bodies

const FINGERPRINT = Array.from({ length: 32 }, (_, i) => ((i * 37 + 11) & 0xff).toString(16).padStart(2, '0').toUpperCase()).join(':');

/**
 * A WebRTC-style offer/answer as the web softphone sends it: DTLS-SRTP (a=fingerprint, RFC
 * 8122) over ICE, with the a=zrtp-hash of its ZRTP Hello (RFC 6189 §8.1) that the default
 * calls.requireSas policy asks for. `zrtpHash: false` gives a plain WebRTC (JsSIP) body.
 */
export function dtlsSdp(sessionId = Date.now(), opts: { zrtpHash?: boolean } = {}): string {
  return [
    'v=0', `o=- ${sessionId} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0', 'a=group:BUNDLE 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    ...((opts.zrtpHash ?? true) ? [`a=zrtp-hash:1.10 ${randomBytes(32).toString('hex')}`] : []),
    'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${randomBytes(3).toString('hex')}`, `a=ice-pwd:${randomBytes(12).toString('hex')}`,
    `a=fingerprint:sha-256 ${FINGERPRINT}`, 'a=setup:actpass', 'a=mid:0', 'a=sendrecv', 'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2', '',
  ].join('\r\n');
}

/** Plain RTP/AVP without any key agreement: must be refused with 488. */
export function plainRtpSdp(sessionId = Date.now()): string {
  return [
    'v=0', `o=- ${sessionId} 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    'm=audio 40000 RTP/AVP 0 8', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=sendrecv', '',
  ].join('\r\n');
}

/** RTP/AVP with ZRTP (RFC 6189 §8.1 a=zrtp-hash): native ZRTP clients, accepted. */
export function zrtpSdp(sessionId = Date.now()): string {
  return [
    'v=0', `o=- ${sessionId} 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', `a=zrtp-hash:1.10 ${randomBytes(32).toString('hex')}`, 'a=sendrecv', '',
  ].join('\r\n');
}

