/**
 * A PulseAudio server with only a null sink, on a unix socket in a temporary directory, for one
 * headless Firefox: Firefox plays and processes audio only through an audio backend — without
 * one its AudioContext never leaves "suspended" (the tests' tone analysis runs in WebAudio).
 * Nothing is heard and no device is opened; the server listens on no network socket
 * (module-native-protocol-unix only) and dies with its parent (setpriv --pdeathsig).
 *
 *   startNullAudio() -> { pulseServer: 'unix:/tmp/…/native', stop() }
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NullAudio {
  /** Value for the browser's PULSE_SERVER environment variable. */
  pulseServer: string;
  stop(): Promise<void>;
}

export async function startNullAudio(): Promise<NullAudio> {
  const dir = mkdtempSync(join(tmpdir(), 'susurro-pulse-'));
  const socket = join(dir, 'native');
  const child = spawn(
    'setpriv',
    ['--pdeathsig', 'KILL', 'pulseaudio', '-n', '--daemonize=no', '--exit-idle-time=-1', '--disable-shm=yes', '--use-pid-file=no', '--log-target=stderr',
      '-L', 'module-null-sink sink_name=null', '-L', `module-native-protocol-unix socket=${socket} auth-anonymous=1`],
    { env: { ...process.env, HOME: dir, PULSE_RUNTIME_PATH: dir, XDG_RUNTIME_DIR: dir }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (const deadline = Date.now() + 10_000; !existsSync(socket); ) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`pulseaudio (null sink) did not start: ${log.trim() || `exit ${child.exitCode}`}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { pulseServer: `unix:${socket}`, stop };
}
