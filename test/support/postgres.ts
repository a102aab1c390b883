import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

/**
 * A private PostgreSQL 15 cluster (Debian's binaries) in a temp dir, on a free
 * loopback port, trust auth for loopback only. PostgreSQL refuses to run as root, so
 * when the test runs as root the cluster belongs to the `postgres` system user.
 * Call stop() in afterAll; it is idempotent and also removes the directory.
 */
export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:<port>/<database> of a fresh, empty database */
  url: string;
  port: number;
  dir: string;
  /** Another empty database on the same cluster. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

const BIN = '/usr/lib/postgresql/15/bin';

export async function startTestPostgres(database = 'susurro_test'): Promise<TestPostgres> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new RangeError('database name must be a plain identifier');
  const dir = mkdtempSync(join(tmpdir(), 'susurro-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const runAs = (cmd: string, args: string[]) => {
    const full = asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args;
    const r = spawnSync(asRoot ? 'runuser' : cmd, full, { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const port = await freePort();
  let started = false;
  const stop = async () => {
    if (started) {
      started = false;
      try {
        runAs(`${BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']);
      } catch {
        // Already gone; the directory is removed either way.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    runAs(`${BIN}/initdb`, ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=40`;
    runAs(`${BIN}/pg_ctl`, ['-D', data, '-o', opts, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
    started = true;
    const createDatabase = async (name: string) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new RangeError('database name must be a plain identifier');
      runAs(`${BIN}/psql`, [
        '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1',
        '-c', `CREATE DATABASE ${name}`,
      ]);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    };
    const url = await createDatabase(database);
    return { url, port, dir, createDatabase, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
