/**
 * The first run, exactly as README.md "Try it on one machine" tells a newcomer, with no
 * configuration overrides at all:
 *  - a fresh copy of this working tree (tracked and new files, no susurro.config.json, so `var/`
 *    is new), node_modules linked in; `npm start` there with no SUSURRO_* variable: default ports
 *    (8444, 8443, 5061, 3478, 5349, 5090, 5766, relays 49152–51151) and the default public host
 *    127.0.0.1. The ports are never moved: if one is taken the product refuses to start
 *    (SUSURRO_STACK_PORT_IN_USE) and this test fails with that message;
 *  - the start output announces the local trial; `curl --cacert var/tls/ca.crt …/health` says ok;
 *  - the first administrator's password as printed; two accounts through `npm run admin`, whose
 *    printed passwords the two people use;
 *  - two Chromiums, each with its own HOME whose NSS database trusts var/tls/ca.crt (what
 *    importing the CA in the browser's settings does; no --ignore-certificate-errors), open the
 *    printed softphone URL, sign in, call each other: the same SAS on both screens, each hears the
 *    other's tone, media relay/relay through coturn's default relay range on 127.0.0.1;
 *  - Ctrl-C (SIGINT to the process group, as a terminal sends it) stops everything.
 * Not repeated here: installing Debian packages and npm dependencies (node_modules is this
 * worktree's, linked); the softphone build does run, as on a newcomer's first start.
 * Screenshots and the start log (first-admin password redacted) go to test-artifacts/first-run/.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchChromium, makeToneWav, type LaunchedChromium } from '../support/browser.ts';
import { expectToneBothWays, login, selectedPair, type Person } from '../softphone/harness.ts';
import { installWebRtcProbe } from '../softphone/webrtc-probe.ts';
import { processesMentioning } from './processes.ts';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '..', '..');
const ARTIFACTS = join(REPO, 'test-artifacts', 'first-run');
const START_TIMEOUT_MS = 300_000; // a first start builds the softphone

let copy: string;   // the fresh clone the newcomer runs `npm start` in
let home: string;   // the newcomer's home (admin CLI session, browser profiles' NSS databases)
let start: ChildProcess | undefined;
let output = '';
const browsers: LaunchedChromium[] = [];
const timings: Record<string, number> = {};
const began = Date.now();

/** The start output's lines after `prefix`, e.g. "softphone:" → "https://127.0.0.1:8444/". */
function printed(prefix: string): string {
  const line = output.split('\n').find((l) => l.includes(`[susurro]   ${prefix}`));
  if (!line) throw new Error(`npm start printed no "${prefix}" line:\n${output}`);
  return line.slice(line.indexOf(prefix) + prefix.length).trim();
}

/** Tracked and new (not ignored) files of this working tree, without a local configuration. */
function freshCopy(dest: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && !/^susurro\.config(\.local)?\.json$/.test(f));
  for (const f of files) {
    if (!existsSync(join(REPO, f))) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(dest, f)), { recursive: true });
    // timestamps kept: bootstrap compares package-lock.json with node_modules' marker
    cpSync(join(REPO, f), join(dest, f), { preserveTimestamps: true, verbatimSymlinks: true });
  }
  // The npm dependencies are this worktree's, already installed: linked, and the copy's lock file
  // dated as installed, so bootstrap's "npm dependencies: up to date" holds (no registry access;
  // installing them is the one first-start step this test does not repeat).
  symlinkSync(join(REPO, 'node_modules'), join(dest, 'node_modules'));
  const installed = statSync(join(REPO, 'node_modules', '.package-lock.json')).mtime;
  utimesSync(join(dest, 'package-lock.json'), installed, installed);
}

/** The environment of someone who never configured susurro: no SUSURRO_* at all. */
function newcomerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SUSURRO_')) env[k] = v;
  // npm's update check would reach the registry; nothing else about npm is changed
  return { ...env, HOME: home, npm_config_update_notifier: 'false' };
}

async function npmRunAdmin(args: string[], stdin: string): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn('npm', ['run', 'admin', '--', ...args], { cwd: copy, env: newcomerEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolveRun(out);
      else reject(new Error(`npm run admin -- ${args.join(' ')} exited ${code}:\n${out}`));
    });
    child.stdin.end(stdin);
  });
}

/** A browser profile home whose NSS database trusts the development CA for web sites. */
async function homeTrustingCa(name: string, caFile: string): Promise<string> {
  const h = join(home, name);
  const nssdb = join(h, '.pki', 'nssdb');
  mkdirSync(nssdb, { recursive: true });
  await run('certutil', ['-d', `sql:${nssdb}`, '-N', '--empty-password']);
  await run('certutil', ['-d', `sql:${nssdb}`, '-A', '-t', 'C,,', '-n', 'susurro development CA', '-i', caFile]);
  return h;
}

