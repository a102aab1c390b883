/**
 * serveAdmin: the one HTTPS server path of the admin service (npm start and src/cli/admin-server.ts):
 * the real admin API on a real SQLite database, the shared TLS policy, the development certificate,
 * and the project's error format even for requests that never reach Fastify.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type SusurroConfig } from '../../src/config/index.ts';
import { migrate, openDatabase, type Db } from '../../src/db/index.ts';
import { openTurnCredentialStore, type TurnCredentialStore } from '../../src/media-relay/credential-store.ts';
import { serveAdmin, type ServedAdmin } from '../../src/stack/admin-app.ts';
import type { ComponentHealth } from '../../src/stack/health.ts';
import { ensureTlsMaterial } from '../../src/tls/dev-ca.ts';
import { freePort } from '../support/ports.ts';

const dir = mkdtempSync(join(tmpdir(), 'susurro-admin-app-'));
let served: ServedAdmin | undefined;
let db: Db;
let config: SusurroConfig;
let ca: string;
let turnCredentials: TurnCredentialStore;
let components: ComponentHealth[] = [{ name: 'kamailio', up: true, detail: 'kamailio 5.6.3' }, { name: 'turn', up: true }];

beforeAll(async () => {
  config = loadConfig({ file: null, env: {}, overrides: { dataDir: dir, ports: { admin: await freePort() } } });
  db = await openDatabase(config.database.url);
  await migrate(db);
  const tls = ensureTlsMaterial(config);
  ca = readFileSync(tls.caFile as string, 'utf8');
  turnCredentials = openTurnCredentialStore(config);
  served = await serveAdmin({ config, db, rpc: null, turnCli: null, turnCredentials, health: async () => components }, tls);
});
afterAll(async () => {
  await served?.close();
  turnCredentials?.close();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request(`https://127.0.0.1:${config.ports.admin}${path}`, { ca }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    }).on('error', reject).end();
  });
}

/** Raw bytes over TLS: what a client sends that no HTTP library would. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: config.ports.admin, ca, servername: 'localhost' }, () => s.end(bytes));
    let out = '';
    s.on('data', (d) => { out += d; });
    s.on('end', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(5_000, () => { s.destroy(); resolve(out); });
  });
}

describe('serveAdmin', () => {
  it('serves the real admin API: /health 200 when all components are up, 503 otherwise, no details without a token', async () => {
    const ok = await get('/health');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ status: 'ok', localTrial: true, components: [{ name: 'kamailio', up: true }, { name: 'turn', up: true }, { name: 'database', up: true }] });
    components = [{ name: 'kamailio', up: false, detail: 'process restarting' }, { name: 'turn', up: true }];
    const degraded = await get('/health');
    expect(degraded.status).toBe(503);
    expect(JSON.parse(degraded.body).status).toBe('degraded');
    expect((await get('/api/v1/accounts')).status).toBe(401); // the full API, not a health-only app
  });

  it('a malformed URL over the wire: the project format, not FST_ERR_BAD_URL', async () => {
    const r = await get('/api/v1/accounts/%zz');
    expect([r.status, JSON.parse(r.body).code, r.headers['cache-control']]).toEqual([400, 'SUSURRO_API_BAD_REQUEST', 'no-store']);
  });

  it('an HTTP request that does not parse (never reaches Fastify): the project format too', async () => {
    const res = await raw('GET /health HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n');
    expect(res).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const body = JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4));
    expect(body).toEqual({ statusCode: 400, code: 'SUSURRO_API_BAD_REQUEST', error: 'Bad Request', message: 'malformed request: the HTTP request does not parse' });
    // Positive control: the same connection path with a well-formed request is answered normally.
    expect(await raw('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 (200|503) /);
  });

  it('uses the shared TLS policy: TLS 1.1 and CBC suites refused, TLS 1.2 ECDHE-GCM accepted', async () => {
    const hs = (opts: Record<string, unknown>) => new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: config.ports.admin, ca, servername: 'localhost', ...opts }, () => {
        resolve(`ok ${s.getProtocol()} ${s.getCipher().name}`);
        s.destroy();
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(`refused ${e.code ?? e.message}`));
    });
    expect(await hs({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).toMatch(/^refused/);
    expect(await hs({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA' })).toMatch(/^refused/);
    expect(await hs({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).toBe('ok TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256');
  });
});
