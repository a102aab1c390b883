/**
 * A scripted SIP user agent over one raw SIP/TLS or SIP/WSS connection (sip-client.ts) that
 * keeps real dialog state (RFC 3261 §12): it calls (answering the proxy's 407 digest challenge),
 * answers calls, sends requests inside a dialog with the route set and remote target the proxy
 * gave it, and answers every request it receives. Everything it receives stays in conn.log, so
 * tests can assert exactly what reached it (Via, Record-Route, methods).
 */
import { randomBytes } from 'node:crypto';
import { RawSipConnection, digestAuthorization, dtlsSdp, header, rawRegister, type SipMessage } from './sip-client.ts';

export interface Dialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  localUri: string;
  remoteUri: string;
  /** Contact of the other party (the Request-URI of requests inside the dialog). */
  remoteTarget: string;
  /** Route set (RFC 3261 §12.1.1 / §12.1.2): Record-Route as received, reversed for the caller. */
  routeSet: string[];
  cseq: number;
}

const tag = () => randomBytes(4).toString('hex');
const branch = () => `z9hG4bK${randomBytes(8).toString('hex')}`;
/** "<sip:...>;params" → "sip:..." */
const uriOf = (nameAddr: string) => /<([^>]+)>/.exec(nameAddr)?.[1] ?? nameAddr.split(';')[0]?.trim() ?? nameAddr;
const tagOf = (nameAddr: string) => /;tag=([^;>\s]+)/.exec(nameAddr)?.[1] ?? '';
/** All values of a header, comma-separated entries split (Record-Route may be folded into one line). */
export function headerList(m: SipMessage, name: string): string[] {
  return (m.headers.get(name) ?? []).flatMap((v) => v.split(/,(?=\s*<)/).map((s) => s.trim()));
}

export class DialogUa {
  readonly conn: RawSipConnection;
  readonly ext: string;
  readonly domain: string;
  readonly password: string;
  /** Dialogs this UA answered, by Call-ID. */
  readonly answered = new Map<string, Dialog>();
  readonly #viaHost: string;
  /** SDP this UA answers with. */
  answerSdp = () => dtlsSdp();
  /** Extra header lines of its answers to INVITE (attack tests: identity headers in replies). */
  answerHeaders: string[] = [];
  /** Answer INVITEs with a reliable 183 first (RFC 3262), the 200 only on confirm(). */
  early = false;
  readonly #pending = new Map<string, { m: SipMessage; localTag: string }>();

  constructor(conn: RawSipConnection, ext: string, domain: string, password: string) {
    this.conn = conn;
    this.ext = ext;
    this.domain = domain;
    this.password = password;
    // RFC 7118 §5.2: a WebSocket client names a made-up ".invalid" host
    this.#viaHost = conn.transport === 'WSS' ? `${randomBytes(4).toString('hex')}.invalid` : `${conn.localHost}:${conn.localPort}`;
    conn.onMessage = (m) => this.#answer(m);
  }

  get aor(): string {
    return `sip:${this.ext}@${this.domain}`;
  }

  get contact(): string {
    return `<sip:${this.ext}@${this.#viaHost};transport=${this.conn.transport === 'WSS' ? 'ws' : 'tls'}>`;
  }

  async register(): Promise<number | undefined> {
    return (await rawRegister(this.conn, { ext: this.ext, domain: this.domain, password: this.password })).status;
  }

