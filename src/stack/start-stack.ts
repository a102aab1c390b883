/**
 * Starts the whole susurro stack in the foreground process tree and returns a handle to stop it.
 *
 *   certs → secrets → database (+ migrate) → first admin → kamailio config check → kamailio up
 *   → turn up → chat (prosody) up → admin API up → chat accounts reconciled
 *
 * Every step is idempotent: a second start reuses the CA, the secrets and the database. Used by
 * `npm start` (src/cli/start.ts) and by integration tests (test/support/stack.ts) with a temp
 * dataDir and free ports.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import type { SusurroConfig } from '../config/index.ts';
import { openDatabase, migrate, type Db } from '../db/index.ts';
import { scheduleLogRotation } from './log-retention.ts';
import { ensureTlsMaterial, requiredNames, type TlsMaterial } from '../tls/dev-ca.ts';
import { renderKamailioConfig, type KamailioFeatures, type RenderedKamailio } from '../signaling/render.ts';
import { KamailioRpc } from '../signaling/kamailio-rpc.ts';
import { readKamailioRpcToken } from '../signaling/rpc-token.ts';
import { ensureSecretFile, readTurnCliPassword } from '../media-relay/secrets.ts';
import { metricsTokenFile } from '../admin-api/metrics.ts';
import { openTurnCredentialStore, type TurnCredentialStore } from '../media-relay/credential-store.ts';
import { writeTurnConfig } from '../media-relay/turn-config.ts';
import { TurnCli } from '../media-relay/turn-cli.ts';
import { turnUrls } from '../media-relay/turn-urls.ts';
import { stunBinding } from '../media-relay/stun-probe.ts';
import { ManagedProcess } from './managed-process.ts';
import { chatHealth, databaseHealth, kamailioHealth, turnHealth, type ComponentHealth } from './health.ts';
import { startProsody, type ManagedProsody } from '../chat/prosody-process.ts';
import { serveAdmin, type ServedAdmin } from './admin-app.ts';
import { ensureFirstAdmin } from '../admin-api/index.ts';
import type { AdminLogOptions } from '../admin-api/logger.ts';
import { portsInUse } from './port-check.ts';

const execFileAsync = promisify(execFile);

export class StackError extends Error {
  readonly code: 'SUSURRO_STACK_KAMAILIO_CONFIG' | 'SUSURRO_STACK_START_TIMEOUT' | 'SUSURRO_STACK_PROCESS_EXITED' | 'SUSURRO_STACK_PORT_IN_USE';
  constructor(code: StackError['code'], message: string) {
    super(message);
    this.name = 'StackError';
    this.code = code;
  }
}

export type StackStep =
  | 'certs' | 'secrets' | 'database' | 'first-admin' | 'kamailio-config' | 'kamailio' | 'turn' | 'chat' | 'admin-api';

export interface StartStackOptions {
  onProgress?: (step: StackStep, message: string) => void;
  /** Kamailio script features; override config.antiflood (tests: antifloodLoopback). */
  kamailio?: KamailioFeatures;
  /** The admin API's log (pino, redacted). Default none; `npm start` passes `{ level: config.logLevel }`. */
  logger?: AdminLogOptions | false;
  /** Restart policy for kamailio/turnserver (tests shorten the backoff). */
  restart?: { maxRestarts?: number; restartWindowMs?: number; initialBackoffMs?: number };
  /** Per-step readiness timeout. Default 20 s. */
  readyTimeoutMs?: number;
  /** Directory of the kamailio.cfg/tls.cfg/sdp-policy.lua templates. Default kamailio-config/
   *  (tests render a deliberately weakened copy as the positive control of an attack). */
  kamailioTemplateDir?: string;
}

export interface StackUrls {
  /** The softphone (served by the admin API at "/"). */
  softphone: string;
  /** The admin page. */
  admin: string;
  health: string;
  wss: string;
  sipTls: string;
  /** Loopback-only Kamailio JSON-RPC endpoint. */
  jsonrpc: string;
  turn: string[];
  /** XMPP client-to-server: STARTTLS (required) and direct TLS. */
  xmpp: { starttls: string; directTls: string };
}

