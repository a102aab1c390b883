/**
 * The admin service alone (no Kamailio/coturn processes), over HTTPS:
 *   tsx src/cli/admin-server.ts            config from susurro.config.json / SUSURRO_* env
 * It talks to an already running Kamailio (JSON-RPC) and coturn (CLI) if configured
 * ports answer; revocations report live-action failures otherwise. Useful to run the
 * API on another host than the SIP proxy, and for the crash-safety test (kill -9).
 * Same HTTPS server path and TLS policy as `npm start` (src/stack/admin-app.ts).
 * Prints one JSON line {"ready":true,"url":...} on stdout once listening; the service log
 * (pino JSON lines at `logLevel`, redacted) goes to stderr.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { migrate, openDatabase } from '../db/index.ts';
import { ensureFirstAdmin, firstAdminFile } from '../admin-api/index.ts';
import { KamailioRpc, readKamailioRpcToken } from '../signaling/index.ts';
import { TurnCli, openTurnCredentialStore, readTurnCliPassword } from '../media-relay/index.ts';
import { ensureTlsMaterial } from '../tls/dev-ca.ts';
import { serveAdmin } from '../stack/admin-app.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase(config.database.url);
  await migrate(db);
  const first = await ensureFirstAdmin(db);
  if (first) {
    mkdirSync(dirname(firstAdminFile(config.dataDir)), { recursive: true, mode: 0o700 });
    writeFileSync(firstAdminFile(config.dataDir), JSON.stringify(first, null, 2) + '\n', { mode: 0o600 });
    process.stderr.write(`first administrator created; credentials in ${firstAdminFile(config.dataDir)}\n`);
  }
  const tls = ensureTlsMaterial(config);
  const turnCredentials = openTurnCredentialStore(config);
  const served = await serveAdmin({
    config,
    db,
    rpc: new KamailioRpc(`http://127.0.0.1:${config.ports.jsonrpc}/RPC`, { token: readKamailioRpcToken(config) }),
    turnCli: new TurnCli(config.ports.turnCli, readTurnCliPassword(config)),
    turnCredentials,
    health: async () => [],
    logger: { level: config.logLevel, stream: process.stderr },
  }, tls);
  const url = `https://${config.publicHost}:${config.ports.admin}`;
  process.stdout.write(JSON.stringify({ ready: true, url, pid: process.pid }) + '\n');
  const stop = async () => {
    await served.close();
    turnCredentials.close();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`admin-server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
