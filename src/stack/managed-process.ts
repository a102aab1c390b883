/**
 * One supervised child process (kamailio, turnserver).
 *
 * - Spawned in its OWN process group (detached) so that stopping it also stops every worker it
 *   forked: kamailio's main process forks ~10 workers, and a SIGKILLed main leaves them running
 *   with the listening sockets open (verified on 5.6). Stop = SIGTERM to the group, then SIGKILL
 *   to the group after a timeout.
 * - Started through `setpriv --pdeathsig TERM` (util-linux) so the kernel sends SIGTERM to the
 *   child if OUR process dies without cleaning up (even by SIGKILL): no orphans.
 * - Unexpected exits are restarted with exponential backoff, at most `maxRestarts` times within
 *   `restartWindowMs`; beyond that the process is marked failed (health stays down).
 * - stdout/stderr go to a log file in the runtime directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, existsSync, openSync } from 'node:fs';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Restarts allowed within restartWindowMs before giving up. Default 5. */
  maxRestarts?: number;
  restartWindowMs?: number;
  /** First restart delay; doubles up to maxBackoffMs. Defaults 300 ms / 5 s. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called before every (re)start, e.g. to check that the ports are free. */
  beforeStart?: () => Promise<void> | void;
}

export type ProcessState = 'idle' | 'running' | 'restarting' | 'failed' | 'stopped';

export interface ProcessEvents {
  exit: [info: { code: number | null; signal: NodeJS.Signals | null; expected: boolean }];
  restart: [info: { attempt: number; pid: number }];
  failed: [reason: string];
}

const SETPRIV = '/usr/bin/setpriv';

export class ManagedProcess extends EventEmitter<ProcessEvents> {
  readonly spec: Required<Omit<ProcessSpec, 'cwd' | 'env' | 'beforeStart'>> & Pick<ProcessSpec, 'cwd' | 'env' | 'beforeStart'>;
  #child: ChildProcess | null = null;
  #state: ProcessState = 'idle';
  #restartTimes: number[] = [];
  #restartTimer: NodeJS.Timeout | null = null;
  #exited: Promise<void> = Promise.resolve();
  #restarts = 0;

  constructor(spec: ProcessSpec) {
    super();
    this.spec = {
      maxRestarts: 5, restartWindowMs: 60_000, initialBackoffMs: 300, maxBackoffMs: 5_000, ...spec,
    };
  }

  get state(): ProcessState {
    return this.#state;
  }
  /** PID of the process we spawned (the group leader), or null when not running. */
  get pid(): number | null {
    return this.#state === 'running' ? (this.#child?.pid ?? null) : null;
  }
  get restarts(): number {
    return this.#restarts;
  }

  async start(): Promise<number> {
    if (this.#state === 'running') throw new Error(`${this.spec.name} already running`);
    await this.spec.beforeStart?.();
    const usePdeath = existsSync(SETPRIV);
    const [cmd, args] = usePdeath
      ? [SETPRIV, ['--pdeathsig', 'TERM', '--', this.spec.command, ...this.spec.args]]
      : [this.spec.command, this.spec.args];
    const log = openSync(this.spec.logFile, 'a', 0o600);
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, {
        cwd: this.spec.cwd, env: this.spec.env ?? process.env, detached: true, stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid as number));
      child.once('error', reject);
    });
    this.#child = child;
    this.#state = 'running';
    this.#exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        const expected = this.#state === 'stopped';
        // Kill whatever the process forked: a crashed kamailio main leaves its workers behind.
        killGroup(pid, 'SIGKILL');
        this.emit('exit', { code, signal, expected });
        if (!expected) this.#scheduleRestart(`exited with ${signal ?? `code ${code}`}`);
        resolve();
      });
    });
    return pid;
  }

  #scheduleRestart(reason: string): void {
    const now = Date.now();
    this.#restartTimes = this.#restartTimes.filter((t) => now - t < this.spec.restartWindowMs);
    if (this.#restartTimes.length >= this.spec.maxRestarts) {
      this.#state = 'failed';
      this.emit('failed', `${this.spec.name} ${reason}; gave up after ${this.spec.maxRestarts} restarts in ${this.spec.restartWindowMs / 1000} s`);
      return;
    }
    const attempt = this.#restartTimes.length;
    this.#restartTimes.push(now);
    this.#state = 'restarting';
    const delay = Math.min(this.spec.initialBackoffMs * 2 ** attempt, this.spec.maxBackoffMs);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      if (this.#state !== 'restarting') return;
      this.#state = 'idle';
      this.start().then(
        (pid) => {
          this.#restarts++;
          this.emit('restart', { attempt: attempt + 1, pid });
        },
        (err: Error) => this.#scheduleRestart(`restart failed: ${err.message}`),
      );
    }, delay);
  }

  /** SIGTERM the process group, SIGKILL it after timeoutMs. Resolves when the leader is gone. */
  async stop(timeoutMs = 5_000): Promise<void> {
    const previous = this.#state;
    this.#state = 'stopped';
    if (this.#restartTimer) {
      clearTimeout(this.#restartTimer);
      this.#restartTimer = null;
    }
    const child = this.#child;
    if (!child || previous !== 'running' || child.pid === undefined) return;
    const pid = child.pid;
    killGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
    killGroup(pid, 'SIGKILL');
  }
}

/** Signals every process in the group led by pid; a vanished group is not an error. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