async function phone(person: Person, softphoneUrl: string, caFile: string): Promise<Page> {
  const wav = await makeToneWav(home, { frequency: person.toneHz, seconds: 30 });
  const b = await launchChromium({ audioFile: wav, env: { ...process.env, HOME: await homeTrustingCa(person.username, caFile) } });
  browsers.push(b);
  const page = await b.browser.newPage();
  await page.setViewportSize({ width: 390, height: 780 });
  page.on('pageerror', (e) => process.stderr.write(`[${person.extension} pageerror] ${e.message}\n`));
  await installWebRtcProbe(page); // observation only (selected ICE pair), the page is the product's
  await page.goto(softphoneUrl); // an untrusted certificate fails here (net::ERR_CERT_AUTHORITY_INVALID)
  return page;
}

const redacted = () => {
  const m = /password "([^"]+)"/.exec(output);
  return m ? output.split(m[1]!).join('<redacted>') : output;
};

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  copy = mkdtempSync(join(tmpdir(), 'susurro-first-run-'));
  home = mkdtempSync(join(tmpdir(), 'susurro-newcomer-'));
  freshCopy(copy);
  expect(existsSync(join(copy, 'var'))).toBe(false);
  expect(existsSync(join(copy, 'susurro.config.json'))).toBe(false);

  const t0 = Date.now();
  // detached: its own process group, so Ctrl-C can be sent to all of npm → bootstrap → tsx
  start = spawn('npm', ['start'], { cwd: copy, env: newcomerEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  start.stdout!.on('data', (d) => (output += d));
  start.stderr!.on('data', (d) => (output += d));
  await new Promise<void>((resolveUp, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start not running after ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const poll = setInterval(() => {
      if (output.includes('Press Ctrl-C to stop.')) {
        clearInterval(poll);
        clearTimeout(timer);
        resolveUp();
      }
    }, 200);
    start!.on('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before running:\n${output}`));
    });
  });
  timings['npmStartToRunningMs'] = Date.now() - t0;
}, START_TIMEOUT_MS + 10_000);

