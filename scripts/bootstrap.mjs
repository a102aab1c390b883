#!/usr/bin/env node
// The one entry point behind `npm start`, `npm test` and `npm run bench`.
// It runs before node_modules exists, so it uses Node's standard library only.
//
// 1. Debian packages the mode needs (apt-get, only the missing ones).
// 2. npm dependencies (npm install, pinned by package-lock.json, when node_modules is missing
//    or older than the lock file).
// 3. The mode itself: start the stack, run the tests, or run the benchmarks.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2] ?? 'start';
const passThrough = process.argv.slice(3);

/** Debian packages, by what needs them. */
const PACKAGES = {
  // The running stack: SIP proxy with TLS/WebSocket/database modules, TURN relay, TLS tooling.
  start: [
    'kamailio', 'kamailio-tls-modules', 'kamailio-websocket-modules', 'kamailio-sqlite-modules',
    'kamailio-postgres-modules', 'kamailio-json-modules', 'kamailio-utils-modules',
    'kamailio-extra-modules',
    // app_lua: the media policy's SDP parser (kamailio-config/sdp-policy.lua)
    'kamailio-lua-modules', 'coturn', 'openssl', 'sqlite3', 'procps',
    // setpriv --pdeathsig (children die with the stack), system CA bundle for Kamailio's TLS client
    'util-linux', 'ca-certificates',
  ],
  // Tests and benchmarks additionally drive real peers: a browser, an independent ZRTP
  // implementation (bzrtp, built against by a small C peer), a SIP load tool, a packet
  // capture, an audio toolkit, a PostgreSQL server, network-namespace tooling and a native
  // softphone (linphonec: test/hardening/linphone-hold.test.ts).
  test: [
    'chromium', 'libbzrtp-dev', 'libbctoolbox-dev', 'libsqlite3-dev', 'pkg-config', 'gcc', 'libc6-dev',
    'sip-tester', 'tshark', 'sox', 'postgresql', 'iproute2', 'iptables', 'linphone-cli',
    // the first-run test trusts var/tls/ca.crt in a browser's NSS db (certutil), as a user
    // importing it would, and asks /health with curl as the README does
    'libnss3-tools', 'curl',
    // the unit test of sdp-policy.lua runs it in the Lua version app_lua embeds
    'lua5.1',
  ],
};

function log(step) {
  process.stdout.write(`[susurro] ${step}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${r.status ?? r.signal}`);
  }
}

function missingDebianPackages(names) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Abbrev}\n', ...names], {
    encoding: 'utf8',
  });
  const installed = new Set(
    (r.stdout ?? '')
      .split('\n')
      .filter((line) => /\sii\s*$/.test(line))
      .map((line) => line.split(' ')[0]),
  );
  return names.filter((n) => !installed.has(n));
}

function ensureDebianPackages(names) {
  const missing = missingDebianPackages(names);
  if (missing.length === 0) {
    log(`Debian packages: all ${names.length} present`);
    return;
  }
  if (process.getuid && process.getuid() !== 0) {
    throw new Error(
      `missing Debian packages: ${missing.join(' ')}\n` +
        `run as root, or install them first: apt-get install ${missing.join(' ')}`,
    );
  }
  log(`Debian packages: installing ${missing.join(' ')}`);
  // Package post-install scripts would start kamailio/coturn/postgresql as system
  // services; susurro runs its own instances, so forbid service starts while installing.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['update'], { env });
    run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}

function ensureNpmDependencies() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) {
    log('npm dependencies: up to date');
    return;
  }
  // Not `npm ci`: npm 11 writes only this platform's optional packages (rollup's native
  // builds) into the lock file and then `npm ci` refuses that same lock as "out of sync".
  // `npm install` installs the locked versions all the same.
  log('npm dependencies: installing (npm install, versions from package-lock.json)');
  run('npm', ['install', '--no-audit', '--no-fund']);
}

/** Newest mtime (ms) of the files under `dir` (recursive; node_modules and dist skipped). */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The softphone (softphone-web/, served by the admin API at "/") is built with Vite into
 * softphone-web/dist when that is missing or older than its sources or the engines it
 * bundles (src/zrtp, src/media-crypto).
 */
function ensureWebBuild() {
  const dist = join(root, 'softphone-web', 'dist', 'index.html');
  const sources = ['softphone-web', 'src/zrtp', 'src/media-crypto'].map((d) => join(root, d)).filter((d) => existsSync(d));
  const newest = Math.max(...sources.map(newestMtime), statSync(join(root, 'package-lock.json')).mtimeMs);
  if (existsSync(dist) && statSync(dist).mtimeMs >= newest) {
    log('softphone: build up to date');
    return;
  }
  log('softphone: building (vite build softphone-web)');
  run(join(root, 'node_modules', '.bin', 'vite'), ['build', 'softphone-web', '--logLevel', 'warn']);
}

function exec(cmd, args) {
  // Forward Ctrl-C / SIGTERM to the child and exit with its status, so the child
  // can stop everything it started.
  const child = spawn(cmd, args, { stdio: 'inherit', cwd: root });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

try {
  const packages = mode === 'start' ? PACKAGES.start : [...PACKAGES.start, ...PACKAGES.test];
  ensureDebianPackages(packages);
  ensureNpmDependencies();
  ensureWebBuild();
  const bin = (name) => join(root, 'node_modules', '.bin', name);
  if (mode === 'start') {
    exec(bin('tsx'), ['src/cli/start.ts', ...passThrough]);
  } else if (mode === 'test') {
    exec(bin('vitest'), ['run', ...passThrough]);
  } else if (mode === 'bench') {
    exec(bin('tsx'), ['bench/run.ts', ...passThrough]);
  } else {
    throw new Error(`unknown mode "${mode}" (expected start, test or bench)`);
  }
} catch (err) {
  process.stderr.write(`[susurro] set-up failed: ${err instanceof Error ? err.message : err}\n`);
  process.exit(1);
}
