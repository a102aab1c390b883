/**
 * Admin service benchmarks against the REAL stack (Kamailio, coturn, admin API over HTTPS):
 *  - revoke → cut-off: from the disable API call to the revoked phone's WebSocket close,
 *    with the phone registered over WSS and in a call (issue #5 target: p99 ≤ 1 s);
 *    also until the peer's call ended;
 *  - account creation and listing throughput over HTTPS (argon2 is not on this path;
 *    every create is one SQLite transaction with synchronous=FULL).
 */
import { performance } from 'node:perf_hooks';
import { figure, latencyFigure, summarize, type Benchmark, type Figure } from './lib/report.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verify } from '@node-rs/argon2';
import { startTestStack } from '../test/support/stack.ts';
import { startTestPostgres } from '../test/support/postgres.ts';
import { createAccountRow, migrate, openDatabase } from '../src/db/index.ts';
import { hashAdminPassword } from '../src/admin-api/services/admins-repo.ts';
import { adminApiFor, disconnected, establishCall, phoneFor, terminated } from '../test/admin-api/live-rig.ts';

const REVOCATIONS = 25;
const CREATES = 300;
const CONCURRENCY = 4;
const LISTS = 200;

const bench: Benchmark = {
  name: 'admin service (revocation latency, API throughput)',
  budgetSeconds: 300,
  async run(progress) {
    const t = await startTestStack();
    try {
      const api = await adminApiFor(t);
      const domain = t.config.domain;
      const figures: Figure[] = [];

      // --- revoke → cut-off -------------------------------------------------------------
      const bob = await api.call('POST', '/api/v1/accounts', { extension: '900', username: 'peer', displayName: 'Peer' });
      const bobPhone = await phoneFor(t, '900', bob.body.password);
      if ((await bobPhone.register()) !== 200) throw new Error('peer did not register');
      const alice = await api.call('POST', '/api/v1/accounts', { extension: '901', username: 'revokee', displayName: 'Revokee' });
      const alicePw = alice.body.password as string;
      const cutoff: number[] = [];
      const peerEnd: number[] = [];
      const apiTime: number[] = [];
      for (let i = 0; i < REVOCATIONS; i++) {
        if (i > 0) {
          const en = await api.call('POST', '/api/v1/accounts/901/enable');
          if (en.status !== 200) throw new Error(`enable failed: ${en.status}`);
        }
        const phone = await phoneFor(t, '901', alicePw);
        try {
          if ((await phone.register()) !== 200) throw new Error('revokee did not register');
          const call = await establishCall(phone, bobPhone, '900', domain);
          const cut = disconnected(phone);
          const ended = terminated(call.incoming);
          const t0 = performance.now();
          const r = await api.call('POST', '/api/v1/accounts/901/disable');
          apiTime.push(performance.now() - t0);
          if (r.status !== 200 || r.body.live.websockets !== 'ok') throw new Error(`revoke failed: ${JSON.stringify(r.body)}`);
          const [tc, te] = await Promise.all([cut, ended]);
          cutoff.push(tc - t0);
          peerEnd.push(te - t0);
        } finally {
          await phone.stop().catch(() => {});
        }
        if ((i + 1) % 5 === 0) progress(`${i + 1}/${REVOCATIONS} revocations, last cut-off ${cutoff.at(-1)!.toFixed(1)} ms`);
      }
      await bobPhone.stop().catch(() => {});
      const withinASecond = { op: '<=', value: 1000, of: 'p99' } as const;
      figures.push(
        latencyFigure('admin.revoke.cutoff', 'disable API call → revoked phone (registered over WSS, in a call) sees its WebSocket closed', cutoff, withinASecond),
        latencyFigure('admin.revoke.peer-call-ended', 'disable API call → the peer’s call is terminated (BYE from Kamailio dlg.end_dlg)', peerEnd, withinASecond),
        latencyFigure('admin.revoke.api-response', 'disable API round trip (DB transaction + all live actions) over HTTPS', apiTime),
      );

      // --- create throughput ---------------------------------------------------------------
      const latencies: number[] = [];
      let next = 10000;
      const tc0 = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < 10000 + CREATES) {
            const ext = String(next++);
            const s = performance.now();
            const r = await api.call('POST', '/api/v1/accounts', { extension: ext, username: `b${ext}`, displayName: `Bench ${ext}` });
            if (r.status !== 201) throw new Error(`create ${ext}: ${r.status}`);
            latencies.push(performance.now() - s);
          }
        }),
      );
      const createSeconds = (performance.now() - tc0) / 1000;
      progress(`${CREATES} creates in ${createSeconds.toFixed(2)} s (${CONCURRENCY} in parallel)`);
      figures.push(
        figure({
          name: 'admin.accounts.create.throughput',
          description: `account creations per second over HTTPS, ${CONCURRENCY} concurrent clients, SQLite (WAL, synchronous=FULL)`,
          unit: 'ops/s',
          median: CREATES / createSeconds,
          p99: null,
          samples: CREATES,
          reference: null,
          target: null,
        }),
        latencyFigure('admin.accounts.create.latency', 'one account creation (subscriber + metadata transaction, audit row) over HTTPS', latencies),
      );

      // --- list throughput -----------------------------------------------------------------
      const listLat: number[] = [];
      const tl0 = performance.now();
      for (let i = 0; i < LISTS; i++) {
        const s = performance.now();
        const r = await api.call('GET', `/api/v1/accounts?limit=50&offset=${(i * 50) % CREATES}${i % 2 ? '&q=bench' : ''}`);
        if (r.status !== 200 || r.body.items.length === 0) throw new Error(`list: ${r.status}`);
        listLat.push(performance.now() - s);
      }
      const listSeconds = (performance.now() - tl0) / 1000;
      figures.push(
        figure({
          name: 'admin.accounts.list.throughput',
          description: `pages of 50 accounts per second (sequential, every other one with a search), ${CREATES + 2} accounts`,
          unit: 'ops/s',
          median: LISTS / listSeconds,
          p99: null,
          samples: LISTS,
          reference: null,
          target: null,
        }),
        latencyFigure('admin.accounts.list.latency', 'one page of 50 accounts over HTTPS', listLat),
      );
      figures.push(...(await databaseFigures(progress)));
      return figures;
    } finally {
      await t.stop();
    }
  },
};

