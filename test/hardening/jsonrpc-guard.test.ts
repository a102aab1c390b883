/**
 * Issue 13 item 4: Kamailio's JSON-RPC is reachable only by the admin service
 * (kamailio.cfg route[JSONRPC_GUARD]). Real Kamailio, real Chromium, real admin API.
 *
 * Attacks, each asserting 403 AND no effect (a TCP listener standing in for a UA receives no
 * MESSAGE; the ban in htable ipban stays; a probe key never appears; Kamailio stays up):
 *  - a web page in Chromium on the same host: fetch(no-cors, text/plain) of tm.t_uac_start,
 *    the same aimed at a rebinding-style host name, and a text/plain form POST of htable.delete;
 *  - requests without / with a wrong / with a doubled token, with Origin, Referer,
 *    Sec-Fetch-*, a foreign or doubled Host, a non-JSON or doubled Content-Type;
 *  - with the right token: methods off the allow-list, and JSON tricks (duplicate keys, a
 *    differently cased "Method" key, batch arrays, unicode escapes, trailing requests).
 * Positive controls: the admin service's own calls work (health, bans list and lift through
 * the admin API); and a second stack whose rendered script is weakened in this test only —
 * first without the guard (the same browser requests take effect), then without the raw-body
 * rule (the cased-key trick takes effect) — shows each probe sees the attack when the
 * protection is off.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, connect, type Server as TcpServer } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountRow } from '../../src/db/index.ts';
import { readKamailioRpcToken } from '../../src/signaling/rpc-token.ts';
import { adminApiFor } from '../admin-api/live-rig.ts';
import { launchChromium, type LaunchedChromium } from '../support/browser.ts';
import { rawRegister, type RawSipConnection } from '../support/sip-client.ts';
import { openSipTls, startTestStack, type TestStack } from '../support/stack.ts';

const ATTACKER = '127.0.0.2';
const FAILS_MAX = 2;
const stackOptions = [
  { antiflood: { enabled: true, authFailsMax: FAILS_MAX, banSeconds: 300 } },
  { kamailio: { antifloodLoopback: true } },
] as const;

let guarded: TestStack;
let weakened: TestStack;
let chromium: LaunchedChromium;
let evilSite: HttpServer;
let evilPort = 0;
const conns: RawSipConnection[] = [];
const uas: TcpServer[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One raw HTTP/1.1 request, headers exactly as given; resolves with the status code. */
function rawHttp(port: number, headers: [string, string][], body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      const head = [`POST /RPC HTTP/1.1`, ...headers.map(([k, v]) => `${k}: ${v}`), `Content-Length: ${Buffer.byteLength(body)}`, '', ''].join('\r\n');
      s.write(head + body);
    });
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => { got += d; });
    s.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      if (m) resolve(Number(m[1])); else reject(new Error(`no HTTP status line in ${JSON.stringify(got.slice(0, 80))}`));
    });
    s.on('error', reject);
    setTimeout(() => s.destroy(), 3_000);
  });
}

/** Headers exactly as the admin service sends them (src/signaling/kamailio-rpc.ts). */
function serviceHeaders(t: TestStack): [string, string][] {
  return [
    ['Host', `127.0.0.1:${t.config.ports.jsonrpc}`],
    ['Content-Type', 'application/json'],
    ['X-Susurro-Rpc-Token', readKamailioRpcToken(t.config)],
  ];
}

/** A TCP listener standing in for a SIP UA: records every byte it receives. */
async function listeningUa(): Promise<{ port: number; received: () => string }> {
  let data = '';
  const srv = createTcpServer((sock) => sock.on('data', (d) => { data += d.toString('latin1'); }));
  uas.push(srv);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { port: (srv.address() as { port: number }).port, received: () => data };
}

function uacStartBody(t: TestStack, uaPort: number): string {
  return JSON.stringify({
    jsonrpc: '2.0', id: 1, method: 'tm.t_uac_start',
    params: [
      'MESSAGE', `sip:1002@127.0.0.1:${uaPort};transport=tcp`, '.', '.',
      `From: "Director" <sip:1003@${t.config.domain}>;tag=evil1\r\nTo: <sip:1002@${t.config.domain}>\r\nContent-Type: text/plain\r\n`,
      'Your account is locked, call 1003 now',
    ],
  });
}

