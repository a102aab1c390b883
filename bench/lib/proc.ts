/**
 * Child processes for benchmarks: each runs in its own process group so stop() ends it and
 * everything it forked, by its own PID only (the machine is shared: never kill by name).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Tracked {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves when the process exits (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** SIGTERM to the group, SIGKILL after graceMs; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Keeps at most the last `max` characters of a stream (bounded memory for chatty tools). */
function tail(max: number): { push(s: string): void; text(): string } {
  let buf = '';
  return {
    push(s) {
      buf += s;
      if (buf.length > 2 * max) buf = buf.slice(-max);
    },
    text: () => buf.slice(-max),
  };
}

export function startProcess(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; keepChars?: number } = {}): Tracked {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true, // own process group: stop() signals -pid
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = tail(opts.keepChars ?? 64_000);
  const err = tail(opts.keepChars ?? 64_000);
  child.stdout?.setEncoding('utf8').on('data', (d: string) => out.push(d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => err.push(d));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.once('error', (e) => {
      done = true;
      resolve({ code: -1, signal: null, stdout: out.text(), stderr: err.text() + String(e) });
    });
    child.once('close', (code, signal) => {
      done = true;
      resolve({ code, signal, stdout: out.text(), stderr: err.text() });
    });
  });
  const pid = child.pid ?? -1;
  const signalGroup = (sig: NodeJS.Signals) => {
    if (pid <= 0) return;
    try {
      process.kill(-pid, sig);
    } catch {
      /* already gone */
    }
  };
  return {
    child,
    pid,
    exited,
    async stop(graceMs = 3000) {
      if (done) return;
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      signalGroup('SIGKILL'); // stragglers in the group (e.g. kamailio children)
    },
  };
}

/** Runs to completion within timeoutMs (then stops it) and returns its output. */
export async function runProcess(command: string, args: string[], timeoutMs: number, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const p = startProcess(command, args, opts);
  const timer = setTimeout(() => void p.stop(), timeoutMs);
  const r = await p.exited;
  clearTimeout(timer);
  return r;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** True when SUSURRO_BENCH_QUICK=1: a fast smoke run with few samples. */
export const QUICK = process.env.SUSURRO_BENCH_QUICK === '1';
