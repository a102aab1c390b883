/**
 * The whole stack from a clean directory (issue #2): health endpoint, stop leaves no process
 * behind, a second start on the same data directory is idempotent, and a kamailio killed with
 * SIGKILL is reported down and restarted by the supervisor.
 */
import { readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createAccountRow, findAccount } from '../../src/db/index.ts';
import { startStack, type RunningStack } from '../../src/stack/index.ts';
import { testStackOverrides } from '../support/stack.ts';
import { alive, processesMentioning } from './processes.ts';

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 500 && Date.now() < deadline; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface HealthBody { status: string; components: { name: string; up: boolean; detail?: string }[] }

function getHealth(url: string, ca: string): Promise<{ status: number; body: HealthBody }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, servername: 'localhost', timeout: 5_000 }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as HealthBody }));
    });
    req.on('error', reject);
    req.end();
  });
}

const dirs: string[] = [];
const stacks: RunningStack[] = [];
afterAll(async () => {
  for (const s of stacks) await s.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(dir: string, overrides: Record<string, unknown> = {}, backoffMs = 200) {
  const config = loadConfig({ file: null, env: {}, overrides: { ...(await testStackOverrides(dir)), ...overrides } });
  const stack = await startStack(config, { restart: { initialBackoffMs: backoffMs } });
  stacks.push(stack);
  return stack;
}

describe('stack lifecycle', () => {
  it('refuses to start when a port is taken, naming the config field, and leaves nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'susurro-busy-'));
    dirs.push(dir);
    const overrides = await testStackOverrides(dir);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(overrides.ports?.wss, '127.0.0.1', () => resolve()));
    try {
      const config = loadConfig({ file: null, env: {}, overrides });
      const err = await startStack(config).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'SUSURRO_STACK_PORT_IN_USE' });
      expect((err as Error).message).toContain(`ports.wss (${overrides.ports?.wss}/tcp`);
      expect(processesMentioning(dir)).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('starts from a clean directory, reports every component up, and stop leaves no process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'susurro-life-'));
    dirs.push(dir);
    const stack = await start(dir);
    const ca = readFileSync(stack.tls.caFile as string, 'utf8');

    const h = await getHealth(stack.urls.health, ca);
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('ok');
    expect(Object.fromEntries(h.body.components.map((c) => [c.name, c.up]))).toMatchObject({ kamailio: true, turn: true, chat: true, database: true });

    // files with safe permissions
    expect(statSync(join(dir, 'tls', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'tls', 'server.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'secrets', 'turn-credentials.db')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'secrets', 'turn-cli-password')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'secrets', 'kamailio-rpc-token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'run', 'susurro-defs.cfg')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'secrets')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'run', 'turnserver.conf')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'run', 'prosody.cfg.lua')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'chat')).mode & 0o777).toBe(0o700);

    const pids = stack.pids();
    expect(pids).toHaveLength(3); // kamailio, turnserver, prosody
    const before = processesMentioning(dir);
    expect(before.length).toBeGreaterThan(2); // kamailio forks workers
    await stack.stop();
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
    stacks.splice(stacks.indexOf(stack), 1);
  });

  it('a second start on the same directory reuses CA, secrets and accounts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'susurro-again-'));
    dirs.push(dir);
    const first = await start(dir);
    await createAccountRow(first.db, { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1', domain: first.config.domain });
    const ca1 = readFileSync(join(dir, 'tls', 'ca.crt'), 'utf8');
    const cert1 = readFileSync(join(dir, 'tls', 'server.crt'), 'utf8');
    const issued = first.turnCredentials.issue({ account: '201', ttlSeconds: 600 });
    await first.stop();
    stacks.splice(stacks.indexOf(first), 1);

    const second = await start(dir);
    expect(second.tls.createdCa).toBe(false);
    expect(readFileSync(join(dir, 'tls', 'ca.crt'), 'utf8')).toBe(ca1);
    expect(readFileSync(join(dir, 'tls', 'server.crt'), 'utf8')).toBe(cert1);
    // a credential issued before the restart is still in the (persistent) credential database
    expect(second.turnCredentials.revoke({ account: '201' })).toEqual([issued.username]);
    expect((await findAccount(second.db, '201'))?.username).toBe('alice');
  });

  it('kill -9 of kamailio, then of coturn: health reports each down, the supervisor restarts it, health is up again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'susurro-kill-'));
    dirs.push(dir);
    const stack = await start(dir, {}, 1_500);
    const ca = readFileSync(stack.tls.caFile as string, 'utf8');
    const oldPid = stack.kamailio.pid as number;
    const oldWorkers = processesMentioning(join(dir, 'run', 'kamailio.cfg'));
    expect(oldWorkers.length).toBeGreaterThan(1);

    process.kill(oldPid, 'SIGKILL');
    const down = await waitFor('kamailio down in /health', async () => {
      const h = await getHealth(stack.urls.health, ca);
      return h.body.components.find((c) => c.name === 'kamailio')?.up === false ? h : undefined;
    });
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('degraded');
    expect(down.body.components.find((c) => c.name === 'turn')?.up).toBe(true);

    const up = await waitFor('kamailio up again', async () => {
      const h = await getHealth(stack.urls.health, ca);
      return h.status === 200 ? h : undefined;
    }, 15_000);
    expect(up.body.components.every((c) => c.up)).toBe(true);
    expect(stack.kamailio.pid).not.toBe(oldPid);
    expect(stack.kamailio.restarts).toBe(1);
    // the killed main process's workers did not survive it
    for (const pid of oldWorkers) expect(alive(pid)).toBe(false);

    // the same for coturn
    const oldTurn = stack.turn.pid as number;
    process.kill(oldTurn, 'SIGKILL');
    const turnDown = await waitFor('turn down in /health', async () => {
      const h = await getHealth(stack.urls.health, ca);
      return h.body.components.find((c) => c.name === 'turn')?.up === false ? h : undefined;
    });
    expect(turnDown.status).toBe(503);
    await waitFor('turn up again', async () => ((await getHealth(stack.urls.health, ca)).status === 200 ? true : undefined), 15_000);
    expect(stack.turn.pid).not.toBe(oldTurn);
    expect(stack.turn.restarts).toBe(1);
  });
});
