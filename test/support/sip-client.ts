/**
 * SIP clients for integration tests against the real Kamailio.
 *
 * 1. A raw, minimal SIP-over-TLS and SIP-over-WSS connection (RFC 3261 §18.3 stream framing by
 *    Content-Length for TLS; RFC 7118 §5: one SIP message per WebSocket text frame) with RFC 2617 /
 *    RFC 3261 §22.4 digest (MD5, qop=auth), so tests can see every status exactly (401 challenge,
 *    403 after a wrong password) and can send hand-made requests.
 * 2. A sip.js UserAgent over the `ws` package (a real SIP library, as the browser softphone uses),
 *    with a static session description handler: tests choose the SDP offered or answered, since
 *    Node has no WebRTC. The SDP text itself is what Kamailio's policy inspects.
 */
import { randomBytes } from 'node:crypto';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createSocket } from 'node:dgram';
import WebSocket from 'ws';
import {
  Invitation, Inviter, Registerer, RegistererState, SessionState, UserAgent,
  type Session, type SessionDescriptionHandler, type SessionDescriptionHandlerFactory,
} from 'sip.js';
import type { IncomingResponse } from 'sip.js/lib/core/messages/incoming-response.js';
import {
  buildRequest, digestAuthorization, header, parseSipMessage, dtlsSdp, type RawTransport, type SipMessage,
} from './sip-message.ts';

// Re-exported so that tests import everything SIP from one module.
export * from './sip-message.ts';

// ---------------------------------------------------------------------------------------------
// Raw connections

/** A SIP connection that sends requests and collects what comes back. */
export class RawSipConnection {
  readonly transport: RawTransport;
  readonly localHost: string;
  readonly localPort: number;
  readonly #send: (text: string) => void;
  readonly #close: () => void;
  readonly #received: SipMessage[] = [];
  /** Every message this connection received, in order (attack tests: "nothing reached the victim"). */
  readonly log: SipMessage[] = [];
  /** Called for every received message before waiters see it (scripted user agents answer here). */
  onMessage: ((m: SipMessage) => void) | undefined;
  #waiters: { match: (m: SipMessage) => boolean; resolve: (m: SipMessage) => void }[] = [];
  #closed = false;

  private constructor(transport: RawTransport, localHost: string, localPort: number, send: (t: string) => void, close: () => void) {
    this.transport = transport;
    this.localHost = localHost;
    this.localPort = localPort;
    this.#send = send;
    this.#close = close;
  }