export interface RunningStack {
  config: SusurroConfig;
  urls: StackUrls;
  db: Db;
  rpc: KamailioRpc;
  turnCli: TurnCli;
  /** Issues/revokes TURN credentials (the admin service's store; tests issue from it too). */
  turnCredentials: TurnCredentialStore;
  tls: TlsMaterial;
  runDir: string;
  kamailioFiles: RenderedKamailio;
  kamailio: ManagedProcess;
  turn: ManagedProcess;
  /** The managed Prosody (src/chat): its process, files and admin-socket control. */
  chat: ManagedProsody;
  admin: ServedAdmin;
  /** First admin's credentials while <dataDir>/secrets/first-admin.json exists, else null. */
  firstAdmin: { username: string; password: string } | null;
  /** true only on the start that created the first admin (the one start that may print its password). */
  firstAdminCreated: boolean;
  /** <dataDir>/secrets/first-admin.json */
  firstAdminFile: string;
  health(): Promise<ComponentHealth[]>;
  /** PIDs of the processes we started (group leaders). */
  pids(): number[];
  stop(): Promise<void>;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function stackUrls(config: SusurroConfig): StackUrls {
  const pub = (port: number) => hostPort(config.publicHost, port);
  return {
    softphone: `https://${pub(config.ports.admin)}/`,
    admin: `https://${pub(config.ports.admin)}/admin/`,
    health: `https://${pub(config.ports.admin)}/health`,
    wss: `wss://${pub(config.ports.wss)}/ws`,
    sipTls: `sips:${pub(config.ports.sipTls)}`,
    jsonrpc: `http://127.0.0.1:${config.ports.jsonrpc}/RPC`,
    turn: turnUrls(config),
    xmpp: { starttls: `xmpp://${pub(config.chat?.ports.c2s ?? 5222)}`, directTls: `xmpps://${pub(config.chat?.ports.c2sTls ?? 5223)}` },
  };
}

async function waitUntil(what: string, check: () => Promise<boolean>, proc: ManagedProcess, logFile: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < deadline && i < 1000; i++) {
    if (proc.state !== 'running' && proc.state !== 'restarting' && proc.state !== 'idle') break;
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new StackError(
    proc.state === 'running' ? 'SUSURRO_STACK_START_TIMEOUT' : 'SUSURRO_STACK_PROCESS_EXITED',
    `${what} did not come up within ${timeoutMs} ms (state ${proc.state}); last log lines of ${logFile}:\n${tail}`,
  );
}

/** `kamailio -c`: parses the rendered script and module parameters without starting. */
export async function checkKamailioConfig(files: RenderedKamailio): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync('kamailio', ['-c', '-f', files.cfgFile, '-Y', files.runDir], { timeout: 20_000 });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const detail = `${e.stdout ?? ''}${e.stderr ?? ''}`.split('\n').filter((l) => /ERROR|CRITICAL|error/.test(l)).join('\n');
    throw new StackError('SUSURRO_STACK_KAMAILIO_CONFIG', `kamailio -c rejected ${files.cfgFile}:\n${detail || e.message}`);
  }
}

const FIRST_ADMIN_FILE = 'first-admin.json';

/**
 * Where mod_susurro_turn reaches the admin service. Prosody's HTTP client checks the certificate
 * against DNS names only (util.x509 has no IP SANs), so an IP publicHost is replaced by
 * "localhost", which the development certificate covers (reachable while the admin service
 * listens on loopback or all addresses; docs/chat.md).
 */
function chatTurnSourceUrl(config: SusurroConfig): string {
  const host = isIP(config.publicHost) ? 'localhost' : config.publicHost;
  return `https://${host}:${config.ports.admin}/api/v1/chat/turn-credentials`;
}

