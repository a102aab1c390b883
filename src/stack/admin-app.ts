/**
 * Loads the admin API (src/admin-api, owned by ADMIN) when present, else the health-only
 * fallback, and serves it over HTTPS on listen.address:ports.admin.
 *
 * buildApp() returns a Fastify instance without listen(); we own the HTTPS server and hand each
 * request to Fastify's own server handler, so the admin API needs no TLS knowledge.
 */
import { createServer, type Server } from 'node:https';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { SusurroConfig } from '../config/index.ts';
import { REPO_ROOT } from '../config/index.ts';
import type { Db } from '../db/index.ts';
import type { KamailioRpc } from '../signaling/kamailio-rpc.ts';
import type { TurnCli } from '../media-relay/turn-cli.ts';
import type { TurnCredentialIssuer } from '../media-relay/credential-store.ts';
import type { ComponentHealth } from './health.ts';
import { buildFallbackApp } from './fallback-app.ts';
import { NODE_TLS_SERVER_POLICY } from '../tls/policy.ts';

export interface AdminDeps {
  config: SusurroConfig;
  db: Db;
  rpc: KamailioRpc | null;
  turnCli: TurnCli | null;
  turnCredentials: TurnCredentialIssuer;
  health: () => Promise<ComponentHealth[]>;
  logger?: boolean | object;
}

interface AdminApiModule {
  buildApp?: (deps: AdminDeps) => Promise<FastifyInstance>;
  ensureFirstAdmin?: (db: Db) => Promise<{ username: string; password: string } | null>;
}

/** The admin API module if ADMIN's code provides buildApp (index.ts or app.ts). */
export async function loadAdminApi(): Promise<AdminApiModule | null> {
  for (const file of ['index.ts', 'app.ts']) {
    const path = join(REPO_ROOT, 'src', 'admin-api', file);
    if (!existsSync(path)) continue;
    const mod = (await import(pathToFileURL(path).href)) as AdminApiModule;
    if (typeof mod.buildApp === 'function') return mod;
  }
  return null;
}

export interface ServedAdmin {
  app: FastifyInstance;
  server: Server;
  /** true when the real admin API was loaded, false for the health-only fallback. */
  full: boolean;
  close(): Promise<void>;
}

export async function serveAdmin(
  deps: AdminDeps,
  tls: { certFile: string; keyFile: string },
  adminApi: AdminApiModule | null,
): Promise<ServedAdmin> {
  const full = adminApi?.buildApp !== undefined;
  const app = full && adminApi?.buildApp
    ? await adminApi.buildApp(deps)
    : await buildFallbackApp(deps.health, { logger: deps.logger ?? false });
  await app.ready();
  const server = createServer(
    { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), ...NODE_TLS_SERVER_POLICY },
    (req, res) => app.server.emit('request', req, res),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.config.ports.admin, deps.config.listen.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    app,
    server,
    full,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}
