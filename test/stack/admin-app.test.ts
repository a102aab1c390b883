/**
 * serveAdmin: our HTTPS server (TLS policy, dev certificate) in front of a Fastify app; with no
 * admin API module it serves the health-only fallback (200 ok / 503 degraded).
 */
import { openTurnCredentialStore } from '../../src/media-relay/credential-store.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { serveAdmin, type ServedAdmin } from '../../src/stack/admin-app.ts';
import type { ComponentHealth } from '../../src/stack/health.ts';
import { ensureTlsMaterial } from '../../src/tls/dev-ca.ts';
import { freePort } from '../support/ports.ts';

const dir = mkdtempSync(join(tmpdir(), 'susurro-admin-app-'));
let served: ServedAdmin | undefined;
afterAll(async () => {
  await served?.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
}

describe('serveAdmin with the health-only fallback', () => {
  it('answers /health over HTTPS: 200 when all components are up, 503 otherwise', async () => {
    const config = loadConfig({ file: null, env: {}, overrides: { dataDir: dir, ports: { admin: await freePort() } } });
    const tls = ensureTlsMaterial(config);
    let components: ComponentHealth[] = [{ name: 'kamailio', up: true }, { name: 'turn', up: true }, { name: 'database', up: true }];
    served = await serveAdmin(
      { config, db: null as never, rpc: null, turnCli: null, turnCredentials: openTurnCredentialStore(config), health: async () => components },
      tls,
      null,
    );
    expect(served.full).toBe(false);
    const ca = readFileSync(tls.caFile as string, 'utf8');
    const url = `https://127.0.0.1:${config.ports.admin}/health`;
    const ok = await get(url, ca);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ status: 'ok', components });
    components = [{ name: 'kamailio', up: false, detail: 'process restarting' }, { name: 'turn', up: true }, { name: 'database', up: true }];
    const degraded = await get(url, ca);
    expect(degraded.status).toBe(503);
    expect(JSON.parse(degraded.body).status).toBe('degraded');
  });
});