  /** SIP over TLS to host:port; the server certificate is verified against `ca`. */
  static async openTls(opts: { host: string; port: number; ca: string; servername?: string; localAddress?: string }): Promise<RawSipConnection> {
    const sock: TLSSocket = tlsConnect({
      host: opts.host, port: opts.port, ca: opts.ca, servername: opts.servername ?? 'localhost',
      // another loopback source (127.0.0.2 ...) for tests of per-source policies (hardening)
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      sock.once('secureConnect', resolve);
      sock.once('error', reject);
    });
    sock.setNoDelay(true); // small request/response exchanges: no Nagle/delayed-ACK stalls
    const conn = new RawSipConnection('TLS', sock.localAddress ?? '127.0.0.1', sock.localPort ?? 0, (t) => sock.write(t), () => sock.destroy());
    // bytes, not a string: Content-Length counts octets (a UTF-8 body is longer in bytes)
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      // RFC 3261 §18.3: on stream transports Content-Length delimits the message
      for (let guard = 0; guard < 100; guard++) {
        while (buf.length >= 2 && buf[0] === 13 && buf[1] === 10) buf = buf.subarray(2); // keepalive CRLFs (RFC 5626 §3.5.1)
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) break;
        const m = /\r\n(?:content-length|l)\s*:\s*(\d+)/i.exec(buf.subarray(0, end + 2).toString('latin1'));
        const len = m ? Number(m[1]) : 0;
        if (buf.length < end + 4 + len) break;
        conn.#deliver(parseSipMessage(buf.subarray(0, end + 4 + len).toString('utf8')));
        buf = buf.subarray(end + 4 + len);
      }
    });
    sock.on('close', () => { conn.#closed = true; });
    sock.on('error', () => { conn.#closed = true; });
    return conn;
  }

  /** SIP over secure WebSocket (subprotocol "sip", RFC 7118 §4). */
  static async openWss(opts: { url: string; ca: string; origin?: string; host?: string }): Promise<RawSipConnection> {
    const ws = new WebSocket(opts.url, 'sip', {
      ca: opts.ca, ...(opts.origin ? { origin: opts.origin } : {}),
      ...(opts.host ? { headers: { host: opts.host } } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket handshake refused: HTTP ${res.statusCode}`)));
    });
    const raw = (ws as unknown as { _socket: { localAddress: string; localPort: number } })._socket;
    const conn = new RawSipConnection('WSS', raw.localAddress, raw.localPort, (t) => ws.send(t), () => ws.terminate());
    ws.on('message', (data) => conn.#deliver(parseSipMessage(data.toString())));
    ws.on('close', () => { conn.#closed = true; });
    return conn;
  }

  /** Plain SIP over UDP (only when the stack enables ports.sipUdp). */
  static async openUdp(opts: { host: string; port: number }): Promise<RawSipConnection> {
    const sock = createSocket('udp4');
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
    const local = sock.address();
    const conn = new RawSipConnection('UDP', local.address, local.port, (t) => sock.send(t, opts.port, opts.host), () => sock.close());
    sock.on('message', (m) => conn.#deliver(parseSipMessage(m.toString())));
    return conn;
  }

  get closed(): boolean {
    return this.#closed;
  }

  #deliver(msg: SipMessage) {
    this.log.push(msg);
    this.onMessage?.(msg);
    const i = this.#waiters.findIndex((w) => w.match(msg));
    if (i >= 0) {
      const [w] = this.#waiters.splice(i, 1);
      w?.resolve(msg);
      return;
    }
    this.#received.push(msg);
  }

  /** Next message (already received or future) that satisfies `match`. */
  waitFor(match: (m: SipMessage) => boolean, timeoutMs = 5_000): Promise<SipMessage> {
    const i = this.#received.findIndex(match);
    if (i >= 0) return Promise.resolve(this.#received.splice(i, 1)[0] as SipMessage);
    return new Promise((resolve, reject) => {
      const w = { match, resolve: (m: SipMessage) => { clearTimeout(timer); resolve(m); } };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((x) => x !== w);
        reject(new Error(`no matching SIP message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(w);
    });
  }

  send(text: string): void {
    this.#send(text);
  }

  /** Sends a request and resolves with its final (>= 200) response. */
  async request(text: string, timeoutMs = 5_000): Promise<SipMessage> {
    const req = parseSipMessage(text);
    const callId = header(req, 'call-id');
    const cseq = header(req, 'cseq');
    this.send(text);
    return this.waitFor((m) => m.status !== undefined && m.status >= 200 && header(m, 'call-id') === callId && header(m, 'cseq') === cseq, timeoutMs);
  }

  close(): void {
    this.#close();
  }
}

export interface RawRegisterResult {
  /** Status of the first REGISTER (without credentials). */
  challengeStatus: number;
  /** WWW-Authenticate of the challenge. */
  challenge: string | undefined;
  /** Final status after answering the challenge (undefined when no password was given). */
  status: number | undefined;
  response: SipMessage;
}

/**
 * REGISTER `ext`@domain over `conn`; answers the 401 challenge when `password` is given.
 * `authUser` lets a test authenticate as someone else than the AOR.
 */
export async function rawRegister(conn: RawSipConnection, o: {
  ext: string; domain: string; password?: string; authUser?: string; expires?: number;
}): Promise<RawRegisterResult> {
  const callId = `${randomBytes(8).toString('hex')}@test`;
  const aor = `sip:${o.ext}@${o.domain}`;
  const common = {
    method: 'REGISTER', ruri: `sip:${o.domain}`, from: aor, to: aor, callId, transport: conn.transport,
    localHost: conn.localHost, localPort: conn.localPort, contactUser: o.ext,
  };
  const expires = [`Expires: ${o.expires ?? 600}`];
  const first = await conn.request(buildRequest({ ...common, cseq: 1, extraHeaders: expires }));
  const challenge = header(first, 'www-authenticate');
  if (o.password === undefined || first.status !== 401 || !challenge) {
    return { challengeStatus: first.status as number, challenge, status: undefined, response: first };
  }
  const auth = digestAuthorization({ challenge, method: 'REGISTER', uri: `sip:${o.domain}`, username: o.authUser ?? o.ext, password: o.password });
  const second = await conn.request(buildRequest({ ...common, cseq: 2, extraHeaders: [...expires, `Authorization: ${auth}`] }));
  return { challengeStatus: 401, challenge, status: second.status, response: second };
}

// ---------------------------------------------------------------------------------------------
// sip.js over ws

/** A session description handler that offers/answers a fixed SDP text (no media in Node). */
export class StaticSdh implements SessionDescriptionHandler {
  remoteSdp: string | undefined;
  constructor(public localSdp: string) {}
  close(): void {}
  getDescription() {
    return Promise.resolve({ body: this.localSdp, contentType: 'application/sdp' });
  }
  hasDescription(contentType: string): boolean {
    return contentType === 'application/sdp';
  }
  setDescription(sdp: string): Promise<void> {
    this.remoteSdp = sdp;
    return Promise.resolve();
  }
  sendDtmf(): boolean {
    return false;
  }
}

/** A `ws` WebSocket class usable as sip.js's global WebSocket, trusting `ca` and sending Origin. */
export function webSocketClass(ca: string, origin: string): new (url: string | URL, protocols?: string | string[]) => WebSocket {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { ca, origin });
    }
  };
}

