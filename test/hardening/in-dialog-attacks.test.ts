/**
 * Issue #13 item 1 and item 6 (Kamailio parts): attacks on the proxy's in-dialog side doors,
 * each sent over SIP/TLS and over SIP/WSS to the real Kamailio, each asserting the refusal and
 * that nothing reached the victim (registered scripted user agents record everything they
 * receive; the "foreign host" of the open-relay attack is a TCP listener on 127.0.0.7 that
 * counts connections and bytes). The positive controls at the end restart Kamailio with the
 * rendered config minus one guard (weakened-kamailio.ts) and show the same attack getting
 * through: the probes can see what they claim did not happen.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountRow } from '../../src/db/index.ts';
import { RawSipConnection, dtlsSdp, header, type SipMessage } from '../support/sip-client.ts';
import { openDialogUa, type Dialog, type DialogUa } from '../support/sip-dialog-ua.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { restartKamailio, weaken } from './weakened-kamailio.ts';

type Kind = 'TLS' | 'WSS';
let t: TestStack;
let opened: RawSipConnection[] = [];
let foreign: Server;
let foreignPort: number;
const foreignSeen = { connections: 0, bytes: 0 };
const pw = (ext: string) => `attack-test-${ext}-pw`;
const ALLOWED_IN_DIALOG = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'UPDATE', 'PRACK'];

beforeAll(async () => {
  t = await startTestStack();
  for (const ext of ['401', '402', '403', '404', '405', '406']) {
    await createAccountRow(t.stack.db, { extension: ext, username: `a${ext}`, displayName: `A${ext}`, password: pw(ext), domain: t.config.domain });
  }
  foreign = createServer((sock) => {
    foreignSeen.connections++;
    sock.on('data', (d) => (foreignSeen.bytes += d.length));
    sock.on('error', () => {});
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.7', resolve));
  foreignPort = (foreign.address() as { port: number }).port;
}, 60_000);
afterAll(async () => {
  for (const c of opened) c.close();
  await new Promise((r) => foreign?.close(r));
  await t?.stop();
});

const domain = () => t.config.domain;
const listenerPort = (k: Kind) => (k === 'TLS' ? t.config.ports.sipTls : t.config.ports.wss);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Requests (not replies) a user agent received. */
const requestsTo = (ua: DialogUa) => ua.conn.log.filter((m) => m.method !== undefined);

async function attackerConn(kind: Kind): Promise<RawSipConnection> {
  const c = kind === 'TLS'
    ? await RawSipConnection.openTls({ host: '127.0.0.1', port: t.config.ports.sipTls, ca: t.caPem })
    : await RawSipConnection.openWss({ url: t.stack.urls.wss, ca: t.caPem, origin: `https://127.0.0.1:${t.config.ports.admin}` });
  opened.push(c);
  return c;
}

/** The victim's contact as the proxy knows it: its connection, with the RFC 7118 alias. */
function victimRuris(v: DialogUa): string[] {
  const { localPort } = v.conn;
  const [transport, proto] = v.conn.transport === 'TLS' ? ['tls', 3] : ['ws', 6];
  return [
    `sip:${v.ext}@127.0.0.1:${localPort};transport=${transport};alias=127.0.0.1~${localPort}~${proto}`,
    `sip:${v.ext}@127.0.0.1:${localPort};transport=${transport}`,
  ];
}

function proxyRoutes(kind: Kind): string[][] {
  return [
    [`<sip:127.0.0.1:${listenerPort(kind)};transport=${kind === 'TLS' ? 'tls' : 'ws'};lr>`],
    [`<sip:${domain()};lr>`],
    // a guessed dialog identifier of the dialog module (rr "did" parameter)
    [`<sip:127.0.0.1:${listenerPort(kind)};transport=${kind === 'TLS' ? 'tls' : 'ws'};lr;ftag=abcd;did=1a.2b>`],
  ];
}

interface Forged { method: string; ruri: string; routes: string[]; compact?: boolean; from?: string; body?: string }

