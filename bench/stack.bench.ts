/**
 * The stack itself (issue #2): how long `startStack()` takes from a clean directory and on a
 * second start (CA/secrets/database reused), SIP/TLS REGISTER with digest (two round trips,
 * ha1 read from SQLite by Kamailio), TURN allocations with REST credentials (two round trips),
 * and the time from `kill -9 kamailio` until /health reports it up again (supervisor restart).
 * The reference for REGISTER is the same REGISTER answered by the 401 challenge alone (one
 * round trip, no database), so the ratio shows the cost of authentication.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { figure, summarize, type Benchmark, type Figure } from './lib/report.ts';
import { loadConfig } from '../src/config/index.ts';
import { createAccountRow } from '../src/db/index.ts';
import { startStack, type RunningStack } from '../src/stack/index.ts';
import { testStackOverrides } from '../test/support/stack.ts';
import { RawSipConnection, rawRegister } from '../test/support/sip-client.ts';
import { TurnUdpClient } from '../test/support/turn-client.ts';

const STARTS = 3;
const REGISTERS = 200;
const ALLOCATIONS = 100;
const RESTARTS = 3;

function dist(name: string, description: string, unit: string, samples: number[], reference: Figure['reference'] = null): Figure {
  const s = summarize(samples);
  return figure({ name, description, unit, median: s.median, p99: s.p99, samples: samples.length, reference, target: null });
}

const bench: Benchmark = {
  name: 'stack (start, REGISTER, TURN allocate, restart)',
  budgetSeconds: 240,
  async run(progress) {
    const dirs: string[] = [];
    const stacks: RunningStack[] = [];
    const open = async (dir: string) => {
      const overrides = await testStackOverrides(dir);
      // coturn keeps a released relay port reserved for a while: give the allocation loop room
      const relayMin = overrides.ports?.relayMin ?? 50000;
      const config = loadConfig({ file: null, env: {}, overrides: { ...overrides, ports: { ...overrides.ports, relayMin, relayMax: relayMin + 299 } } });
      const t0 = performance.now();
      const stack = await startStack(config, { restart: { initialBackoffMs: 100 } });
      stacks.push(stack);
      return { stack, ms: performance.now() - t0 };
    };
    try {
      const cold: number[] = [];
      const warm: number[] = [];
      for (let i = 0; i < STARTS; i++) {
        const dir = mkdtempSync(join(tmpdir(), 'susurro-bench-stack-'));
        dirs.push(dir);
        const a = await open(dir);
        cold.push(a.ms);
        await a.stack.stop();
        const b = await open(dir);
        warm.push(b.ms);
        await b.stack.stop();
        progress(`start ${i + 1}/${STARTS}: cold ${a.ms.toFixed(0)} ms, warm ${b.ms.toFixed(0)} ms`);
      }
      const figures: Figure[] = [
        dist('stack.start.cold', 'startStack() from an empty data directory until every component answers (new CA, secrets, schema)', 'ms', cold),
        dist('stack.start.warm', 'startStack() on an existing data directory until every component answers', 'ms', warm),
      ];

      const dir = mkdtempSync(join(tmpdir(), 'susurro-bench-stack-'));
      dirs.push(dir);
      const { stack } = await open(dir);
      await createAccountRow(stack.db, { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1', domain: stack.config.domain });
      const ca = (await import('node:fs')).readFileSync(stack.tls.caFile as string, 'utf8');
      const conn = await RawSipConnection.openTls({ host: '127.0.0.1', port: stack.config.ports.sipTls, ca });
      const challenge: number[] = [];
      const full: number[] = [];
      for (let i = 0; i < REGISTERS; i++) {
        let t0 = performance.now();
        await rawRegister(conn, { ext: '201', domain: stack.config.domain });
        challenge.push(performance.now() - t0);
        t0 = performance.now();
        const r = await rawRegister(conn, { ext: '201', domain: stack.config.domain, password: 'alice-secret-1' });
        full.push(performance.now() - t0);
        if (r.status !== 200) throw new Error(`REGISTER failed with ${r.status}`);
      }
      conn.close();
      const ch = summarize(challenge);
      figures.push(dist('stack.sip.register.tls', 'SIP/TLS REGISTER on an open connection: 401 challenge + authenticated 200 (digest against subscriber.ha1)', 'ms', full,
        { name: 'unauthenticated REGISTER → 401 only', median: ch.median, p99: ch.p99 }));
      progress(`REGISTER: median ${summarize(full).median.toFixed(2)} ms`);

      const alloc: number[] = [];
      for (let i = 0; i < ALLOCATIONS; i++) {
        const cred = stack.turnCredentials.issue({ account: `u${i}`, ttlSeconds: 600 });
        const c = await TurnUdpClient.open('127.0.0.1', stack.config.ports.turn);
        const t0 = performance.now();
        const r = await c.allocate(cred.username, cred.credential);
        alloc.push(performance.now() - t0);
        await c.release();
        c.close();
        if (r.status !== 200) throw new Error(`allocate failed with ${r.status}`);
      }
      figures.push(dist('stack.turn.allocate', 'TURN Allocate with REST credentials (401 + authenticated Allocate) over UDP on loopback', 'ms', alloc));
      progress(`TURN allocate: median ${summarize(alloc).median.toFixed(2)} ms`);

      const recovery: number[] = [];
      for (let i = 0; i < RESTARTS; i++) {
        const pid = stack.kamailio.pid as number;
        const t0 = performance.now();
        process.kill(pid, 'SIGKILL');
        for (let j = 0; j < 400; j++) {
          await new Promise((r) => setTimeout(r, 25));
          const h = await stack.health();
          if (stack.kamailio.pid !== pid && h.every((x) => x.up)) break;
        }
        recovery.push(performance.now() - t0);
      }
      figures.push(dist('stack.kamailio.recovery', 'kill -9 kamailio → supervisor restart → health up (100 ms first backoff)', 'ms', recovery));
      progress(`kamailio recovery: median ${summarize(recovery).median.toFixed(0)} ms`);
      return figures;
    } finally {
      for (const s of stacks) await s.stop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  },
};

export default bench;
