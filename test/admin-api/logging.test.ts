/**
 * Issue 14 item 5: the admin API logs through Fastify's own logger (pino) — and no password, token
 * or TURN credential reaches that log. A run of real requests over the product's HTTPS path
 * (logins right and wrong, account creation with generated and chosen passwords, resets, token use,
 * TURN credentials, an admin password change, headers with cookies) is captured at `debug`, the
 * most verbose level, then grepped for every secret it used. Positive controls: the grep finds a
 * planted secret, and redaction visibly replaced a logged Authorization header.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFirstAdmin } from '../../src/admin-api/index.ts';
import { loadConfig, type SusurroConfig } from '../../src/config/index.ts';
import { migrate, openDatabase, type Db } from '../../src/db/index.ts';
import { openTurnCredentialStore, type TurnCredentialStore } from '../../src/media-relay/credential-store.ts';
import { serveAdmin, type ServedAdmin } from '../../src/stack/admin-app.ts';
import { ensureTlsMaterial } from '../../src/tls/dev-ca.ts';
import { freePort } from '../support/ports.ts';

const dir = mkdtempSync(join(tmpdir(), 'susurro-logging-'));
const lines: string[] = [];
let served: ServedAdmin;
let db: Db;
let config: SusurroConfig;
let ca: string;
let first: { username: string; password: string };
let turnCredentials: TurnCredentialStore;

beforeAll(async () => {
  config = loadConfig({ file: null, env: {}, overrides: { dataDir: dir, ports: { admin: await freePort() } } });
  db = await openDatabase(config.database.url);
  await migrate(db);
  first = (await ensureFirstAdmin(db))!;
  const tls = ensureTlsMaterial(config);
  ca = readFileSync(tls.caFile!, 'utf8');
  turnCredentials = openTurnCredentialStore(config);
  served = await serveAdmin({
    config, db, rpc: null, turnCli: null, turnCredentials, health: async () => [],
    logger: { level: 'debug', stream: { write: (line: string) => void lines.push(line) } },
  }, tls);
});
afterAll(async () => {
  await served?.close();
  turnCredentials?.close();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Reply = { status: number; body: any };
function call(method: string, path: string, body?: unknown, token?: string, extra: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(`https://127.0.0.1:${config.ports.admin}${path}`, {
      method, ca,
      headers: {
        ...(payload ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...extra,
      },
    }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('admin API log', () => {
  const secrets: string[] = [];

  it('carries the requests, and none of the passwords, tokens or TURN credentials they used', async () => {
    secrets.push(first.password);
    expect((await call('POST', '/api/v1/admin/login', { username: 'admin', password: 'Wrong-Guess-Password-1' })).status).toBe(401);
    secrets.push('Wrong-Guess-Password-1');
    const login = await call('POST', '/api/v1/admin/login', { username: 'admin', password: first.password });
    expect(login.status).toBe(200);
    const adminToken = login.body.token as string;
    secrets.push(adminToken);

    const generated = await call('POST', '/api/v1/accounts', { extension: '201', username: 'alice', displayName: 'Alice' }, adminToken,
      { cookie: 'session=Cookie-Secret-Value-77', 'x-api-key': 'not-a-header-we-use' });
    expect(generated.status).toBe(201);
    secrets.push(generated.body.password, 'Cookie-Secret-Value-77');
    const chosen = 'Lantern-Oyster-Canyon-58';
    expect((await call('POST', '/api/v1/accounts', { extension: '202', username: 'bob', displayName: 'Bob', password: chosen }, adminToken)).status).toBe(201);
    secrets.push(chosen);
    expect((await call('POST', '/api/v1/accounts', { extension: '203', username: 'eve', displayName: 'Eve', password: 'Password1234' }, adminToken)).status).toBe(400);
    secrets.push('Password1234');
    const reset = await call('POST', '/api/v1/accounts/201/reset-password', {}, adminToken);
    expect(reset.status).toBe(200);
    secrets.push(reset.body.password);
    const chosenReset = 'Granite-Willow-Falcon-26';
    expect((await call('POST', '/api/v1/accounts/202/reset-password', { password: chosenReset }, adminToken)).status).toBe(200);
    secrets.push(chosenReset);

    const phone = await call('POST', '/api/v1/phone/login', { extension: '201', password: reset.body.password });
    expect(phone.status).toBe(200);
    secrets.push(phone.body.token, phone.body.turn.credential);
    expect((await call('POST', '/api/v1/phone/login', { extension: '202', password: 'Not-Bobs-Password-99' })).status).toBe(401);
    secrets.push('Not-Bobs-Password-99');
    const turn = await call('POST', '/api/v1/phone/turn-credentials', undefined, phone.body.token);
    expect(turn.status).toBe(200);
    secrets.push(turn.body.credential);
    expect((await call('GET', '/api/v1/phone/directory', undefined, phone.body.token)).status).toBe(200);
    expect((await call('GET', '/api/v1/accounts', undefined, adminToken)).status).toBe(200);
    expect((await call('GET', '/api/v1/accounts', undefined, 'A'.repeat(43))).status).toBe(401); // a wrong token is a secret guess too
    secrets.push('A'.repeat(43));

    const mine = 'Copper-Lilac-Summit-62';
    expect((await call('POST', '/api/v1/admin/password', { currentPassword: first.password, newPassword: mine }, adminToken)).status).toBe(204);
    secrets.push(mine);
    const created = await call('POST', '/api/v1/admins', { username: 'bea' }, adminToken);
    expect(created.status).toBe(201);
    secrets.push(created.body.password);

    const log = lines.join('');
    // The log is real: one line per request at least, with method and path.
    expect(lines.length).toBeGreaterThanOrEqual(30); // 15 requests: "incoming request" + "request completed" each
    expect(log).toContain('"path":"/api/v1/phone/turn-credentials"');
    expect(log).toContain('"statusCode":401');
    expect(secrets.length).toBe(16);
    for (const s of secrets) expect([s.slice(0, 6), log.includes(s)]).toEqual([s.slice(0, 6), false]);
    // No header at all is logged, hence no Authorization or Cookie.
    expect(log).not.toMatch(/authorization|cookie|Bearer/i);
  });

  it('positive controls: the grep finds a planted secret; redaction replaces a logged header and password field', () => {
    const planted = secrets[0]!;
    served.app.log.info(`planted ${planted}`);
    served.app.log.info({ headers: { authorization: `Bearer ${secrets[2]}`, cookie: 'session=Cookie-Secret-Value-77' }, body: { password: planted } }, 'redaction probe');
    served.app.log.info({ account: { password: 'Granite-Willow-Falcon-26', token: secrets[2] } }, 'redaction probe 2');
    // A logged request object keeps only method, path, address (the serializer drops headers).
    served.app.log.info({ req: { method: 'GET', url: '/x?token=abc', ip: '127.0.0.1', headers: { authorization: `Bearer ${secrets[2]}` } } }, 'redaction probe 3');
    const log = lines.join('');
    expect(log.includes(planted)).toBe(true); // the plain line: the grep would see a leak
    const probes = lines.filter((l) => l.includes('redaction probe')).map((l) => JSON.parse(l));
    expect(probes[0]).toMatchObject({ headers: { authorization: '[redacted]', cookie: '[redacted]' }, body: '[redacted]' });
    expect(probes[1]).toMatchObject({ account: { password: '[redacted]', token: '[redacted]' } });
    expect(probes[2]).toMatchObject({ req: { method: 'GET', path: '/x', remoteAddress: '127.0.0.1' } });
    expect(lines.filter((l) => l.includes('redaction probe')).join('')).not.toContain(secrets[2]!);
  });
});
