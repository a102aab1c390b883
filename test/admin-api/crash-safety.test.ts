import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountInconsistencies, migrate, openDatabase } from '../../src/db/index.ts';
import { freePorts } from '../support/ports.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';
import { apiClient } from './live-rig.ts';

/**
 * kill -9 of the admin service in the middle of a burst of account creations, then
 * restart: every account the API acknowledged (201) exists and its password works
 * (ha1 check and phone login); no subscriber row without metadata or the reverse.
 */
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const children: ChildProcess[] = [];
let pg: TestPostgres | undefined;
const dirs: string[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await pg?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function startServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/admin-server.ts'], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`admin-server not ready in 30 s: ${stderr}`)), 30_000);
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const line = out.split('\n').find((l) => l.includes('"ready"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line).url);
      }
    });
    child.once('exit', (code) => reject(new Error(`admin-server exited ${code}: ${stderr}`)));
  });
  return { child, url };
}

describe.each(['sqlite', 'postgres'] as const)('crash safety on %s', (kind) => {
  let env: NodeJS.ProcessEnv;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'susurro-crash-'));
    dirs.push(dir);
    const [admin, jsonrpc, turnCli] = await freePorts(3);
    let dbUrl = `sqlite:${join(dir, 'susurro.db')}`;
    if (kind === 'postgres') {
      pg ??= await startTestPostgres('susurro_crash');
      dbUrl = pg.url;
    }
    // An explicit (empty) config file, so a developer's susurro.config.json is not read.
    writeFileSync(join(dir, 'config.json'), '{}\n');
    env = {
      SUSURRO_CONFIG: join(dir, 'config.json'),
      SUSURRO_DATA_DIR: dir,
      SUSURRO_DATABASE_URL: dbUrl,
      SUSURRO_PORT_ADMIN: String(admin),
      SUSURRO_PORT_JSONRPC: String(jsonrpc),
      SUSURRO_PORT_TURN_CLI: String(turnCli),
    };
  });

  it('every acknowledged account survives kill -9 and works; nothing is half-written', async () => {
    const first = await startServer(env);
    const creds = JSON.parse(readFileSync(join(dir, 'secrets', 'first-admin.json'), 'utf8'));
    const ca = readFileSync(join(dir, 'tls', 'ca.crt'), 'utf8');
    const api = apiClient(first.url, ca);
    await api.login(creds.username, creds.password);

    // 6 creators in parallel; the process is killed after the 40th acknowledgement,
    // while the other requests are in flight.
    const acked = new Map<string, string>();
    let next = 1000;
    let killedAt = -1;
    const worker = async () => {
      for (let i = 0; i < 200 && killedAt < 0; i++) {
        const ext = String(next++);
        const r = await api.call('POST', '/api/v1/accounts', { extension: ext, username: `u${ext}`, displayName: `User ${ext}` }).catch(() => null);
        if (r?.status === 201) {
          acked.set(ext, r.body.password);
          if (acked.size === 40 && killedAt < 0) {
            killedAt = next;
            first.child.kill('SIGKILL');
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    await new Promise((r) => (first.child.exitCode !== null || first.child.signalCode ? r(null) : first.child.once('exit', r)));
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(40);

    // The database, as the restarted service and Kamailio will find it.
    const url = env['SUSURRO_DATABASE_URL']!;
    const db = await openDatabase(url);
    try {
      await migrate(db);
      expect(await accountInconsistencies(db)).toEqual([]);
      const stored = await db.get<{ n: number }>('SELECT CAST(COUNT(*) AS INTEGER) AS n FROM susurro_account');
      console.log(
        `[crash:${kind}] SIGKILL with ${next - 1000 - acked.size} creations unacknowledged (in flight); ` +
          `${acked.size} acknowledged, ${Number(stored?.n)} stored (an unacknowledged one may have committed whole)`,
      );
      expect(Number(stored?.n)).toBeGreaterThanOrEqual(acked.size);
      const domain = 'susurro.local';
      for (const [ext, pw] of acked) {
        const sub = await db.get<{ ha1: string }>('SELECT ha1 FROM subscriber WHERE username = ? AND domain = ?', [ext, domain]);
        expect([ext, sub?.ha1]).toEqual([ext, md5(`${ext}:${domain}:${pw}`)]);
      }
    } finally {
      await db.close();
    }

    // Restart the service: it comes up on the same database and the accounts log in.
    const second = await startServer(env);
    const api2 = apiClient(second.url, ca);
    await api2.login(creds.username, creds.password);
    const sample = [...acked].filter((_, i) => i % 8 === 0);
    for (const [ext, pw] of sample) {
      const r = await api2.call('POST', '/api/v1/phone/login', { extension: ext, password: pw });
      expect([ext, r.status]).toEqual([ext, 200]);
    }
    const list = await api2.call('GET', '/api/v1/accounts?limit=500');
    for (const ext of acked.keys()) expect(list.body.items.map((a: { extension: string }) => a.extension)).toContain(ext);
    second.child.kill('SIGTERM');
  });
});