/** A hand-made in-dialog request (To-tag) from a connection that never authenticated. */
function forged(conn: RawSipConnection, o: Forged): string {
  const n = (long: string, short: string) => (o.compact ? short : long);
  const body = o.body ?? (o.method === 'MESSAGE' ? 'Your account is locked, call 1003 now' : '');
  const via = conn.transport === 'WSS' ? `${randomBytes(4).toString('hex')}.invalid` : `${conn.localHost}:${conn.localPort}`;
  return [
    `${o.method} ${o.ruri} SIP/2.0`,
    `${n('Via', 'v')}: SIP/2.0/${conn.transport} ${via};branch=z9hG4bK${randomBytes(8).toString('hex')};rport`,
    'Max-Forwards: 70',
    ...o.routes.map((r) => `${o.compact ? 'route' : 'Route'}: ${r}`),
    `${n('From', 'f')}: ${o.from ?? `"Director" <sip:1003@${domain()}>`};tag=${randomBytes(4).toString('hex')}`,
    `${n('To', 't')}: <${o.ruri.split(';')[0]}>;tag=${randomBytes(4).toString('hex')}`,
    `${n('Call-ID', 'i')}: attack-${randomBytes(6).toString('hex')}`,
    `CSeq: 7 ${o.method}`,
    `${n('Contact', 'm')}: <sip:1003@${via};transport=${conn.transport === 'WSS' ? 'ws' : 'tls'}>`,
    ...(body ? [`${n('Content-Type', 'c')}: ${o.method === 'MESSAGE' ? 'text/plain' : 'application/sdp'}`] : []),
    `${n('Content-Length', 'l')}: ${Buffer.byteLength(body)}`,
  ].join('\r\n') + '\r\n\r\n' + body;
}

/** Sends and returns the final reply (undefined for ACK, which gets none). */
async function send(conn: RawSipConnection, text: string, method: string, lenient = false): Promise<SipMessage | undefined> {
  if (method === 'ACK' || method === 'CANCEL') {
    // no reply: an ACK is absorbed, a CANCEL matching no transaction is dropped
    conn.send(text);
    return undefined;
  }
  // positive controls (lenient): a relayed request may get no reply in time; what counts
  // there is what the victim received
  return lenient ? conn.request(text, 1_000).catch(() => undefined) : conn.request(text, 4_000);
}

const ATTACK_METHODS = ['INVITE', 'BYE', 'UPDATE', 'PRACK', 'ACK', 'CANCEL', 'MESSAGE', 'NOTIFY', 'OPTIONS', 'INFO', 'REFER', 'SUBSCRIBE', 'PUBLISH'];
const bodyFor = (method: string) => (method === 'INVITE' || method === 'UPDATE' ? dtlsSdp() : undefined);

/** Every forged in-dialog request at both victims from both attacker transports; the replies. */
async function attackVictims(victims: DialogUa[], methods: string[], lenient = false): Promise<{ label: string; method: string; reply: SipMessage | undefined }[]> {
  const out: { label: string; method: string; reply: SipMessage | undefined }[] = [];
  for (const kind of ['TLS', 'WSS'] as const) {
    const conn = await attackerConn(kind);
    for (const v of victims) {
      for (const ruri of victimRuris(v)) {
        for (const routes of proxyRoutes(kind)) {
          for (const method of methods) {
            for (const compact of [false, true]) {
              const body = bodyFor(method);
              const reply = await send(conn, forged(conn, { method, ruri, routes, compact, ...(body ? { body } : {}) }), method, lenient);
              out.push({ label: `${kind}→${v.conn.transport} ${method} ${compact ? 'compact' : 'long'} ${ruri} ${routes.join(',')}`, method, reply });
            }
          }
        }
      }
    }
  }
  return out;
}

async function victimsPair(): Promise<DialogUa[]> {
  return [await openDialogUa('TLS', t, opened, '401', pw('401')), await openDialogUa('WSS', t, opened, '402', pw('402'))];
}

/** Forged requests towards a foreign host:port;transport=tls over both attacker transports. */
async function attackForeignHost(methods: string[], lenient = false): Promise<(SipMessage | undefined)[]> {
  const replies: (SipMessage | undefined)[] = [];
  const target = `sip:someone@127.0.0.7:${foreignPort};transport=tls`;
  for (const kind of ['TLS', 'WSS'] as const) {
    const conn = await attackerConn(kind);
    for (const routes of [...proxyRoutes(kind), [...(proxyRoutes(kind)[0] as string[]), `<${target.replace('someone@', '')};lr>`]]) {
      for (const ruri of [target, `sip:someone@${domain()}`]) {
        if (ruri !== target && routes.length === 1) continue;
        for (const method of methods) {
          const body = bodyFor(method);
          replies.push(await send(conn, forged(conn, { method, ruri, routes, ...(body ? { body } : {}) }), method, lenient));
        }
      }
    }
  }
  return replies;
}

