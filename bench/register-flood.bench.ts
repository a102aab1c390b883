/**
 * Issue #7 figure: under a REGISTER flood at 10× the sustainable REGISTER rate from one source
 * (sipp on 127.0.0.1 answering every challenge with a WRONG password, i.e. a password-guessing
 * source), a legitimate client on another source (127.0.0.2) still registers and places a call
 * to a callee on 127.0.0.3. Reports its success rate and latencies, with the same client's
 * figures without the flood (measured just before, same run) as the reference.
 *
 * The project's Kamailio runs with its anti-flood features as rendered by src/signaling (pike +
 * ban of sources with repeated auth failures, WITH_ANTIFLOOD) and WITH_ANTIFLOOD_LOOPBACK, since
 * every source here is a loopback address (deployed, loopback is exempt).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { figure, summarize, type Benchmark, type Figure } from './lib/report.ts';
import { QUICK, sleep } from './lib/proc.ts';
import { REGISTER_AUTH_SCENARIO, REGISTER_BAD_PASSWORD_SCENARIO, startSipp, writeUsersCsv } from './lib/sipp.ts';
import { UdpSipAgent, answerCalls, call, register } from './lib/udp-sip.ts';
import { startTestStack } from '../test/support/stack.ts';
import { freePorts } from '../test/support/ports.ts';
import { createAccountRow } from '../src/db/accounts-repo.ts';

const ATTEMPTS = QUICK ? 5 : 20;
const ATTEMPT_TIMEOUT_MS = 5000;
const ATTEMPT_PAUSE_MS = 1000;
/** sipp cannot generate much more than this on 2 shared cores; the achieved rate is reported. */
const MAX_FLOOD_RATE = 20_000;

interface Attempt { ok: boolean; registerMs: number; setupMs: number; status: string }

async function attempts(caller: UdpSipAgent, acct: { ext: string; password: string; domain: string }, callee: string, n: number): Promise<Attempt[]> {
  const out: Attempt[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    let regStatus = 0;
    let callStatus = 0;
    let setupMs = NaN;
    try {
      regStatus = await register(caller, acct, ATTEMPT_TIMEOUT_MS);
    } catch { /* timeout: counted as failure */ }
    const registerMs = performance.now() - t0;
    if (regStatus === 200) {
      try {
        const c = await call(caller, acct, callee, ATTEMPT_TIMEOUT_MS);
        callStatus = c.status;
        setupMs = c.setupMs;
      } catch { /* timeout */ }
    }
    out.push({ ok: regStatus === 200 && callStatus === 200, registerMs, setupMs, status: `${regStatus}/${callStatus}` });
    // One attempt is ~7 requests (REGISTER ×2, INVITE ×2, ACK ×2, BYE). Paced at one per second
    // the client stays well under pike's per-source limit (32 requests in 2 s), like a phone
    // would; back-to-back attempts (~35 requests/s) get the legitimate client itself blocked.
    await sleep(ATTEMPT_PAUSE_MS);
  }
  return out;
}

function latencyFigures(prefix: string, flooded: Attempt[], calm: Attempt[], floodNote: string): Figure[] {
  const ok = (a: Attempt[]) => a.filter((x) => x.ok);
  const pct = (a: Attempt[]) => (100 * ok(a).length) / a.length;
  const figs: Figure[] = [figure({
    name: `${prefix}.success`,
    description: 'legitimate client (127.0.0.2): REGISTER → 200 and INVITE → 200 (callee on 127.0.0.3) during the flood',
    unit: '%',
    median: pct(flooded), p99: null, samples: flooded.length,
    reference: { name: 'same client, no flood (same run)', median: pct(calm), p99: null },
    target: { op: '>=', value: 99, of: 'median' },
    notes: `${floodNote}; statuses (register/invite) during flood: ${flooded.map((a) => a.status).join(' ')}. Target: issue #7 says the client "still registers and places a call"; 99 % is this benchmark's reading.`,
  })];
  for (const [key, pick, what] of [
    ['register-latency', (a: Attempt) => a.registerMs, 'REGISTER sent → 200 (through the 401 challenge)'],
    ['call-setup-latency', (a: Attempt) => a.setupMs, 'INVITE sent → 200 OK (through the 407 challenge and the callee)'],
  ] as const) {
    const f = ok(flooded).map(pick);
    const c = ok(calm).map(pick);
    if (f.length === 0) continue;
    const fs = summarize(f);
    const cs = c.length ? summarize(c) : null;
    figs.push(figure({
      name: `${prefix}.${key}`,
      description: `legitimate client during the flood: ${what}`,
      unit: 'ms', median: fs.median, p99: fs.p99, samples: f.length,
      reference: cs ? { name: 'same client, no flood (same run)', median: cs.median, p99: cs.p99 } : null,
      target: null,
    }));
  }
  return figs;
}