async function banned(t: TestStack): Promise<boolean> {
  return JSON.stringify(await t.stack.rpc.call('htable.dump', ['ipban'])).includes(ATTACKER);
}

async function ban(t: TestStack): Promise<void> {
  for (let i = 0; i < FAILS_MAX; i++) {
    const c = await openSipTls(t, conns, ATTACKER);
    await rawRegister(c, { ext: '201', domain: t.config.domain, password: `guess-${i}` }).catch(() => undefined);
  }
  expect(await banned(t)).toBe(true);
}

async function authfailKeys(t: TestStack): Promise<string> {
  return JSON.stringify(await t.stack.rpc.call('htable.dump', ['authfail']));
}

/** The evil page: fetch() without CORS and a text/plain form, as any web page can. */
async function browserAttack(t: TestStack, uaPort: number): Promise<void> {
  const page = await chromium.browser.newPage();
  try {
    await page.goto(`http://evil.example:${evilPort}/`);
    const rpcUrls = [`http://127.0.0.1:${t.config.ports.jsonrpc}/RPC`, `http://evil.example:${t.config.ports.jsonrpc}/RPC`];
    await page.evaluate(async ({ urls, body }) => {
      for (const url of urls) {
        await fetch(url, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body }).catch(() => undefined);
      }
    }, { urls: rpcUrls, body: uacStartBody(t, uaPort) });
    // text/plain form: name + "=" + value, so the JSON closes in the value
    const name = JSON.stringify({ jsonrpc: '2.0', method: 'htable.delete', params: ['ipban', ATTACKER], id: 2, pad: '' }).slice(0, -2);
    await page.evaluate(({ action, name }) => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = action;
      form.enctype = 'text/plain';
      const input = document.createElement('input');
      input.name = name;
      input.value = '"}';
      form.appendChild(input);
      document.body.appendChild(form);
      form.submit();
    }, { action: rpcUrls[0]!, name });
    await page.waitForLoadState('load').catch(() => undefined);
    await sleep(800);
  } finally {
    await page.close();
  }
}

const pristine = new Map<string, string>();
/** Rewrites the rendered script (each edit starts from the script as rendered) and restarts Kamailio. */
async function restartKamailioWith(t: TestStack, edit: (cfg: string) => string): Promise<void> {
  const file = t.stack.kamailioFiles.cfgFile;
  if (!pristine.has(file)) pristine.set(file, readFileSync(file, 'utf8'));
  const before = pristine.get(file)!;
  const after = edit(before);
  expect(after).not.toBe(before);
  writeFileSync(file, after);
  await t.stack.kamailio.stop();
  await t.stack.kamailio.start();
  for (let i = 0; i < 50; i++) {
    if (await t.stack.rpc.call('core.version').then(() => true, () => false)) return;
    await sleep(200);
  }
  throw new Error('weakened Kamailio did not come up');
}