/** An established call caller → callee, with both dialogs. */
async function establish(caller: DialogUa, callee: DialogUa, extraHeaders: string[] = []) {
  const { status, dialog, response } = await caller.call(`sip:${callee.ext}@${domain()}`, dtlsSdp(), extraHeaders);
  expect(status).toBe(200);
  if (!dialog) throw new Error('no dialog');
  const calleeDialog = callee.answered.get(dialog.callId);
  if (!calleeDialog) throw new Error('callee has no dialog');
  await callee.conn.waitFor((m) => m.method === 'ACK' && header(m, 'call-id') === dialog.callId);
  return { dialog, calleeDialog, response };
}

const MESSAGING = ['MESSAGE', 'REFER', 'NOTIFY', 'INFO', 'SUBSCRIBE', 'PUBLISH', 'OPTIONS'];

describe('no dialog of the proxy: forged in-dialog requests from connections that never logged in', () => {
  it('reach no registered user (victim alias or address in the R-URI, Route naming the proxy, long and compact headers)', async () => {
    const victims = await victimsPair();
    const results = await attackVictims(victims, ATTACK_METHODS);
    expect(results.length).toBe(2 * 2 * 2 * 3 * ATTACK_METHODS.length * 2);
    for (const r of results) {
      // ACK and CANCEL get no reply: for them what counts is that the victims received nothing
      if (r.method === 'ACK' || r.method === 'CANCEL') continue;
      if (ALLOWED_IN_DIALOG.includes(r.method)) {
        expect(r.reply?.status, r.label).toBe(481);
      } else {
        expect(r.reply?.status, r.label).toBe(405);
        expect(header(r.reply as SipMessage, 'allow'), r.label).toBe(ALLOWED_IN_DIALOG.join(', '));
      }
    }
    await wait(500);
    for (const v of victims) expect(requestsTo(v).map((m) => m.method), `victim over ${v.conn.transport}`).toEqual([]);
  });

  it('never make the proxy connect to a foreign host:port;transport=tls (no open relay)', async () => {
    const before = { ...foreignSeen };
    const replies = await attackForeignHost(['OPTIONS', 'INVITE', 'MESSAGE', 'BYE', 'ACK', 'UPDATE']);
    for (const r of replies) if (r) expect([405, 481]).toContain(r.status);
    await wait(500);
    expect(foreignSeen).toEqual(before);
    expect(foreignSeen).toEqual({ connections: 0, bytes: 0 });
  });
});

describe('inside a real call', () => {
  for (const [a, b] of [['TLS', 'WSS'], ['WSS', 'TLS']] as const) {
    it(`${a} caller ↔ ${b} callee: MESSAGE, REFER, NOTIFY, INFO, SUBSCRIBE, PUBLISH, OPTIONS refused with 405 both ways; BYE, re-INVITE and UPDATE still work`, async () => {
      const caller = await openDialogUa(a, t, opened, '403', pw('403'));
      const callee = await openDialogUa(b, t, opened, '404', pw('404'));
      const { dialog, calleeDialog } = await establish(caller, callee);
      for (const method of MESSAGING) {
        const r1 = await caller.request(dialog, method, method === 'MESSAGE' ? { body: 'hi', contentType: 'text/plain' } : {});
        expect(r1.status, `${method} caller→callee`).toBe(405);
        expect(header(r1, 'allow')).toBe(ALLOWED_IN_DIALOG.join(', '));
        expect((await callee.request(calleeDialog, method)).status, `${method} callee→caller`).toBe(405);
      }
      expect((await caller.request(dialog, 'INVITE', { body: dtlsSdp() })).status).toBe(200);
      expect((await callee.request(calleeDialog, 'UPDATE', { body: dtlsSdp() })).status).toBe(200);
      expect((await callee.request(calleeDialog, 'BYE')).status).toBe(200);
      await wait(300);
      const got = (ua: DialogUa) => requestsTo(ua).filter((m) => header(m, 'call-id') === dialog.callId).map((m) => m.method);
      expect(got(callee)).toEqual(['INVITE', 'ACK', 'INVITE', 'ACK']);
      expect(got(caller)).toEqual(['UPDATE', 'BYE']);
      caller.conn.close();
      callee.conn.close();
    });

    it(`${a} caller ↔ ${b} callee: the dialog's exact Call-ID, tags and route set from another connection → 403, nothing reaches either party`, async () => {
      const caller = await openDialogUa(a, t, opened, '405', pw('405'));
      const callee = await openDialogUa(b, t, opened, '406', pw('406'));
      const { dialog, calleeDialog } = await establish(caller, callee);
      for (const kind of ['TLS', 'WSS'] as const) {
        const conn = await attackerConn(kind);
        // the same dialog state, written by the attacker's own copy of each party
        for (const d of [dialog, calleeDialog]) {
          for (const method of ['BYE', 'INVITE', 'UPDATE']) {
            const forgedParty = { ...d, routeSet: [...d.routeSet] };
            const text = caller.inDialog(forgedParty, method, method === 'BYE' ? {} : { body: dtlsSdp() });
            const r = await conn.request(text.replace(/^Via: SIP\/2\.0\/\w+ [^;]+/m, `Via: SIP/2.0/${kind} ${conn.localHost}:${conn.localPort}`));
            expect(r.status, `${kind} ${method} as ${d === dialog ? 'caller' : 'callee'}`).toBe(403);
          }
        }
      }
      await wait(300);
      const got = (ua: DialogUa) => requestsTo(ua).filter((m) => header(m, 'call-id') === dialog.callId).map((m) => m.method);
      expect(got(callee)).toEqual(['INVITE', 'ACK']);
      expect(got(caller)).toEqual([]);
      // the call is intact
      expect((await caller.request(dialog, 'BYE')).status).toBe(200);
      caller.conn.close();
      callee.conn.close();
    });
  }
});