/** Closed-loop authenticated REGISTER rate through a stack with default features (one short run). */
async function sustainableRate(dir: string, localPort: number, user: { ext: string; password: string }, progress: (l: string) => void): Promise<number> {
  const [sipUdp] = await freePorts(1);
  const s = await startTestStack({ ports: { sipUdp } as never });
  try {
    await createAccountRow(s.stack.db, { extension: user.ext, username: 'bench-rate', displayName: 'Bench rate', password: user.password, domain: s.config.domain });
    const usersCsv = join(dir, 'rate-users.csv');
    writeUsersCsv(usersCsv, [{ extension: user.ext, domain: s.config.domain, password: user.password }]);
    const t0 = performance.now();
    const r = await startSipp({
      dir, tag: 'rate', scenario: REGISTER_AUTH_SCENARIO, usersCsv, target: `127.0.0.1:${sipUdp}`, localIp: '127.0.0.1', localPort,
      authUser: user.ext, authPassword: user.password, rate: 100_000, limit: 20, max: QUICK ? 600 : 2000, timeoutSeconds: 30,
    }).result;
    const rate = r.successful / ((performance.now() - t0) / 1000);
    progress(`sustainable authenticated REGISTER rate (default features, sipp closed loop): ${rate.toFixed(0)}/s, ${r.failed} failed`);
    return rate;
  } finally {
    await s.stop();
  }
}

const bench: Benchmark = {
  name: 'REGISTER flood at 10× the sustainable rate: a legitimate client still registers and calls',
  budgetSeconds: QUICK ? 150 : 240,
  async run(progress) {
    const dir = mkdtempSync(join(tmpdir(), 'susurro-bench-flood-'));
    const [sipUdp, sippRate, sippFlood] = await freePorts(3);
    const t = await startTestStack({ ports: { sipUdp } as never }, { kamailio: { antiflood: true, antifloodLoopback: true } });
    const agents: UdpSipAgent[] = [];
    let flood: ReturnType<typeof startSipp> | null = null;
    try {
      const domain = t.config.domain;
      const caller = { ext: '7201', password: 'bench-caller-Pass-2024', domain };
      const callee = { ext: '7202', password: 'bench-callee-Pass-2024', domain };
      const target = { ext: '7203', password: 'bench-target-Pass-2024', domain };
      for (const [a, name] of [[caller, 'caller'], [callee, 'callee'], [target, 'flood-target']] as const) {
        await createAccountRow(t.stack.db, { extension: a.ext, username: `bench-${name}`, displayName: `Bench ${name}`, password: a.password, domain });
      }
      const usersCsv = join(dir, 'users.csv');
      writeUsersCsv(usersCsv, [{ extension: target.ext, domain, password: target.password }]);
      const server = { host: '127.0.0.1', port: sipUdp! };

      // 1. the sustainable rate, as register-rate.bench.ts measures it: on a stack with the
      //    project's default features (anti-flood exempts loopback there; here it would block
      //    the measurement itself after 32 requests)
      const sustainable = await sustainableRate(dir, sippRate!, target, progress);

      // 2. the legitimate client without a flood (reference)
      const calleeAgent = await UdpSipAgent.open('127.0.0.3', server);
      agents.push(calleeAgent);
      answerCalls(calleeAgent, callee.ext);
      if ((await register(calleeAgent, callee, ATTEMPT_TIMEOUT_MS)) !== 200) throw new Error('callee could not register');
      const callerAgent = await UdpSipAgent.open('127.0.0.2', server);
      agents.push(callerAgent);
      await attempts(callerAgent, caller, callee.ext, 1); // warm-up, not counted
      const calm = await attempts(callerAgent, caller, callee.ext, ATTEMPTS);
      progress(`no flood: ${calm.filter((a) => a.ok).length}/${calm.length} register+call succeeded`);

      // 3. the flood from 127.0.0.1 at 10× the sustainable rate, bounded in count and time
      const rate = Math.min(MAX_FLOOD_RATE, Math.max(100, Math.round(10 * sustainable)));
      const floodSeconds = QUICK ? 25 : 60;
      const fStart = performance.now();
      flood = startSipp({
        dir, tag: 'flood', scenario: REGISTER_BAD_PASSWORD_SCENARIO, usersCsv, target: `127.0.0.1:${sipUdp}`, localIp: '127.0.0.1', localPort: sippFlood!,
        authUser: target.ext, authPassword: `wrong-${target.password}`, rate, limit: rate * 3, max: rate * floodSeconds, timeoutSeconds: floodSeconds + 5,
      });
      await sleep(2000); // the flood is under way (and pike/ban have had their chance to react)
      const flooded = await attempts(callerAgent, caller, callee.ext, ATTEMPTS);
      // is the flood source in the ban table (htable ipban, WITH_ANTIFLOOD)? what exists is measured
      const banned = await t.stack.rpc.call<unknown>('htable.dump', ['ipban'])
        .then((r) => (JSON.stringify(r).includes('127.0.0.1') ? 'yes' : 'no'), () => 'unknown (htable.dump failed)');
      await flood.proc.stop();
      const fr = await flood.result.catch(() => null);
      const fSeconds = (performance.now() - fStart) / 1000;
      const floodNote = fr
        ? `flood asked ${rate}/s; sipp created ${fr.created} REGISTER transactions in ${fSeconds.toFixed(1)} s (${(fr.created / fSeconds).toFixed(0)}/s achieved; each is REGISTER + a wrong-password REGISTER when challenged); flood source in Kamailio's ipban table at the end: ${banned}`
        : `flood asked ${rate}/s (no sipp statistics); flood source in Kamailio's ipban table at the end: ${banned}`;
      progress(`flood: ${floodNote}`);
      progress(`during flood: ${flooded.filter((a) => a.ok).length}/${flooded.length} register+call succeeded`);
      return latencyFigures('flood.legit', flooded, calm, floodNote);
    } finally {
      await flood?.proc.stop();
      for (const a of agents) a.close();
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
