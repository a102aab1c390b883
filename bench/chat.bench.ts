/**
 * Chat (issue 17) against the REAL stack (managed Prosody, admin API over HTTPS, xmpp.js over
 * TLS with SCRAM-SHA-1):
 *  - account create → XMPP login possible: from the create API call until a login succeeds;
 *  - revoke → stream closed: from the disable API call until the live stream is gone;
 *  - logins/s (sequential, TLS + SCRAM each) and messages/s between two connected accounts.
 * Targets from the issue: create → login and revoke → closed, p99 ≤ 200 ms and ≤ 1 s.
 * Not measured here: the comparison with a stock Debian Prosody config.
 */
import { performance } from 'node:perf_hooks';
import { figure, latencyFigure, type Benchmark, type Figure } from './lib/report.ts';
import { startTestStack } from '../test/support/stack.ts';
import { adminApiFor } from '../test/admin-api/live-rig.ts';
import { xmppLogin } from '../test/support/xmpp.ts';

const QUICK = process.env.SUSURRO_BENCH_QUICK === '1';
const ROUNDS = QUICK ? 5 : 30;
const LOGINS = QUICK ? 10 : 100;
const MESSAGES = QUICK ? 100 : 1000;

function rate(name: string, description: string, count: number, seconds: number): Figure {
  return figure({ name, description, unit: 'ops/s', median: count / seconds, p99: null, samples: count, reference: null, target: null });
}

const bench: Benchmark = {
  name: 'chat (Prosody lockstep latency, logins/s, messages/s)',
  budgetSeconds: 300,
  async run(progress) {
    const t = await startTestStack();
    try {
      const api = await adminApiFor(t);
      const createToLogin: number[] = [];
      const revokeToClosed: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const ext = String(5000 + i);
        const password = `bench-chat-pass-${i}-violet-harbour`;
        const t0 = performance.now();
        const r = await api.call('POST', '/api/v1/accounts', { extension: ext, username: `c${ext}`, displayName: `Chat ${ext}`, password });
        if (r.status !== 201 || r.body.chat !== 'ok') throw new Error(`create ${ext}: ${r.status} ${JSON.stringify(r.body.chat)}`);
        const s = await xmppLogin(t, ext, password);
        createToLogin.push(performance.now() - t0);
        const t1 = performance.now();
        const d = await api.call('POST', `/api/v1/accounts/${ext}/disable`);
        if (d.body.chat !== 'ok') throw new Error(`disable ${ext}: ${JSON.stringify(d.body.chat)}`);
        revokeToClosed.push((await s.closed(3_000)) - t1);
        if ((i + 1) % 5 === 0) progress(`${i + 1}/${ROUNDS} create→login / revoke→closed rounds`);
      }

      for (const [ext, pw] of [['6001', 'bench-chat-one-copper-meadow'], ['6002', 'bench-chat-two-amber-falcon']] as const) {
        await api.call('POST', '/api/v1/accounts', { extension: ext, username: `m${ext}`, displayName: `M ${ext}`, password: pw });
      }
      const tl = performance.now();
      for (let i = 0; i < LOGINS; i++) await (await xmppLogin(t, '6001', 'bench-chat-one-copper-meadow', { resource: `r${i}` })).stop();
      const loginSeconds = (performance.now() - tl) / 1000;
      progress(`${LOGINS} logins in ${loginSeconds.toFixed(2)} s`);

      const a = await xmppLogin(t, '6001', 'bench-chat-one-copper-meadow');
      const b = await xmppLogin(t, '6002', 'bench-chat-two-amber-falcon');
      const tm = performance.now();
      for (let i = 0; i < MESSAGES; i++) await a.send(`6002@${t.config.chat!.domain}`, `m${i}`);
      const deadline = Date.now() + 60_000;
      while (b.messages.length < MESSAGES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      if (b.messages.length < MESSAGES) throw new Error(`only ${b.messages.length}/${MESSAGES} messages arrived`);
      const msgSeconds = (performance.now() - tm) / 1000;
      await a.stop();
      await b.stop();

      return [
        latencyFigure('chat.create-to-login', 'create API call (HTTPS) → the account logs in over XMPP (STARTTLS, SCRAM-SHA-1)', createToLogin, { op: '<=', value: 200, of: 'p99' }),
        latencyFigure('chat.revoke-to-stream-closed', 'disable API call → the live XMPP stream is closed by Prosody', revokeToClosed, { op: '<=', value: 1000, of: 'p99' }),
        rate('chat.logins', 'sequential XMPP logins (TCP + STARTTLS + SCRAM-SHA-1 + bind) through the project config', LOGINS, loginSeconds),
        rate('chat.messages', 'chat messages 1001 → 1002 delivered per second (one sender, one connected recipient)', MESSAGES, msgSeconds),
      ];
    } finally {
      await t.stop();
    }
  },
};

export default bench;
