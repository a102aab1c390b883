/**
 * ManagedProcess with real child processes: restart with backoff, giving up after the restart
 * budget, SIGTERM→SIGKILL escalation, and the whole process group stopped.
 */
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManagedProcess } from '../../src/stack/managed-process.ts';
import { alive } from './processes.ts';

const dir = mkdtempSync(join(tmpdir(), 'susurro-proc-'));
const procs: ManagedProcess[] = [];
afterAll(async () => {
  for (const p of procs) await p.stop(500);
  rmSync(dir, { recursive: true, force: true });
});

function managed(name: string, script: string, extra: Partial<ConstructorParameters<typeof ManagedProcess>[0]> = {}) {
  const p = new ManagedProcess({ name, command: '/bin/sh', args: ['-c', script], logFile: join(dir, `${name}.log`), initialBackoffMs: 50, ...extra });
  procs.push(p);
  return p;
}

/** Waits until the log holds `count` "started" lines; returns how many it holds. */
async function waitForLog(file: string, count: number): Promise<number> {
  const n = () => (readFileSync(join(dir, file), 'utf8').match(/started/g) ?? []).length;
  for (let i = 0; i < 60 && n() < count; i++) await new Promise((r) => setTimeout(r, 50));
  return n();
}

describe('ManagedProcess', () => {
  it('restarts a process that dies, with a new PID', async () => {
    const p = managed('flaky', 'echo started; sleep 30');
    const first = await p.start();
    await waitForLog('flaky.log', 1);
    const restarted = new Promise<{ attempt: number; pid: number }>((resolve) => p.once('restart', resolve));
    process.kill(first, 'SIGKILL');
    const r = await restarted;
    expect(r.attempt).toBe(1);
    expect(r.pid).not.toBe(first);
    expect(p.state).toBe('running');
    expect(p.restarts).toBe(1);
    // the restarted shell writes to the same log file
    expect(await waitForLog('flaky.log', 2)).toBe(2);
  });

  it('gives up after maxRestarts within the window and reports failed', async () => {
    const p = managed('crashing', 'exit 3', { maxRestarts: 3, restartWindowMs: 60_000 });
    const failed = new Promise<string>((resolve) => p.once('failed', resolve));
    const exits: (number | null)[] = [];
    p.on('exit', ({ code }) => exits.push(code));
    await p.start();
    expect(await failed).toMatch(/gave up after 3 restarts/);
    expect(p.state).toBe('failed');
    expect(exits).toEqual([3, 3, 3, 3]);
    expect(p.pid).toBeNull();
  });

  it('escalates to SIGKILL when SIGTERM is ignored, and kills the whole process group', async () => {
    // the shell ignores TERM and forks a grandchild that also ignores it
    const p = managed('stubborn', 'trap "" TERM; (trap "" TERM; sleep 60) & echo $! > ' + join(dir, 'grandchild.pid') + '; wait');
    const pid = await p.start();
    await new Promise((r) => setTimeout(r, 200));
    const grandchild = Number(readFileSync(join(dir, 'grandchild.pid'), 'utf8'));
    expect(alive(grandchild)).toBe(true);
    const t0 = Date.now();
    await p.stop(300);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(alive(pid)).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(grandchild)).toBe(false);
    expect(p.state).toBe('stopped');
  });

  it('an expected stop does not restart', async () => {
    const p = managed('calm', 'sleep 30');
    await p.start();
    let restarted = false;
    p.on('restart', () => { restarted = true; });
    await p.stop();
    await new Promise((r) => setTimeout(r, 200));
    expect(restarted).toBe(false);
    expect(p.state).toBe('stopped');
  });
});