  #via(): string {
    return `Via: SIP/2.0/${this.conn.transport} ${this.#viaHost};branch=${branch()};rport`;
  }

  /** Answers what it receives: INVITE → 200 with SDP (or 183 reliable, with `early`), any other request but ACK → 200. */
  #answer(m: SipMessage): void {
    if (m.method === undefined || m.method === 'ACK') return;
    const to = header(m, 'to') ?? '';
    const localTag = tagOf(to) || tag();
    if (m.method === 'INVITE' && !tagOf(to)) {
      const rr = headerList(m, 'record-route');
      const from = header(m, 'from') ?? '';
      this.answered.set(header(m, 'call-id') ?? '', {
        callId: header(m, 'call-id') ?? '', localTag, remoteTag: tagOf(from), localUri: uriOf(to), remoteUri: uriOf(from),
        remoteTarget: uriOf(header(m, 'contact') ?? ''), routeSet: rr, cseq: 1000,
      });
      if (this.early) {
        // RFC 3262 §3: a reliable provisional answer; the 200 follows with confirm()
        this.#pending.set(header(m, 'call-id') ?? '', { m, localTag });
        this.#reply(m, '183 Session Progress', localTag, ['Require: 100rel', 'RSeq: 1'], this.answerSdp());
        return;
      }
    }
    this.#reply(m, '200 OK', localTag, [], m.method === 'INVITE' ? this.answerSdp() : '');
  }

  #reply(m: SipMessage, status: string, localTag: string, extra: string[], body: string): void {
    const to = header(m, 'to') ?? '';
    const lines = [
      `SIP/2.0 ${status}`,
      ...(m.headers.get('via') ?? []).map((v) => `Via: ${v}`),
      // RFC 3261 §12.1.1: the UAS copies Record-Route into its dialog-forming response
      ...(m.method === 'INVITE' ? (m.headers.get('record-route') ?? []).map((v) => `Record-Route: ${v}`) : []),
      `From: ${header(m, 'from') ?? ''}`,
      `To: ${tagOf(to) ? to : `${to};tag=${localTag}`}`,
      `Call-ID: ${header(m, 'call-id') ?? ''}`,
      `CSeq: ${header(m, 'cseq') ?? ''}`,
      ...(m.method === 'INVITE' ? [`Contact: ${this.contact}`, ...this.answerHeaders] : []),
      ...extra,
      ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
    ];
    this.conn.send(lines.join('\r\n') + '\r\n\r\n' + body);
  }

  /** Answers a call held in early state (`early`) with 200 (its SDP answer was in the 183). */
  confirm(callId: string): void {
    const p = this.#pending.get(callId);
    if (!p) throw new Error(`no early call ${callId}`);
    this.#pending.delete(callId);
    this.#reply(p.m, '200 OK', p.localTag, [], '');
  }

  /** INVITE `target` (answering the 407 challenge); on 2xx sends the ACK and returns the dialog. */
  async call(target: string, sdp = dtlsSdp(), extraHeaders: string[] = []): Promise<{ status: number; response: SipMessage; dialog: Dialog | undefined }> {
    const callId = `${randomBytes(8).toString('hex')}@test`;
    const fromTag = tag();
    const invite = (cseq: number, extra: string[]) => [
      `INVITE ${target} SIP/2.0`, this.#via(), 'Max-Forwards: 70',
      `From: <${this.aor}>;tag=${fromTag}`, `To: <${target}>`, `Call-ID: ${callId}`, `CSeq: ${cseq} INVITE`,
      `Contact: ${this.contact}`, 'User-Agent: susurro-test', ...extraHeaders, ...extra,
      'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(sdp)}`,
    ].join('\r\n') + '\r\n\r\n' + sdp;
    const first = await this.conn.request(invite(1, []));
    let final = first;
    if (first.status === 407) {
      // the hop-by-hop ACK of a non-2xx final response (RFC 3261 §17.1.1.3)
      const via = first.headers.get('via')?.[0] ?? '';
      this.conn.send([
        `ACK ${target} SIP/2.0`, `Via: ${via}`, 'Max-Forwards: 70', `From: ${header(first, 'from')}`, `To: ${header(first, 'to')}`,
        `Call-ID: ${callId}`, 'CSeq: 1 ACK', 'Content-Length: 0',
      ].join('\r\n') + '\r\n\r\n');
      const auth = digestAuthorization({ challenge: header(first, 'proxy-authenticate') ?? '', method: 'INVITE', uri: target, username: this.ext, password: this.password });
      final = await this.conn.request(invite(2, [`Proxy-Authorization: ${auth}`]), 10_000);
    }
    if ((final.status ?? 0) >= 300) return { status: final.status ?? 0, response: final, dialog: undefined };
    const dialog = callerDialog(final);
    this.conn.send(this.inDialog(dialog, 'ACK', { cseq: dialog.cseq }));
    return { status: final.status ?? 0, response: final, dialog };
  }

  /** A request inside `dialog` (RFC 3261 §12.2.1.1); `cseq` only for ACK (same as the INVITE). */
  inDialog(d: Dialog, method: string, o: { cseq?: number; body?: string; contentType?: string; extraHeaders?: string[]; ruri?: string; routes?: string[] } = {}): string {
    const cseq = o.cseq ?? ++d.cseq;
    const body = o.body ?? '';
    return [
      `${method} ${o.ruri ?? d.remoteTarget} SIP/2.0`, this.#via(), 'Max-Forwards: 70',
      ...(o.routes ?? d.routeSet).map((r) => `Route: ${r}`),
      `From: <${d.localUri}>;tag=${d.localTag}`, `To: <${d.remoteUri}>;tag=${d.remoteTag}`,
      `Call-ID: ${d.callId}`, `CSeq: ${cseq} ${method}`,
      ...(method === 'INVITE' || method === 'UPDATE' ? [`Contact: ${this.contact}`] : []),
      ...(o.extraHeaders ?? []),
      ...(body ? [`Content-Type: ${o.contentType ?? 'application/sdp'}`] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
    ].join('\r\n') + '\r\n\r\n' + body;
  }

  /** Sends a request inside `dialog` and resolves with its final response (an INVITE's 2xx is ACKed). */
  async request(d: Dialog, method: string, o: Parameters<DialogUa['inDialog']>[2] = {}, timeoutMs = 5_000): Promise<SipMessage> {
    const text = this.inDialog(d, method, o);
    const res = await this.conn.request(text, timeoutMs);
    if (method === 'INVITE' && (res.status ?? 0) < 300) {
      this.conn.send(this.inDialog(d, 'ACK', { cseq: Number((header(res, 'cseq') ?? '0').split(' ')[0]) }));
    }
    return res;
  }
}

