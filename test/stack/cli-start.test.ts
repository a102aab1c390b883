/**
 * `npm start`'s entry (src/cli/start.ts) as a real child process: prints its progress, the URLs
 * and the first admin's credentials; SIGTERM stops everything and exits 0; if the process is
 * killed with SIGKILL (no chance to clean up), kamailio and coturn still do not outlive it
 * (parent-death signal). A second start on the same data shows no password, re-issues the
 * certificate for a changed publicHost (curl verifies it with var/tls/ca.crt) and logs requests (pino).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/config/index.ts';
import { freePorts } from '../support/ports.ts';
import { processesMentioning } from './processes.ts';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) {
    for (const pid of processesMentioning(d)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    rmSync(d, { recursive: true, force: true });
  }
});

async function launch(reuse?: { dir: string; env: Record<string, string> }): Promise<{ child: ChildProcess; dir: string; output: () => string; running: Promise<void>; admin: number }> {
  const dir = reuse?.dir ?? mkdtempSync(join(tmpdir(), 'susurro-cli-'));
  if (!reuse) dirs.push(dir);
  const [sipTls, wss, jsonrpc, turn, turnTls, turnCli, admin, c2s, c2sTls, chatHttps] = await freePorts(10);
  const relayMin = 20000 + Math.floor(Math.random() * 250) * 40; // below the ephemeral range, as test/support/stack.ts
  const env = {
    ...process.env,
    SUSURRO_CONFIG: undefined,
    SUSURRO_DATA_DIR: dir,
    SUSURRO_PORT_SIP_TLS: String(sipTls), SUSURRO_PORT_WSS: String(wss), SUSURRO_PORT_JSONRPC: String(jsonrpc),
    SUSURRO_PORT_TURN: String(turn), SUSURRO_PORT_TURN_TLS: String(turnTls), SUSURRO_PORT_TURN_CLI: String(turnCli),
    SUSURRO_PORT_ADMIN: String(admin), SUSURRO_PORT_RELAY_MIN: String(relayMin), SUSURRO_PORT_RELAY_MAX: String(relayMin + 39),
    SUSURRO_PORT_CHAT_C2S: String(c2s), SUSURRO_PORT_CHAT_C2S_TLS: String(c2sTls), SUSURRO_PORT_CHAT_HTTPS: String(chatHttps),
    ...reuse?.env,
  };
  delete env.SUSURRO_CONFIG;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/start.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d) => { out += d; });
  child.stderr?.on('data', (d) => { out += d; });
  const running = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not running after 40 s:\n${out}`)), 40_000);
    const check = () => {
      if (out.includes('Press Ctrl-C to stop.')) { clearTimeout(timer); resolve(); }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited with ${code}:\n${out}`)); });
  });
  return { child, dir, output: () => out, running, admin: admin! };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function eventually(fn: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fn()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return fn();
}

describe('npm start entry', () => {
  it('prints each step, the URLs and the first admin; SIGTERM stops everything and exits 0', async () => {
    const { child, dir, output, running } = await launch();
    await running;
    const out = output();
    for (const step of ['certs:', 'database:', 'first-admin:', 'kamailio-config:', 'kamailio:', 'turn:', 'admin-api:']) {
      expect(out).toContain(`[susurro] ${step}`);
    }
    expect(out).toMatch(/softphone: +https:\/\/127\.0\.0\.1:\d+\//);
    expect(out).toMatch(/admin page: +https:\/\/127\.0\.0\.1:\d+\/admin\//);
    const shown = /first administrator: username "[^"]+", password "([^"]+)"/.exec(out);
    expect(shown).not.toBeNull();
    expect(out).toContain('(shown this once;');
    // issue 16: the default 127.0.0.1 / susurro.local cannot be verified by native phones
    expect(out).toContain('[susurro] WARNING: native phones (Linphone) will not connect with this configuration:');
    expect(out).toContain('publicHost "127.0.0.1" is an IP address');
    expect(out).toContain('See docs/native-phones.md');
    expect(processesMentioning(dir).length).toBeGreaterThan(2);

    child.kill('SIGTERM');
    expect(await exited(child)).toEqual({ code: 0, signal: null });
    expect(processesMentioning(dir)).toEqual([]);

    // issue 14 items 3 and 5: a second start on the same data with a changed publicHost (127.0.0.2,
    // still loopback) never shows the password again and re-issues the certificate for the new name.
    const again = await launch({ dir, env: { SUSURRO_PUBLIC_HOST: '127.0.0.2', SUSURRO_LISTEN_ADDRESS: '127.0.0.2' } });
    await again.running;
    const out2 = again.output();
    expect(out2).not.toContain(shown![1]!);
    expect(out2).toContain(`first administrator "admin": password in ${join(dir, 'secrets', 'first-admin.json')} until it is changed`);
    expect(out2).toContain(`[susurro] certs: re-issued the server certificate ${join(dir, 'tls', 'server.crt')} from the development CA: it did not cover 127.0.0.2`);
    const health = execFileSync('curl', ['-sS', '--max-time', '10', '--cacert', join(dir, 'tls', 'ca.crt'), `https://127.0.0.2:${again.admin}/health`]).toString();
    expect(JSON.parse(health)).toMatchObject({ status: 'ok' });
    expect(health).not.toMatch(/kamailio 5\.6/); // no versions without an admin token
    // The admin API logs through pino under npm start: the request above is in the output.
    await eventually(() => /"path":"\/health"/.test(again.output()), 5_000);
    const logLine = again.output().split('\n').find((l) => l.includes('"path":"/health"'));
    expect(JSON.parse(logLine!)).toMatchObject({ level: 30, msg: 'incoming request', req: { method: 'GET', path: '/health', remoteAddress: '127.0.0.1' } });
    again.child.kill('SIGTERM');
    expect(await exited(again.child)).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('SIGKILL of the stack process: kamailio and coturn die with it (no orphans)', async () => {
    const { child, dir, running } = await launch();
    await running;
    expect(processesMentioning(dir).length).toBeGreaterThan(2);
    child.kill('SIGKILL');
    await exited(child);
    expect(await eventually(() => processesMentioning(dir).length === 0, 10_000)).toBe(true);
  });
});
