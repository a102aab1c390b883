/**
 * `npm start` (via scripts/bootstrap.mjs, after Debian packages and npm dependencies):
 * starts the whole stack in the foreground and prints where everything is.
 *
 * Supervision policy: kamailio and turnserver are restarted when they die (backoff 0.3 s
 * doubling to 5 s, at most 5 restarts per minute); /health reports them down meanwhile. If one
 * keeps dying, everything is stopped and the process exits with status 1 and a clear message.
 * Ctrl-C / SIGTERM stop everything (SIGTERM, SIGKILL after 5 s) and exit 0. Children run in
 * their own process groups with a parent-death signal, so they never outlive this process.
 */
import { loadConfig, localTrial } from '../config/index.ts';
import { nativePhoneHostWarning } from '../provisioning/host-check.ts';
import { startStack, type RunningStack } from '../stack/index.ts';

function log(line: string): void {
  process.stdout.write(`[susurro] ${line}\n`);
}

async function main(): Promise<void> {
  const config = loadConfig();
  log(`configuration: domain ${config.domain}, public host ${config.publicHost}, data in ${config.dataDir}`);
  const stack: RunningStack = await startStack(config, {
    onProgress: (step, message) => log(`${step}: ${message}`),
    // The admin API's own log (pino JSON lines, secrets redacted: src/admin-api/logger.ts).
    logger: { level: config.logLevel },
  });

  let exiting = false;
  const shutdown = async (code: number, why: string) => {
    if (exiting) return;
    exiting = true;
    log(`${why}: stopping kamailio, coturn and the admin API`);
    const timer = setTimeout(() => process.exit(code || 1), 15_000);
    try {
      await stack.stop();
    } finally {
      clearTimeout(timer);
      log('stopped');
      process.exit(code);
    }
  };

  for (const [name, proc] of [['kamailio', stack.kamailio], ['turn', stack.turn]] as const) {
    proc.on('exit', ({ code, signal, expected }) => {
      if (!expected) log(`${name} exited unexpectedly (${signal ?? `code ${code}`}); restarting (logs in ${stack.runDir})`);
    });
    proc.on('restart', ({ attempt, pid }) => log(`${name} restarted (attempt ${attempt}, pid ${pid})`));
    proc.on('failed', (reason) => {
      process.stderr.write(`[susurro] FATAL: ${reason}. See ${stack.runDir} for logs.\n`);
      void shutdown(1, `${name} failed`);
    });
  }
  process.on('SIGINT', () => void shutdown(0, 'SIGINT'));
  process.on('SIGTERM', () => void shutdown(0, 'SIGTERM'));

  log('');
  log('susurro is running.');
  log(`  softphone:   ${stack.urls.softphone}`);
  log(`  admin page:  ${stack.urls.admin}`);
  log(`  health:      ${stack.urls.health}`);
  log(`  SIP:         ${stack.urls.wss} (WSS), ${stack.urls.sipTls} (TLS)`);
  log(`  TURN:        ${stack.urls.turn.join(', ')}`);
  log(`  XMPP chat:   ${stack.urls.xmpp.starttls} (STARTTLS), ${stack.urls.xmpp.directTls} (direct TLS); accounts <extension>@${stack.config.chat?.domain ?? stack.config.domain}`);
  log(`  local trial: ${localTrial(config).explanation}`);
  if (stack.tls.caFile && !stack.tls.operatorProvided) {
    log(`  development CA (import it into browsers to trust the certificate): ${stack.tls.caFile}`);
  }
  if (stack.firstAdmin && stack.firstAdminCreated) {
    // Printed on this one start only: every later start's output (and any log capturing it) stays clean.
    log(`  first administrator: username "${stack.firstAdmin.username}", password "${stack.firstAdmin.password}"`);
    log(`    (shown this once; until it is changed it stays in ${stack.firstAdminFile}, mode 0600)`);
  } else if (stack.firstAdmin) {
    log(`  first administrator "${stack.firstAdmin.username}": password in ${stack.firstAdminFile} until it is changed (admin page, "Your password")`);
  }
  // issue 16: Linphone verifies only DNS names (mbedTLS ignores IP SANs); say so where the operator looks.
  for (const line of nativePhoneHostWarning(config)) log(line);
  log('Press Ctrl-C to stop.');
}

main().catch((err: unknown) => {
  const e = err as { code?: string; message?: string };
  process.stderr.write(`[susurro] start failed${e.code ? ` (${e.code})` : ''}: ${e.message ?? String(err)}\n`);
  process.exit(1);
});
