/**
 * Admin service benchmarks against the REAL stack (Kamailio, coturn, admin API over HTTPS):
 *  - revoke → cut-off: from the disable API call to the revoked phone's WebSocket close,
 *    with the phone registered over WSS and in a call (issue #5 target: p99 ≤ 1 s);
 *    also until the peer's call ended;
 *  - account creation and listing throughput over HTTPS (argon2 is not on this path;
 *    every create is one SQLite transaction with synchronous=FULL).
 */
import { performance } from 'node:perf_hooks';
import { figure, summarize, type Benchmark, type Figure } from './lib/report.ts';
import { startTestStack } from '../test/support/stack.ts';
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
      const c = summarize(cutoff);
      figures.push(
        figure({
          name: 'admin.revoke.cutoff',
          description: 'disable API call → revoked phone (registered over WSS, in a call) sees its WebSocket closed',
          unit: 'ms',
          median: c.median,
          p99: c.p99,
          samples: cutoff.length,
          reference: null,
          target: { op: '<=', value: 1000, of: 'p99' },
        }),
      );
      const p = summarize(peerEnd);
      figures.push(
        figure({
          name: 'admin.revoke.peer-call-ended',
          description: 'disable API call → the peer’s call is terminated (BYE from Kamailio dlg.end_dlg)',
          unit: 'ms',
          median: p.median,
          p99: p.p99,
          samples: peerEnd.length,
          reference: null,
          target: { op: '<=', value: 1000, of: 'p99' },
        }),
      );
      const a = summarize(apiTime);
      figures.push(
        figure({
          name: 'admin.revoke.api-response',
          description: 'disable API round trip (DB transaction + all live actions) over HTTPS',
          unit: 'ms',
          median: a.median,
          p99: a.p99,
          samples: apiTime.length,
          reference: null,
          target: null,
        }),
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
      const cl = summarize(latencies);
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
        figure({
          name: 'admin.accounts.create.latency',
          description: 'one account creation (subscriber + metadata transaction, audit row) over HTTPS',
          unit: 'ms',
          median: cl.median,
          p99: cl.p99,
          samples: latencies.length,
          reference: null,
          target: null,
        }),
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
      const ll = summarize(listLat);
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
        figure({
          name: 'admin.accounts.list.latency',
          description: 'one page of 50 accounts over HTTPS',
          unit: 'ms',
          median: ll.median,
          p99: ll.p99,
          samples: listLat.length,
          reference: null,
          target: null,
        }),
      );
      return figures;
    } finally {
      await t.stop();
    }
  },
};

export default bench;