export async function startStack(config: SusurroConfig, opts: StartStackOptions = {}): Promise<RunningStack> {
  const progress = opts.onProgress ?? (() => {});
  const readyMs = opts.readyTimeoutMs ?? 20_000;
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => {});
    cleanups.length = 0;
  };

  try {
    const busy = await portsInUse(config);
    if (busy.length > 0) {
      throw new StackError('SUSURRO_STACK_PORT_IN_USE', `already in use: ${busy
        .map((b) => `${b.field} (${b.port}/${b.proto} on ${b.address})`).join(', ')}; is another susurro running, or change the port in the configuration`);
    }
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const runDir = join(config.dataDir, 'run');
    const secretsDir = join(config.dataDir, 'secrets');
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
    chmodSync(secretsDir, 0o700);
    const stopRotation = scheduleLogRotation(runDir, config.logs?.retentionDays ?? 7);
    cleanups.push(async () => stopRotation());

    const tls = ensureTlsMaterial(config);
    progress('certs', tls.operatorProvided
      ? `using the configured certificate ${tls.certFile}`
      : tls.notice ?? `reusing development CA ${tls.caFile} and its server certificate (covers ${requiredNames(config).join(', ')})`);

    const cliPassword = readTurnCliPassword(config);
    // the scraper's token for /metrics (src/admin-api/metrics.ts), there before the first scrape
    ensureSecretFile(metricsTokenFile(config));
    // before coturn starts: the store creates the view coturn reads credentials through
    const turnCredentials = openTurnCredentialStore(config);
    cleanups.push(async () => turnCredentials.close());
    progress('secrets', `coturn CLI password and metrics token in ${secretsDir}, TURN credentials in ${turnCredentials.file} (0600)`);

    const db = await openDatabase(config.database.url);
    cleanups.push(() => db.close());
    await migrate(db);
    progress('database', `${db.kind} database ready (${config.database.url.startsWith('sqlite:') ? config.database.url : 'postgres'})`);

    const firstAdminFile = join(secretsDir, FIRST_ADMIN_FILE);
    const created = await ensureFirstAdmin(db);
    if (created) writeFileSync(firstAdminFile, JSON.stringify(created, null, 2) + '\n', { mode: 0o600 });
    let firstAdmin: { username: string; password: string } | null = null;
    if (existsSync(firstAdminFile)) {
      chmodSync(firstAdminFile, 0o600);
      firstAdmin = JSON.parse(readFileSync(firstAdminFile, 'utf8'));
    }
    progress('first-admin', created
      ? `created the first administrator; its password is in ${firstAdminFile} until it is changed`
      : firstAdmin ? `the first administrator's password is in ${firstAdminFile} until it is changed` : 'an administrator exists');

    const kamailioFeatures = {
      ...(config.antiflood
        ? { antiflood: config.antiflood.enabled, authFailsMax: config.antiflood.authFailsMax, banSeconds: config.antiflood.banSeconds }
        : {}),
      ...opts.kamailio,
    };
    const kamailioFiles = renderKamailioConfig(config, runDir, tls, kamailioFeatures, opts.kamailioTemplateDir);
    await checkKamailioConfig(kamailioFiles);
    progress('kamailio-config', `kamailio -c accepted ${kamailioFiles.cfgFile}`);

    const restart = {
      maxRestarts: opts.restart?.maxRestarts ?? 5,
      restartWindowMs: opts.restart?.restartWindowMs ?? 60_000,
      initialBackoffMs: opts.restart?.initialBackoffMs ?? 300,
    };
    const rpc = new KamailioRpc(`http://127.0.0.1:${config.ports.jsonrpc}/RPC`, { token: readKamailioRpcToken(config), timeoutMs: 2_000 });
    const kamailioLog = join(runDir, 'kamailio.log');
    const kamailio = new ManagedProcess({
      name: 'kamailio',
      command: 'kamailio',
      // -DD: stay in the foreground (no daemonize) but fork workers; -E: log to stderr (our log file)
      args: ['-DD', '-E', '-f', kamailioFiles.cfgFile, '-Y', runDir, '-P', kamailioFiles.pidFile, '-w', runDir, '-m', '64', '-M', '8'],
      logFile: kamailioLog,
      cwd: runDir,
      ...restart,
    });
    cleanups.push(() => kamailio.stop());
    await kamailio.start();
    await waitUntil('kamailio', async () => (await kamailioHealth(kamailio, rpc)).up, kamailio, kamailioLog, readyMs);
    progress('kamailio', `kamailio up: SIP/TLS ${config.listen.address}:${config.ports.sipTls}, WSS ${config.listen.address}:${config.ports.wss}/ws, JSON-RPC 127.0.0.1:${config.ports.jsonrpc}`);

    const turnFiles = writeTurnConfig(config, runDir, { cliPassword }, tls);
    const turnProbeHost = config.listen.address === '0.0.0.0' ? '127.0.0.1' : config.listen.address === '::' ? '::1' : config.listen.address;
    const turn = new ManagedProcess({
      name: 'turn',
      command: 'turnserver',
      args: ['-c', turnFiles.confFile],
      logFile: join(runDir, 'turnserver.stdout.log'),
      cwd: runDir,
      ...restart,
    });
    cleanups.push(() => turn.stop());
    await turn.start();
    await waitUntil('turnserver', () => stunBinding(turnProbeHost, config.ports.turn, 300), turn, turnFiles.logFile, readyMs);
    progress('turn', `coturn up: TURN ${config.listen.address}:${config.ports.turn} (udp/tcp), TURNS :${config.ports.turnTls}, relays ${config.ports.relayMin}-${config.ports.relayMax}`);

    // the token Prosody (mod_susurro_turn) shows the admin service to get chat clients' TURN credentials
    const chatServiceToken = ensureSecretFile(join(secretsDir, 'chat-service-token'));
    const chat = await startProsody(config, runDir, tls, restart, {
      url: chatTurnSourceUrl(config),
      token: chatServiceToken,
      caFile: tls.caFile,
    });
    cleanups.push(() => chat.process.stop());
    await waitUntil('prosody', async () => (await chatHealth(chat.process, chat.control)).up, chat.process, chat.files.logFile, readyMs);
    progress('chat', `prosody up: XMPP ${config.listen.address}:${config.chat!.ports.c2s} (STARTTLS required), :${config.chat!.ports.c2sTls} (direct TLS), federation ${config.chat!.federation ? 'on' : 'off'}`);

    const turnCli = new TurnCli(config.ports.turnCli, cliPassword);
    const health = async (): Promise<ComponentHealth[]> =>
      Promise.all([
        kamailioHealth(kamailio, rpc),
        turnHealth(turn, turnProbeHost, config.ports.turn),
        chatHealth(chat.process, chat.control),
        databaseHealth(db),
      ]);
    const admin = await serveAdmin({ config, db, rpc, turnCli, turnCredentials, health, chat: chat.control, chatServiceToken, logger: opts.logger ?? false }, tls);
    cleanups.push(() => admin.close());
    // Accounts in step with Prosody: repaired now (drift from while it was down) and after every
    // restart by the supervisor (a crash may have lost a write).
    const chatSync = admin.app.susurro.chat;
    const reconcileChat = () => chatSync.reconcile().then((r) => {
      if (r.repaired.length > 0) progress('chat', `chat accounts repaired: ${r.repaired.join(', ')}`);
      if (r.failed.length > 0) progress('chat', `chat accounts NOT in step with Prosody: ${r.failed.join('; ')} (retrying)`);
    });
    await reconcileChat();
    chat.process.on('restart', () => {
      void waitUntil('prosody', async () => (await chatHealth(chat.process, chat.control)).up, chat.process, chat.files.logFile, readyMs)
        .then(reconcileChat, () => {});
    });
    const urls = stackUrls(config);
    progress('admin-api', `admin API on ${urls.softphone}`);

    let stopping: Promise<void> | null = null;
    return {
      config, urls, db, rpc, turnCli, turnCredentials, tls, runDir, kamailioFiles, kamailio, turn, chat, admin, firstAdmin, health,
      firstAdminCreated: created !== null, firstAdminFile,
      pids: () => [kamailio.pid, turn.pid, chat.process.pid].filter((p): p is number => p !== null),
      stop() {
        stopping ??= cleanup();
        return stopping;
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