/** The caller's dialog (early or confirmed) from a response with a To tag (RFC 3261 §12.1.2). */
export function callerDialog(res: SipMessage): Dialog {
  return {
    callId: header(res, 'call-id') ?? '', localTag: tagOf(header(res, 'from') ?? ''), remoteTag: tagOf(header(res, 'to') ?? ''),
    localUri: uriOf(header(res, 'from') ?? ''), remoteUri: uriOf(header(res, 'to') ?? ''),
    remoteTarget: uriOf(header(res, 'contact') ?? ''), routeSet: headerList(res, 'record-route').reverse(),
    cseq: Number((header(res, 'cseq') ?? '1').split(' ')[0]),
  };
}

/** Opens a raw TLS or WSS connection for `ext` and returns a registered DialogUa. */
export async function openDialogUa(
  kind: 'TLS' | 'WSS',
  t: { config: { domain: string; ports: { sipTls: number; admin: number } }; stack: { urls: { wss: string } }; caPem: string },
  opened: RawSipConnection[],
  ext: string,
  password: string,
): Promise<DialogUa> {
  const conn = kind === 'TLS'
    ? await RawSipConnection.openTls({ host: '127.0.0.1', port: t.config.ports.sipTls, ca: t.caPem })
    : await RawSipConnection.openWss({ url: t.stack.urls.wss, ca: t.caPem, origin: `https://127.0.0.1:${t.config.ports.admin}` });
  opened.push(conn);
  const ua = new DialogUa(conn, ext, t.config.domain, password);
  const status = await ua.register();
  if (status !== 200) throw new Error(`REGISTER ${ext} over ${kind}: ${status}`);
  return ua;
}