afterAll(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  if (start && start.exitCode === null && start.pid) {
    try { process.kill(-start.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  if (copy) {
    for (const pid of processesMentioning(copy)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    for (const log of ['kamailio.log', 'turnserver.log']) {
      const f = join(copy, 'var', 'run', log);
      if (existsSync(f)) cpSync(f, join(ARTIFACTS, log));
    }
  }
  writeFileSync(join(ARTIFACTS, 'npm-start.log'), redacted());
  timings['wholeTestMs'] = Date.now() - began;
  writeFileSync(join(ARTIFACTS, 'timings.json'), JSON.stringify(timings, null, 2) + '\n');
  process.stderr.write(`[first-run] timings ${JSON.stringify(timings)}\n`);
  for (const d of [copy, home]) if (d) rmSync(d, { recursive: true, force: true });
}, 60_000);

describe('first run with no configuration (README "Try it on one machine")', () => {
  let caFile: string;
  let softphoneUrl: string;
  let alice: Person;
  let bob: Person;

  it('npm start announces the local trial, the default URLs and the development CA', () => {
    softphoneUrl = printed('softphone:');
    expect(softphoneUrl).toBe('https://127.0.0.1:8444/');
    expect(printed('admin page:')).toBe('https://127.0.0.1:8444/admin/');
    expect(printed('SIP:')).toBe('wss://127.0.0.1:8443/ws (WSS), sips:127.0.0.1:5061 (TLS)');
    expect(printed('local trial:')).toMatch(/^on: public host 127\.0\.0\.1 is loopback/);
    caFile = printed('development CA (import it into browsers to trust the certificate):');
    expect(caFile).toBe(join(copy, 'var', 'tls', 'ca.crt'));
    expect(readFileSync(join(copy, 'var', 'run', 'turnserver.conf'), 'utf8')).toMatch(/^allow-loopback-peers$/m);
  });

  it('curl --cacert var/tls/ca.crt …/health: ok, local trial', async () => {
    const { stdout } = await run('curl', ['--silent', '--show-error', '--max-time', '10', '--cacert', 'var/tls/ca.crt', 'https://127.0.0.1:8444/health'], { cwd: copy });
    const health = JSON.parse(stdout);
    expect(health.status).toBe('ok');
    expect(health.localTrial).toBe(true);
    expect(health.components.map((c: { name: string; up: boolean }) => `${c.name}:${c.up}`).sort()).toEqual(['chat:true', 'database:true', 'kamailio:true', 'turn:true']);
  });

  it('the printed first administrator creates two accounts with npm run admin', async () => {
    const first = /first administrator: username "([^"]+)", password "([^"]+)"/.exec(output);
    if (!first) throw new Error(`npm start printed no first administrator:\n${output}`);
    expect(first[1]).toBe('admin'); // README: npm run admin -- login uses "admin" by default
    expect(await npmRunAdmin(['login'], `${first[2]}\n`)).toMatch(/logged in as admin at https:\/\/127\.0\.0\.1:8444/);
    const create = async (ext: string, user: string, name: string): Promise<string> => {
      const out = await npmRunAdmin(['accounts', 'create', '--ext', ext, '--user', user, '--name', name], '');
      expect(out).toContain(`created ${ext} ${user} "${name}"`);
      const pw = /^password: (\S+)$/m.exec(out);
      if (!pw) throw new Error(`no password printed:\n${out}`);
      return pw[1]!;
    };
    alice = { extension: '201', username: 'alice', displayName: 'Alice', password: await create('201', 'alice', 'Alice'), toneHz: 440 };
    bob = { extension: '202', username: 'bob', displayName: 'Bob', password: await create('202', 'bob', 'Bob'), toneHz: 1000 };
  });

  it('two Chromiums trusting var/tls/ca.crt sign in, call, show the same SAS and hear each other', async () => {
    const t0 = Date.now();
    const a = await phone(alice, softphoneUrl, caFile);
    const b = await phone(bob, softphoneUrl, caFile);
    await login(a, alice);
    await login(b, bob);
    await a.getByTestId('call-202').click();
    await b.getByTestId('answer').waitFor({ timeout: 10_000 });
    await b.getByTestId('answer').click();
    await Promise.all([a, b].map((p) => p.getByTestId('sas').waitFor({ timeout: 15_000 })));
    const sasA = await a.getByTestId('sas').innerText();
    const sasB = await b.getByTestId('sas').innerText();
    expect(sasA).toMatch(/^[a-z0-9]{4}$|^\S+ \S+$/);
    expect(sasB).toBe(sasA);
    await a.screenshot({ path: join(ARTIFACTS, 'alice-sas.png'), fullPage: true });
    await b.screenshot({ path: join(ARTIFACTS, 'bob-sas.png'), fullPage: true });

    await expectToneBothWays(a, alice.toneHz, b, bob.toneHz);
    for (const p of [a, b]) {
      const pair = await selectedPair(p);
      expect(pair).toMatchObject({ local: 'relay', remote: 'relay', remoteAddress: '127.0.0.1' });
      for (const port of [pair!.localPort, pair!.remotePort]) {
        expect(port).toBeGreaterThanOrEqual(49152); // the default relay range
        expect(port).toBeLessThanOrEqual(51151);
      }
    }
    // The default check: each picks the code the other reads aloud (issue #15); verified once both did.
    for (const p of [a, b]) {
      await p.getByTestId('sas-pick').click();
      await p.locator('[data-testid="sas-choice"]', { hasText: new RegExp(`^${sasA}$`) }).click();
    }
    await a.locator('[data-testid="security-status"][data-status="verified"]').waitFor();
    await b.locator('[data-testid="security-status"][data-status="verified"]').waitFor();
    await a.screenshot({ path: join(ARTIFACTS, 'alice-verified.png'), fullPage: true });
    await b.screenshot({ path: join(ARTIFACTS, 'bob-verified.png'), fullPage: true });
    await a.getByTestId('hangup').click();
    await Promise.all([a, b].map((p) => p.getByTestId('call-ended').waitFor({ timeout: 5000 })));
    timings['browsersLoginCallVerifyMs'] = Date.now() - t0;
  }, 120_000);

  it('Ctrl-C stops everything: the stack says stopped and leaves no process behind', async () => {
    // 'close': every process holding the output pipes (npm, bootstrap, tsx, start.ts) is gone;
    // npm itself dies of the SIGINT as in a terminal, the stack's own entry exits 0 after stopping
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => start!.once('close', (code, signal) => r({ code, signal })));
    process.kill(-start!.pid!, 'SIGINT'); // a terminal's Ctrl-C: the whole foreground group
    const result = await Promise.race([closed, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000))]);
    expect(result === 'timeout' ? result : result.code === 0 || result.signal === 'SIGINT').toBe(true);
    expect(output).toMatch(/\[susurro\] SIGINT: stopping kamailio, coturn and the admin API\n\[susurro\] stopped\n/);
    for (let i = 0; i < 50 && processesMentioning(copy).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(processesMentioning(copy)).toEqual([]);
  }, 40_000);
});