const FORGED_IDENTITY = (d: string) => [
  `P-Asserted-Identity: "Director" <sip:1003@${d}>`,
  `p-asserted-identity: <sip:1003@${d}>`,
  `P-Preferred-Identity: <sip:1003@${d}>`,
  `Remote-Party-ID: "Director" <sip:1003@${d}>;party=calling;screen=yes;privacy=off`,
  `remote-party-id: <sip:1003@${d}>;party=calling`,
  'Identity: eyJhbGciOiJFUzI1NiJ9.forged.sig;info=<https://evil.example/cert>',
  'y: eyJhbGciOiJFUzI1NiJ9.forged.sig',
  `P-Called-Party-ID: <sip:1003@${d}>`,
];
const NAMES = /^(p-asserted-identity|p-preferred-identity|remote-party-id|identity|y|p-called-party-id|identity-info)\s*:/im;

async function identityCall(a: Kind, b: Kind) {
  const caller = await openDialogUa(a, t, opened, '403', pw('403'));
  const callee = await openDialogUa(b, t, opened, '404', pw('404'));
  callee.answerHeaders = FORGED_IDENTITY(domain());
  const { dialog, calleeDialog, response } = await establish(caller, callee, FORGED_IDENTITY(domain()));
  const invite = requestsTo(callee).find((m) => m.method === 'INVITE' && header(m, 'call-id') === dialog.callId) as SipMessage;
  const reinvite = await caller.request(dialog, 'INVITE', { body: dtlsSdp(), extraHeaders: FORGED_IDENTITY(domain()) });
  const reinviteSeen = requestsTo(callee).filter((m) => m.method === 'INVITE' && header(m, 'call-id') === dialog.callId)[1] as SipMessage;
  await callee.request(calleeDialog, 'BYE');
  caller.conn.close();
  callee.conn.close();
  return { invite, response, reinvite, reinviteSeen };
}
const heads = (m: SipMessage) => m.raw.split('\r\n\r\n')[0] as string;

describe('identity headers', () => {
  for (const [a, b] of [['TLS', 'WSS'], ['WSS', 'TLS']] as const) {
    it(`${a} → ${b}: P-Asserted-Identity, P-Preferred-Identity, Remote-Party-ID, Identity (any spelling) from clients are removed in requests and replies; the proxy asserts the authenticated caller`, async () => {
      const { invite, response, reinvite, reinviteSeen } = await identityCall(a, b);
      expect(heads(invite)).not.toContain('1003');
      expect(invite.headers.get('p-asserted-identity')).toEqual([`<sip:403@${domain()}>`]);
      expect(heads(invite).split('\r\n').filter((l) => NAMES.test(l))).toEqual([`P-Asserted-Identity: <sip:403@${domain()}>`]);
      expect(heads(response)).not.toContain('1003');
      expect(heads(response).split('\r\n').filter((l) => NAMES.test(l))).toEqual([]);
      expect(reinvite.status).toBe(200);
      expect(heads(reinviteSeen)).not.toContain('1003');
      expect(heads(reinvite)).not.toContain('1003');
    });
  }
});