/**
 * The account transaction alone (subscriber + susurro_account, createAccountRow), on
 * SQLite (WAL, synchronous=FULL) and on a private PostgreSQL 15 cluster (fsync on),
 * sequentially: what one admin action costs in the database. Plus the argon2id
 * verification every admin login pays.
 */
async function databaseFigures(progress: (line: string) => void): Promise<Figure[]> {
  const N = 200;
  const dir = mkdtempSync(join(tmpdir(), 'susurro-bench-db-'));
  const pg = await startTestPostgres('susurro_bench');
  try {
    const perBackend: Record<string, number[]> = {};
    for (const [name, url] of [['sqlite', `sqlite:${join(dir, 'b.db')}`], ['postgres', pg.url]] as const) {
      const db = await openDatabase(url);
      try {
        await migrate(db);
        const samples: number[] = [];
        for (let i = 0; i < N; i++) {
          const s = performance.now();
          await createAccountRow(db, { extension: String(20000 + i), username: `d${i}`, displayName: `D ${i}`, password: `pw-${i}`, domain: 'bench.local' });
          samples.push(performance.now() - s);
        }
        perBackend[name] = samples;
        progress(`${name}: ${N} account transactions, median ${summarize(samples).median.toFixed(2)} ms`);
      } finally {
        await db.close();
      }
    }
    const sq = summarize(perBackend['sqlite']!);
    const pq = summarize(perBackend['postgres']!);
    const hash = await hashAdminPassword('bench-admin-password-123');
    const argon: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = performance.now();
      await verify(hash, 'bench-admin-password-123');
      argon.push(performance.now() - s);
    }
    return [
      figure({
        name: 'admin.db.account-transaction.postgres',
        description: 'one createAccountRow transaction (2 inserts) on PostgreSQL 15, loopback; reference: the same on SQLite',
        unit: 'ms',
        median: pq.median,
        p99: pq.p99,
        samples: N,
        reference: { name: 'admin.db.account-transaction.sqlite', median: sq.median, p99: sq.p99 },
        target: null,
      }),
      latencyFigure('admin.login.argon2id-verify', 'argon2id verification of an admin password (m=19 MiB, t=2, p=1), paid once per admin login', argon),
    ];
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default bench;