beforeAll(async () => {
  [guarded, weakened] = await Promise.all([startTestStack(...stackOptions), startTestStack(...stackOptions)]);
  for (const t of [guarded, weakened]) {
    await createAccountRow(t.stack.db, { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1', domain: t.config.domain });
  }
  evilSite = createHttpServer((_req, res) => res.end('<!doctype html><title>evil</title><body>evil.example</body>'));
  await new Promise<void>((resolve) => evilSite.listen(0, '127.0.0.1', resolve));
  evilPort = (evilSite.address() as { port: number }).port;
  chromium = await launchChromium({ extraArgs: ['--host-resolver-rules=MAP evil.example 127.0.0.1'] });
}, 120_000);

afterAll(async () => {
  for (const c of conns) c.close();
  for (const s of uas) s.close();
  evilSite?.close();
  await chromium?.close();
  await Promise.all([guarded?.stop(), weakened?.stop()]);
});

describe('JSON-RPC guard: a browser page on the server', () => {
  it('fetch(no-cors) of tm.t_uac_start and a form POST of htable.delete are refused and have no effect', async () => {
    await ban(guarded);
    const ua = await listeningUa();
    await browserAttack(guarded, ua.port);
    expect(ua.received()).toBe('');
    expect(await banned(guarded)).toBe(true);
    const log = readFileSync(`${guarded.stack.runDir}/kamailio.log`, 'utf8');
    expect((log.match(/JSON-RPC request from 127\.0\.0\.1 refused/g) ?? []).length).toBeGreaterThanOrEqual(3);
  });
});

describe('JSON-RPC guard: requests that are not the admin service', () => {
  const body = (method: string, params: unknown[] = []) => JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 });
  const setProbe = (key: string) => body('htable.sets', ['authfail', key, 'x']);

  const headerCases: [string, (h: [string, string][]) => [string, string][]][] = [
    ['no token', (h) => h.filter(([k]) => k !== 'X-Susurro-Rpc-Token')],
    ['a wrong token', (h) => h.map(([k, v]) => [k, k === 'X-Susurro-Rpc-Token' ? `${v.slice(0, -1)}0` : v])],
    ['the token twice (one wrong)', (h) => [...h, ['X-Susurro-Rpc-Token', 'f'.repeat(64)]]],
    ['an Origin header', (h) => [...h, ['Origin', 'https://evil.example']]],
    ['Origin: null', (h) => [...h, ['Origin', 'null']]],
    ['a Referer header', (h) => [...h, ['Referer', 'https://evil.example/']]],
    ['Sec-Fetch-Mode', (h) => [...h, ['Sec-Fetch-Mode', 'no-cors']]],
    ['Host evil.example (DNS rebinding)', (h) => h.map(([k, v]) => [k, k === 'Host' ? 'evil.example' : v])],
    ['Host localhost:<port>', (h) => h.map(([k, v]) => [k, k === 'Host' ? `localhost:${v.split(':')[1]}` : v])],
    ['two Host headers', (h) => [...h, ['Host', 'evil.example']]],
    ['Content-Type text/plain', (h) => h.map(([k, v]) => [k, k === 'Content-Type' ? 'text/plain' : v])],
    ['Content-Type with a parameter', (h) => h.map(([k, v]) => [k, k === 'Content-Type' ? 'application/json; charset=utf-8' : v])],
    ['no Content-Type', (h) => h.filter(([k]) => k !== 'Content-Type')],
    ['two Content-Types', (h) => [...h, ['Content-Type', 'text/plain']]],
  ];
  it.each(headerCases)('with %s: 403 and no effect', async (name, change) => {
    const key = `probe-${name.replace(/\W+/g, '-')}`;
    expect(await rawHttp(guarded.config.ports.jsonrpc, change(serviceHeaders(guarded)), setProbe(key))).toBe(403);
    expect(await authfailKeys(guarded)).not.toContain(key);
  });

  const bodyCases: [string, (key: string) => string][] = [
    ['htable.sets (off the allow-list)', (key) => setProbe(key)],
    ['a duplicate "method" key', (key) => `{"jsonrpc":"2.0","method":"core.version","method":"htable.sets","params":["authfail","${key}","x"],"id":1}`],
    ['a "Method" key before "method" (jsonrpcs matches keys case-insensitively)', (key) => `{"jsonrpc":"2.0","Method":"htable.sets","method":"core.version","params":["authfail","${key}","x"],"id":1}`],
    ['a batch array', (key) => `[${setProbe(key)}]`],
    ['a batch array of an allowed and a forbidden call', (key) => `[${body('core.version')},${setProbe(key)}]`],
    ['a unicode-escaped method name', (key) => `{"jsonrpc":"2.0","method":"htable.set\\u0073","params":["authfail","${key}","x"],"id":1}`],
    ['an allowed request followed by a forbidden one', (key) => `${body('core.version')}${setProbe(key)}`],
    ['the method as a number', (key) => `{"jsonrpc":"2.0","method":1,"params":["authfail","${key}","x"],"id":1}`],
    ['a method padded with a space', (key) => `{"jsonrpc":"2.0","method":" htable.sets","params":["authfail","${key}","x"],"id":1}`],
  ];
  it.each(bodyCases)('with the right token and %s: 403 and no effect', async (_name, make) => {
    const key = `probe-${Math.random().toString(36).slice(2)}`;
    expect(await rawHttp(guarded.config.ports.jsonrpc, serviceHeaders(guarded), make(key))).toBe(403);
    expect(await authfailKeys(guarded)).not.toContain(key);
  });

  it('with the right token, methods off the allow-list are refused by the admin service\'s own client too', async () => {
    await expect(guarded.stack.rpc.call('htable.flush', ['ipban'])).rejects.toMatchObject({ code: 'SUSURRO_KAMAILIO_RPC_HTTP' });
    await expect(guarded.stack.rpc.call('ul.dump')).rejects.toMatchObject({ code: 'SUSURRO_KAMAILIO_RPC_HTTP' });
    // the statistics are readable (/metrics), resetting them is not
    await expect(guarded.stack.rpc.call('stats.reset_statistics', ['all'])).rejects.toMatchObject({ code: 'SUSURRO_KAMAILIO_RPC_HTTP' });
    expect(await banned(guarded)).toBe(true);
    // with a body JSON would escape, the client refuses before sending (Kamailio would too)
    expect(() => guarded.stack.rpc.call('ul.lookup', ['location', 'a"b'])).toThrow(TypeError);
    // tm.t_uac_start with the right token, sent raw: refused, nothing reaches the UA
    const ua = await listeningUa();
    expect(await rawHttp(guarded.config.ports.jsonrpc, serviceHeaders(guarded), uacStartBody(guarded, ua.port))).toBe(403);
    await sleep(300);
    expect(ua.received()).toBe('');
    // core.kill last: had it run, Kamailio would be gone
    expect(await rawHttp(guarded.config.ports.jsonrpc, serviceHeaders(guarded), body('core.kill'))).toBe(403);
    await sleep(300);
    expect(await guarded.stack.rpc.call<string>('core.version')).toMatch(/^kamailio 5\.6/);
  });
});