async function optionsOn(port: number): Promise<SipMessage | 'closed'> {
  const conn = await RawSipConnection.openTls({ host: '127.0.0.1', port, ca: t.caPem });
  opened.push(conn);
  const text = [
    `OPTIONS sip:${domain()} SIP/2.0`, `Via: SIP/2.0/TLS ${conn.localHost}:${conn.localPort};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
    'Max-Forwards: 70', `From: <sip:probe@${domain()}>;tag=1`, `To: <sip:${domain()}>`, `Call-ID: ka-${randomBytes(6).toString('hex')}`,
    'CSeq: 1 OPTIONS', 'Content-Length: 0',
  ].join('\r\n') + '\r\n\r\n';
  try {
    return await conn.request(text, 2_000);
  } catch {
    return 'closed';
  }
}

describe('OPTIONS keepalive', () => {
  it('plain SIP/TLS on the WSS port gets no 200 Keepalive; on the SIP/TLS port it does', async () => {
    const onWss = await optionsOn(t.config.ports.wss);
    expect(onWss === 'closed' ? 'closed' : onWss.status).not.toBe(200);
    const onSip = await optionsOn(t.config.ports.sipTls);
    expect(onSip === 'closed' ? 'closed' : `${onSip.status} ${onSip.reason}`).toBe('200 Keepalive');
  });
});

describe('positive controls: the same attacks with one guard removed from the rendered config', () => {
  afterAll(() => restartKamailio(t));
  const fresh = () => { for (const c of opened) c.close(); opened = []; };

  it('without the dialog guards (DLG_KNOWN, DLG_PARTY, DLG_TARGET → plain alias routing) the forged requests reach the victims and the foreign host', async () => {
    await restartKamailio(t, (cfg) => weaken(weaken(weaken(cfg, '\troute(DLG_KNOWN);\n'), '\troute(DLG_PARTY);\n'), '\troute(DLG_TARGET);\n', '\thandle_ruri_alias();\n'));
    fresh();
    const victims = await victimsPair();
    await attackVictims(victims, ['INVITE', 'BYE'], true);
    await wait(500);
    for (const v of victims) expect(requestsTo(v).length, `victim over ${v.conn.transport}`).toBeGreaterThan(0);
    await attackForeignHost(['INVITE'], true);
    await wait(1_000);
    expect(foreignSeen.connections).toBeGreaterThan(0);
    expect(foreignSeen.bytes).toBeGreaterThan(0);
  });

  it('without DLG_METHODS a MESSAGE inside the call reaches the callee', async () => {
    await restartKamailio(t, (cfg) => weaken(cfg, '\troute(DLG_METHODS);\n'));
    fresh();
    const caller = await openDialogUa('TLS', t, opened, '403', pw('403'));
    const callee = await openDialogUa('WSS', t, opened, '404', pw('404'));
    const { dialog } = await establish(caller, callee);
    expect((await caller.request(dialog, 'MESSAGE', { body: 'hi', contentType: 'text/plain' })).status).toBe(200);
    expect(requestsTo(callee).map((m) => m.method)).toContain('MESSAGE');
  });

  it("without the connection check of DLG_PARTY another connection's BYE reaches the callee", async () => {
    await restartKamailio(t, (cfg) => weaken(cfg, 'if ($var(conn) != $var(party_conn)) {', 'if ($var(conn) == "weakened") {'));
    fresh();
    const caller = await openDialogUa('TLS', t, opened, '403', pw('403'));
    const callee = await openDialogUa('WSS', t, opened, '404', pw('404'));
    const { dialog } = await establish(caller, callee);
    const conn = await attackerConn('TLS');
    const text = caller.inDialog({ ...dialog }, 'BYE');
    expect((await conn.request(text)).status).toBe(200);
    expect(requestsTo(callee).map((m) => m.method)).toContain('BYE');
  });

  it('without IDENTITY_STRIP the forged identities reach the callee and the caller', async () => {
    await restartKamailio(t, (cfg) => weaken(cfg, 'route(IDENTITY_STRIP);', '', 2));
    fresh();
    const { invite, response } = await identityCall('TLS', 'WSS');
    expect(heads(invite)).toContain('sip:1003@');
    expect(heads(response)).toContain('sip:1003@');
  });

  it('with the keepalive answered before the listener check (the old order) plain TLS on the WSS port gets 200 Keepalive', async () => {
    await restartKamailio(t, (cfg) => weaken(cfg, '\troute(LISTENERS);\n', '\troute(KEEPALIVE);\n\troute(LISTENERS);\n'));
    fresh();
    const onWss = await optionsOn(t.config.ports.wss);
    expect(onWss === 'closed' ? 'closed' : `${onWss.status} ${onWss.reason}`).toBe('200 Keepalive');
  });
});