export interface PhoneOptions {
  wssUrl: string;
  domain: string;
  ext: string;
  password: string;
  ca: string;
  /** Origin header for the WebSocket handshake (Kamailio requires the softphone's origin). */
  origin: string;
  /** SDP this phone offers in INVITEs and answers with. Default: DTLS. */
  sdp?: () => string;
}

export interface Phone {
  ua: UserAgent;
  registerer: Registerer;
  /** INVITEs received, in order. */
  invitations: Invitation[];
  /** REGISTER; resolves with the final status (200, 403, ...). */
  register(): Promise<number>;
  /** INVITE `target`; resolves with the final status. Answered calls stay up (session returned). */
  call(target: string, opts?: { sdp?: string; fromUri?: string; withoutSdp?: boolean }): Promise<{ status: number; reason: string; session: Inviter }>;
  nextInvitation(timeoutMs?: number): Promise<Invitation>;
  stop(): Promise<void>;
}

export async function createPhone(o: PhoneOptions): Promise<Phone> {
  (globalThis as { WebSocket?: unknown }).WebSocket = webSocketClass(o.ca, o.origin);
  let nextSdp: string | undefined;
  const sdhFactory: SessionDescriptionHandlerFactory = () => {
    const sdp = nextSdp ?? (o.sdp ?? dtlsSdp)();
    nextSdp = undefined;
    return new StaticSdh(sdp);
  };
  const invitations: Invitation[] = [];
  const invitationWaiters: ((i: Invitation) => void)[] = [];
  const uri = UserAgent.makeURI(`sip:${o.ext}@${o.domain}`);
  if (!uri) throw new Error('bad uri');
  const ua = new UserAgent({
    uri,
    authorizationUsername: o.ext,
    authorizationPassword: o.password,
    transportOptions: { server: o.wssUrl, connectionTimeout: 5 },
    sessionDescriptionHandlerFactory: sdhFactory,
    logBuiltinEnabled: false,
    logLevel: 'error',
    userAgentString: 'susurro-test (sip.js)',
    delegate: {
      onInvite(invitation) {
        const w = invitationWaiters.shift();
        if (w) w(invitation);
        else invitations.push(invitation);
      },
    },
  });
  await ua.start();
  const registerer = new Registerer(ua, { expires: 600 });

  return {
    ua, registerer, invitations,
    register() {
      return new Promise<number>((resolve, reject) => {
        registerer.register({
          requestDelegate: {
            onAccept: (r: IncomingResponse) => resolve(r.message.statusCode ?? 0),
            onReject: (r: IncomingResponse) => resolve(r.message.statusCode ?? 0),
          },
        }).catch(reject);
      });
    },
    call(target, opts = {}) {
      const targetUri = UserAgent.makeURI(target);
      if (!targetUri) throw new Error(`bad target ${target}`);
      nextSdp = opts.sdp;
      const inviter = new Inviter(ua, targetUri, {
        ...(opts.fromUri ? { params: { fromUri: opts.fromUri } } : {}),
        ...(opts.withoutSdp ? { inviteWithoutSdp: true } : {}),
      });
      return new Promise((resolve, reject) => {
        inviter.invite({
          requestDelegate: {
            onAccept: (r) => resolve({ status: r.message.statusCode ?? 0, reason: r.message.reasonPhrase ?? '', session: inviter }),
            onReject: (r) => resolve({ status: r.message.statusCode ?? 0, reason: r.message.reasonPhrase ?? '', session: inviter }),
          },
        }).catch(reject);
      });
    },
    nextInvitation(timeoutMs = 5_000) {
      const ready = invitations.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no INVITE within ${timeoutMs} ms`)), timeoutMs);
        invitationWaiters.push((i) => { clearTimeout(timer); resolve(i); });
      });
    },
    async stop() {
      if (registerer.state === RegistererState.Registered) {
        await registerer.unregister().catch(() => {});
      }
      await ua.stop().catch(() => {});
    },
  };
}

/** Ends a session whatever its state (BYE, CANCEL or reject). */
export async function endSession(session: Session): Promise<void> {
  if (session.state === SessionState.Established) await session.bye().catch(() => {});
  else if (session instanceof Inviter && session.state === SessionState.Establishing) await session.cancel().catch(() => {});
  else if (session instanceof Invitation && session.state === SessionState.Initial) await session.reject().catch(() => {});
}
