/**
 * A minimal SIP-over-UDP user agent for the flood benchmark's legitimate client and callee,
 * bound to a chosen loopback source address (127.0.0.2, 127.0.0.3: other sources than the
 * flood's 127.0.0.1). Digest answers (RFC 2617 / RFC 3261 §22.4) and message parsing come from
 * test/support/sip-client.ts; this adds what a UDP phone needs: ACK for non-2xx (RFC 3261
 * §17.1.1.3), ACK/BYE along the Record-Route set (§12.2), and a tiny answering UAS.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { digestAuthorization, header, parseSipMessage, zrtpSdp, type SipMessage } from '../../test/support/sip-client.ts';

const rnd = (n = 6) => randomBytes(n).toString('hex');

export class UdpSipAgent {
  readonly #sock: Socket;
  readonly host: string;
  port = 0;
  readonly #server: { host: string; port: number };
  #waiters: { match: (m: SipMessage) => boolean; resolve: (m: SipMessage) => void }[] = [];
  /** Incoming requests are handed here (the callee answers INVITE/BYE). */
  onRequest: ((req: SipMessage) => void) | null = null;

  private constructor(host: string, server: { host: string; port: number }) {
    this.host = host;
    this.#server = server;
    this.#sock = createSocket('udp4');
  }

  static async open(host: string, server: { host: string; port: number }): Promise<UdpSipAgent> {
    const a = new UdpSipAgent(host, server);
    await new Promise<void>((resolve, reject) => {
      a.#sock.once('error', reject);
      a.#sock.bind(0, host, () => resolve());
    });
    a.port = a.#sock.address().port;
    a.#sock.on('message', (buf) => {
      const msg = parseSipMessage(buf.toString('utf8'));
      if (msg.method !== undefined) {
        a.onRequest?.(msg);
        return;
      }
      const i = a.#waiters.findIndex((w) => w.match(msg));
      if (i >= 0) a.#waiters.splice(i, 1)[0]!.resolve(msg);
    });
    return a;
  }

  send(text: string): void {
    this.#sock.send(text, this.#server.port, this.#server.host);
  }

  /** Final (>= 200) response to the request with this Call-ID and CSeq, within timeoutMs. */
  final(callId: string, cseq: string, timeoutMs: number): Promise<SipMessage> {
    return new Promise((resolve, reject) => {
      const w = {
        match: (m: SipMessage) => (m.status ?? 0) >= 200 && header(m, 'call-id') === callId && header(m, 'cseq') === cseq,
        resolve: (m: SipMessage) => { clearTimeout(timer); resolve(m); },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((x) => x !== w);
        reject(new Error(`no final response to ${cseq} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(w);
    });
  }

  /** Sends a request, retransmitting (RFC 3261 §17.1.1.2 timer A, 500 ms doubling) until a final response. */
  async request(text: string, timeoutMs: number): Promise<SipMessage> {
    const m = parseSipMessage(text);
    const done = this.final(header(m, 'call-id')!, header(m, 'cseq')!, timeoutMs);
    let stop = false;
    void done.finally(() => { stop = true; }).catch(() => {});
    const retransmit = async () => {
      for (let t = 500, waited = 0; !stop && waited < timeoutMs; waited += t, t = Math.min(t * 2, 4000)) {
        this.send(text);
        await new Promise((r) => setTimeout(r, t));
      }
    };
    void retransmit();
    return done;
  }

  via(branch: string): string {
    return `Via: SIP/2.0/UDP ${this.host}:${this.port};branch=${branch};rport`;
  }

  close(): void {
    this.#sock.close();
  }
}

interface Account { ext: string; password: string; domain: string }

function req(lines: string[], body = ''): string {
  return [...lines, ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`].join('\r\n') + '\r\n\r\n' + body;
}

/** REGISTER with digest; resolves with the final status. */
export async function register(a: UdpSipAgent, acct: Account, timeoutMs: number): Promise<number> {
  const callId = `${rnd()}@bench`;
  const fromTag = rnd(4);
  const build = (cseq: number, auth?: string) => req([
    `REGISTER sip:${acct.domain} SIP/2.0`, a.via(`z9hG4bK${rnd()}`), 'Max-Forwards: 70',
    `From: <sip:${acct.ext}@${acct.domain}>;tag=${fromTag}`, `To: <sip:${acct.ext}@${acct.domain}>`,
    `Call-ID: ${callId}`, `CSeq: ${cseq} REGISTER`, `Contact: <sip:${acct.ext}@${a.host}:${a.port}>`,
    'Expires: 600', 'User-Agent: susurro-bench-legit', ...(auth ? [`Authorization: ${auth}`] : []),
  ]);
  const first = await a.request(build(1), timeoutMs);
  if (first.status !== 401) return first.status ?? 0;
  const auth = digestAuthorization({ challenge: header(first, 'www-authenticate') ?? '', method: 'REGISTER', uri: `sip:${acct.domain}`, username: acct.ext, password: acct.password });
  const second = await a.request(build(2, auth), timeoutMs);
  return second.status ?? 0;
}

/**
 * INVITE callee (SDP with a=zrtp-hash, which the project's media policy accepts), answering a
 * 401/407 challenge; on 200 sends ACK and BYE along the route set. Resolves with the INVITE's
 * final status and the ms from the first INVITE sent to that final response.
 */
export async function call(a: UdpSipAgent, acct: Account, callee: string, timeoutMs: number): Promise<{ status: number; setupMs: number }> {
  const callId = `${rnd()}@bench`;
  const fromTag = rnd(4);
  const ruri = `sip:${callee}@${acct.domain}`;
  const from = `From: <sip:${acct.ext}@${acct.domain}>;tag=${fromTag}`;
  const body = zrtpSdp();
  const invite = (cseq: number, branch: string, auth?: { name: string; value: string }) => req([
    `INVITE ${ruri} SIP/2.0`, a.via(branch), 'Max-Forwards: 70', from, `To: <${ruri}>`,
    `Call-ID: ${callId}`, `CSeq: ${cseq} INVITE`, `Contact: <sip:${acct.ext}@${a.host}:${a.port}>`,
    'User-Agent: susurro-bench-legit', ...(auth ? [`${auth.name}: ${auth.value}`] : []),
  ], body);
  const t0 = performance.now();
  let branch = `z9hG4bK${rnd()}`;
  let res = await a.request(invite(1, branch), timeoutMs);
  let cseq = 1;
  if (res.status === 401 || res.status === 407) {
    // RFC 3261 §17.1.1.3: the UAC ACKs a non-2xx final response within the same transaction
    a.send(req([`ACK ${ruri} SIP/2.0`, a.via(branch), 'Max-Forwards: 70', from, `To: ${header(res, 'to')}`, `Call-ID: ${callId}`, 'CSeq: 1 ACK']));
    const proxy = res.status === 407;
    const challenge = header(res, proxy ? 'proxy-authenticate' : 'www-authenticate') ?? '';
    const value = digestAuthorization({ challenge, method: 'INVITE', uri: ruri, username: acct.ext, password: acct.password });
    branch = `z9hG4bK${rnd()}`;
    cseq = 2;
    res = await a.request(invite(2, branch, { name: proxy ? 'Proxy-Authorization' : 'Authorization', value }), timeoutMs);
  }
  const setupMs = performance.now() - t0;
  const status = res.status ?? 0;
  if (status >= 300) {
    a.send(req([`ACK ${ruri} SIP/2.0`, a.via(branch), 'Max-Forwards: 70', from, `To: ${header(res, 'to')}`, `Call-ID: ${callId}`, `CSeq: ${cseq} ACK`]));
    return { status, setupMs };
  }
  // RFC 3261 §12.1.2: route set = Record-Route reversed; remote target = the 200's Contact
  const routes = (res.headers.get('record-route') ?? []).flatMap((r) => r.split(',')).map((r) => r.trim()).reverse();
  const target = /<([^>]+)>/.exec(header(res, 'contact') ?? '')?.[1] ?? ruri;
  const inDialog = (method: string, n: number) => req([
    `${method} ${target} SIP/2.0`, a.via(`z9hG4bK${rnd()}`), 'Max-Forwards: 70', ...routes.map((r) => `Route: ${r}`),
    from, `To: ${header(res, 'to')}`, `Call-ID: ${callId}`, `CSeq: ${n} ${method}`,
  ]);
  a.send(inDialog('ACK', cseq));
  await a.request(inDialog('BYE', cseq + 1), timeoutMs).catch(() => undefined);
  return { status, setupMs };
}

/** Makes `a` answer every INVITE with 200 (zrtp SDP) and every BYE with 200. */
export function answerCalls(a: UdpSipAgent, ext: string): void {
  const toTag = rnd(4);
  a.onRequest = (r) => {
    if (r.method === 'ACK') return;
    const vias = r.headers.get('via') ?? [];
    const rr = r.headers.get('record-route') ?? [];
    const body = r.method === 'INVITE' ? zrtpSdp() : '';
    const to = header(r, 'to') ?? '';
    a.send(req([
      'SIP/2.0 200 OK', ...vias.map((v) => `Via: ${v}`), ...rr.map((x) => `Record-Route: ${x}`),
      `From: ${header(r, 'from')}`, `To: ${to.includes(';tag=') ? to : `${to};tag=${toTag}`}`,
      `Call-ID: ${header(r, 'call-id')}`, `CSeq: ${header(r, 'cseq')}`, `Contact: <sip:${ext}@${a.host}:${a.port}>`,
    ], body));
  };
}
