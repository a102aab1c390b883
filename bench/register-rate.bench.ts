/**
 * Issue #7 figure: authenticated REGISTER/s through the project's Kamailio config (rendered by
 * src/signaling with ports.sipUdp set: the plain UDP listener exists only for this benchmark)
 * vs Debian's stock kamailio.cfg (WITH_AUTH, same SQLite subscriber table), same run.
 *
 * Load: sipp (sip-tester 3.6) on loopback UDP, closed loop: `-l 20` REGISTER transactions in
 * flight (each one REGISTER → 401 → REGISTER with digest → 200), as fast as the proxy answers.
 * The sustainable rate of a run is its 200s divided by the wall time of the run; rounds
 * alternate ours/stock so background load hits both alike. Target: ours/stock ≥ 0.9.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { figure, summarize, type Benchmark } from './lib/report.ts';
import { QUICK } from './lib/proc.ts';
import { REGISTER_AUTH_SCENARIO, startSipp, writeUsersCsv } from './lib/sipp.ts';
import { startStockKamailio } from './lib/stock-kamailio.ts';
import { startTestStack } from '../test/support/stack.ts';
import { freePorts } from '../test/support/ports.ts';
import { createAccountRow } from '../src/db/accounts-repo.ts';

const ROUNDS = QUICK ? 2 : 9;
const PER_ROUND = QUICK ? 600 : 4000;
const IN_FLIGHT = 20;

/** One closed-loop sipp run: successful REGISTERs per wall-clock second, and failures. */
async function measure(dir: string, tag: string, target: string, localPort: number, user: { extension: string; password: string }, usersCsv: string) {
  const t0 = process.hrtime.bigint();
  const run = startSipp({
    dir, tag, scenario: REGISTER_AUTH_SCENARIO, usersCsv, target, localIp: '127.0.0.1', localPort,
    authUser: user.extension, authPassword: user.password,
    rate: 100_000, limit: IN_FLIGHT, max: PER_ROUND, timeoutSeconds: 60,
  });
  const r = await run.result;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // failed = every started transaction without its 200 (errors and ones cut by the timeout)
  return { rate: r.successful / seconds, failed: r.created - r.successful, seconds };
}

const bench: Benchmark = {
  name: 'Kamailio authenticated REGISTER rate (project config vs Debian stock config)',
  budgetSeconds: QUICK ? 150 : 240,
  async run(progress) {
    const dir = mkdtempSync(join(tmpdir(), 'susurro-bench-reg-'));
    const [sipUdp, stockUdp, stockTcp, sippOurs, sippStock] = await freePorts(5);
    const t = await startTestStack({ ports: { sipUdp } as never });
    let stock: Awaited<ReturnType<typeof startStockKamailio>> | null = null;
    try {
      const user = { extension: '7001', password: 'bench-register-Pass-2024' };
      await createAccountRow(t.stack.db, { extension: user.extension, username: 'bench-register', displayName: 'Bench Register', password: user.password, domain: t.config.domain });
      const usersCsv = join(dir, 'users.csv');
      writeUsersCsv(usersCsv, [{ extension: user.extension, domain: t.config.domain, password: user.password }]);
      const sqliteFile = t.config.database.url.replace(/^sqlite:/, '');
      stock = await startStockKamailio({ dir: join(dir, 'stock'), sqliteFile, udpPort: stockUdp!, rpcPort: stockTcp!, domain: t.config.domain });
      progress(`ours: udp:127.0.0.1:${sipUdp}; stock: udp:127.0.0.1:${stockUdp}; ${ROUNDS} rounds × ${PER_ROUND} REGISTERs, ${IN_FLIGHT} in flight`);
      // warm-up (not counted): first DB reads, process caches
      await measure(dir, 'warm-ours', `127.0.0.1:${sipUdp}`, sippOurs!, user, usersCsv);
      await measure(dir, 'warm-stock', `127.0.0.1:${stockUdp}`, sippStock!, user, usersCsv);
      const ours: number[] = [];
      const ref: number[] = [];
      let oursFailed = 0;
      let refFailed = 0;
      for (let i = 0; i < ROUNDS; i++) {
        const a = await measure(dir, `ours-${i}`, `127.0.0.1:${sipUdp}`, sippOurs!, user, usersCsv);
        const b = await measure(dir, `stock-${i}`, `127.0.0.1:${stockUdp}`, sippStock!, user, usersCsv);
        ours.push(a.rate);
        ref.push(b.rate);
        oursFailed += a.failed;
        refFailed += b.failed;
        progress(`round ${i + 1}: ours ${a.rate.toFixed(0)}/s (${a.failed} failed), stock ${b.rate.toFixed(0)}/s (${b.failed} failed)`);
      }
      const o = summarize(ours);
      const r = summarize(ref);
      return [figure({
        name: 'kamailio.register.rate',
        description: `authenticated REGISTERs (401 challenge + digest + 200) per second, sipp closed loop with ${IN_FLIGHT} in flight over loopback UDP; p99 column = slowest round`,
        unit: 'REGISTER/s',
        median: o.median,
        p99: Math.min(...ours),
        samples: ROUNDS,
        reference: { name: 'Debian stock kamailio.cfg, WITH_AUTH, same SQLite subscriber table', median: r.median, p99: Math.min(...ref) },
        target: { op: '>=', value: 0.9, of: 'ratio' },
        notes: `${ROUNDS} rounds of ${PER_ROUND} REGISTERs each; failed/timed-out transactions: ours ${oursFailed}, stock ${refFailed}. One sipp process and one subscriber (sipp 3.6 takes digest credentials per process), re-registering the same AOR. Anti-flood is exempt for loopback sources in the project config.`,
      })];
    } finally {
      await stock?.stop();
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
