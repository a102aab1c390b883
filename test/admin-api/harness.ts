import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig, type SusurroConfig } from '../../src/config/index.ts';
import { migrate, openDatabase, type Db } from '../../src/db/index.ts';
import { TurnCredentialStore } from '../../src/media-relay/credential-store.ts';
import { buildApp, ensureFirstAdmin, type AppDeps, type AppOptions } from '../../src/admin-api/index.ts';

/**
 * A real admin service (real Fastify, real database) for inject() tests. The clock
 * is a mutable value so tests can expire tokens without waiting.
 */
export interface Harness {
  app: FastifyInstance;
  db: Db;
  config: SusurroConfig;
  dir: string;
  clock: { now: number };
  first: { username: string; password: string };
  adminToken: string;
  call(method: string, url: string, opts?: { token?: string | null; body?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}


export async function startHarness(
  dbUrl: ((dir: string) => string) | null,
  extra: { options?: Partial<AppOptions>; deps?: Partial<AppDeps> } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'susurro-admin-'));
  const config = loadConfig({
    env: {},
    file: null,
    overrides: { dataDir: dir, ...(dbUrl ? { database: { url: dbUrl(dir) } } : {}) },
  });
  const db = await openDatabase(config.database.url);
  try {
    await migrate(db);
    const first = (await ensureFirstAdmin(db))!;
    const clock = { now: Date.parse('2026-11-22T00:00:00Z') };
    const turnCredentials = TurnCredentialStore.open(config.turn.credentialsDb, config.domain, { now: () => clock.now });
    const app = await buildApp({
      config,
      db,
      rpc: null,
      turnCli: null,
      turnCredentials,
      health: async () => [],
      ...extra.deps,
      options: { now: () => new Date(clock.now), softphoneDir: null, ...extra.options },
    });
    const h: Harness = {
      app,
      db,
      config,
      dir,
      clock,
      first,
      adminToken: '',
      call: (method, url, opts = {}) => {
        const token = opts.token === undefined ? h.adminToken : opts.token;
        return app.inject({
          method: method as 'GET',
          url,
          headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...opts.headers },
          ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
        });
      },
      close: async () => {
        await app.close();
        turnCredentials.close();
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    const login = await h.call('POST', '/api/v1/admin/login', { token: null, body: first });
    if (login.statusCode !== 200) throw new Error(`first admin login failed: ${login.body}`);
    h.adminToken = login.json().token;
    return h;
  } catch (err) {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The stored rows of a TURN credential the harness's app issued (read-only, a second handle). */
export function turnRows(h: Harness, username: string): unknown[] {
  const db = new DatabaseSync(h.config.turn.credentialsDb, { readOnly: true });
  try {
    return db.prepare('SELECT hmackey, account, scope, expires_at FROM susurro_turn_credential WHERE name = ?').all(username);
  } finally {
    db.close();
  }
}
