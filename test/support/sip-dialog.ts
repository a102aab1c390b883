/**
 * A scripted SIP/TLS caller and callee for tests that need every method and reply that can carry
 * SDP (issue #13 media policy): INVITE with digest (RFC 3261 §22.2, nonce reused with a rising
 * nc), 100rel (RFC 3262), ACK/BYE/re-INVITE/UPDATE/PRACK inside a dialog with the route set of
 * RFC 3261 §12.1 (the caller reverses the 2xx's Record-Route, the callee copies it into its
 * replies). The bodies are whatever the test chooses: these UAs never interpret SDP.
 */
import { randomBytes } from 'node:crypto';
import type { RawSipConnection } from './sip-client.ts';
import { digestAuthorization, header, type SipMessage } from './sip-message.ts';

const rand = (n = 6) => randomBytes(n).toString('hex');

function text(first: string, headers: string[], body = '', contentType = 'application/sdp'): string {
  const lines = [first, ...headers, ...(body ? [`Content-Type: ${contentType}`] : []), `Content-Length: ${Buffer.byteLength(body)}`];
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

const cseqNum = (m: SipMessage) => Number((header(m, 'cseq') ?? '0').split(' ')[0]);
const cseqMethod = (m: SipMessage) => (header(m, 'cseq') ?? '').split(' ')[1] ?? '';
export const isReq = (method: string, callId?: string) => (m: SipMessage) =>
  m.method === method && (callId === undefined || header(m, 'call-id') === callId);
export const isResp = (callId: string, method: string, min = 100, max = 699) => (m: SipMessage) =>
  m.status !== undefined && m.status >= min && m.status <= max && header(m, 'call-id') === callId && cseqMethod(m) === method;

/** The callee's side: replies to a request it received, with its own Contact and To-tag. */
export class Callee {
  readonly toTag = rand(4);
  /** RFC 7118 §5.2: a WebSocket client's Contact host is made up (".invalid"). */
  readonly contact: string;
  constructor(readonly conn: RawSipConnection, readonly user: string) {
    this.contact = conn.transport === 'WSS'
      ? `<sip:${user}@${rand(4)}.invalid;transport=ws>`
      : `<sip:${user}@${conn.localHost}:${conn.localPort};transport=tls>`;
  }
  reply(req: SipMessage, status: number, reason: string, body = '', extra: string[] = [], contentType?: string): void {
    const to = header(req, 'to') ?? '';
    const h = [
      ...(req.headers.get('via') ?? []).map((v) => `Via: ${v}`),
      ...(req.headers.get('record-route') ?? []).map((r) => `Record-Route: ${r}`),
      `From: ${header(req, 'from') ?? ''}`,
      `To: ${/;tag=/.test(to) || status === 100 ? to : `${to};tag=${this.toTag}`}`,
      `Call-ID: ${header(req, 'call-id') ?? ''}`, `CSeq: ${header(req, 'cseq') ?? ''}`,
      ...(status > 100 && req.method !== 'BYE' && req.method !== 'CANCEL' ? [`Contact: ${this.contact}`] : []),
      ...extra,
    ];
    this.conn.send(text(`SIP/2.0 ${status} ${reason}`, h, body, contentType));
  }
}

/** The caller's side of one call (Call-ID, tags, CSeq, route set once answered). */
export class CallerDialog {
  readonly callId = `${rand(8)}@sdp-test`;
  readonly fromTag = rand(4);
  cseq = 1;
  toTag = '';
  target = '';
  routes: string[] = [];
  inviteVia = '';
  constructor(readonly caller: Caller, readonly callee: string) {}

  private headers(method: string, cseq = this.cseq, via?: string): string[] {
    const c = this.caller;
    return [
      via ?? `Via: SIP/2.0/TLS ${c.conn.localHost}:${c.conn.localPort};branch=z9hG4bK${rand(8)};rport`,
      'Max-Forwards: 70', ...this.routes.map((r) => `Route: ${r}`),
      `From: <sip:${c.user}@${c.domain}>;tag=${this.fromTag}`,
      `To: <sip:${this.callee}@${c.domain}>${this.toTag ? `;tag=${this.toTag}` : ''}`,
      `Call-ID: ${this.callId}`, `CSeq: ${cseq} ${method}`,
      `Contact: <sip:${c.user}@${c.conn.localHost}:${c.conn.localPort};transport=tls>`,
    ];
  }

  /** Initial INVITE with digest; resolves once sent (replies are awaited by the test). */
  async invite(body: string, extra: string[] = [], contentType?: string): Promise<void> {
    const ruri = `sip:${this.callee}@${this.caller.domain}`;
    const send = (auth: string[]) => {
      const via = `Via: SIP/2.0/TLS ${this.caller.conn.localHost}:${this.caller.conn.localPort};branch=z9hG4bK${rand(8)};rport`;
      this.inviteVia = via;
      this.caller.conn.send(text(`INVITE ${ruri} SIP/2.0`, [...this.headers('INVITE', this.cseq, via), ...extra, ...auth], body, contentType));
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      const auth = this.caller.authHeader('INVITE', ruri);
      send(auth ? [`Proxy-Authorization: ${auth}`] : []);
      const first = await this.caller.conn.waitFor(isResp(this.callId, 'INVITE', 100));
      if (first.status !== 407) {
        this.pushBack(first);
        return;
      }
      this.caller.challenge = header(first, 'proxy-authenticate') ?? '';
      this.caller.nc = 0;
      this.cseq++;
    }
    throw new Error('INVITE still challenged after fresh credentials');
  }

  private pushBack(m: SipMessage) {
    this.early.push(m);
  }
  /** Replies received by invite() while looking for a 407 (the test reads them through next()). */
  readonly early: SipMessage[] = [];

  /** Next reply to `method` in this call with status in [min, max]. */
  async next(method: string, min = 100, max = 699, timeoutMs = 3_000): Promise<SipMessage> {
    const i = this.early.findIndex(isResp(this.callId, method, min, max));
    if (i >= 0) return this.early.splice(i, 1)[0] as SipMessage;
    return this.caller.conn.waitFor(isResp(this.callId, method, min, max), timeoutMs);
  }

  /** Learns the dialog from a 18x/2xx (To-tag, Contact, reversed Record-Route: RFC 3261 §12.1.2). */
  learn(resp: SipMessage): void {
    this.toTag = /;tag=([^;>\s]+)/.exec(header(resp, 'to') ?? '')?.[1] ?? '';
    this.target = /<([^>]+)>/.exec(header(resp, 'contact') ?? '')?.[1] ?? '';
    this.routes = [...(resp.headers.get('record-route') ?? [])].reverse();
  }

  /** An in-dialog request (new CSeq unless ACK). */
  request(method: string, body = '', extra: string[] = []): void {
    if (method !== 'ACK') this.cseq++;
    this.caller.conn.send(text(`${method} ${this.target} SIP/2.0`, [...this.headers(method), ...extra], body));
  }

  /** ACK for a non-2xx final reply: same branch as the INVITE (RFC 3261 §17.1.1.3). */
  ackNegative(): void {
    const h = this.headers('ACK', this.cseq, this.inviteVia).filter((l) => !l.startsWith('Route:') && !l.startsWith('Contact:'));
    this.caller.conn.send(text(`ACK sip:${this.callee}@${this.caller.domain} SIP/2.0`, h));
  }
}

export class Caller {
  challenge = '';
  nc = 0;
  constructor(readonly conn: RawSipConnection, readonly user: string, readonly password: string, readonly domain: string) {}
  authHeader(method: string, uri: string): string | undefined {
    if (!this.challenge) return undefined;
    this.nc++;
    return digestAuthorization({ challenge: this.challenge, method, uri, username: this.user, password: this.password, nc: this.nc });
  }
  dialog(callee: string): CallerDialog {
    return new CallerDialog(this, callee);
  }
}

export { cseqNum };