describe('JSON-RPC guard: the admin service still works', () => {
  it('health, the bans list and lifting a ban go through (core.version, htable.dump, htable.delete)', async () => {
    expect((await guarded.stack.health()).every((c) => c.up)).toBe(true);
    const api = await adminApiFor(guarded);
    const list = await api.call('GET', '/api/v1/bans');
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(JSON.stringify(list.body.bans)).toContain(ATTACKER);
    const lift = await api.call('DELETE', `/api/v1/bans/${ATTACKER}`);
    expect(lift.status, JSON.stringify(lift.body)).toBeLessThan(300);
    expect(await banned(guarded)).toBe(false);
    // /metrics reads stats.get_statistics (read-only, on the allow-list)
    const stats = await guarded.stack.rpc.call<string[]>('stats.get_statistics', ['usrloc:']);
    expect(stats).toContain('usrloc:registered_users = 0');
  });
});

describe('positive controls: the same probes on a script weakened in this test only', () => {
  it('without the guard, the browser page delivers the MESSAGE and lifts the ban', async () => {
    await restartKamailioWith(weakened, (cfg) => cfg.replace('\t\troute(JSONRPC_GUARD);\n', ''));
    await ban(weakened);
    const ua = await listeningUa();
    await browserAttack(weakened, ua.port);
    for (let i = 0; i < 20 && !ua.received().includes('MESSAGE sip:1002@'); i++) await sleep(100);
    expect(ua.received()).toContain('MESSAGE sip:1002@');
    expect(ua.received()).toContain('Your account is locked');
    expect(await banned(weakened)).toBe(false);
  });

  it('with the guard but without its raw-body rule, the cased "Method" key runs a forbidden method', async () => {
    await restartKamailioWith(weakened, (cfg) =>
      cfg.replace(/\tif \(\$rb =~ "\[\\\\\]" \|\| [^\n]*\n\t\troute\(JSONRPC_REFUSE\);\n\t\}\n/, ''));
    const trick = (key: string) => `{"jsonrpc":"2.0","Method":"htable.sets","method":"core.version","params":["authfail","${key}","x"],"id":1}`;
    const status = await rawHttp(weakened.config.ports.jsonrpc, serviceHeaders(weakened), trick('probe-cased'));
    expect(status).toBe(200);
    expect(await authfailKeys(weakened)).toContain('probe-cased');
    // and the plain forbidden call is still refused by the allow-list
    expect(await rawHttp(weakened.config.ports.jsonrpc, serviceHeaders(weakened), JSON.stringify({ jsonrpc: '2.0', method: 'htable.sets', params: ['authfail', 'probe-plain', 'x'], id: 1 }))).toBe(403);
  });
});
