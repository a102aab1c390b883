/**
 * Issue #7 figure: concurrent relayed two-way sessions at 50 packets/s each through the
 * project's coturn config (src/media-relay renderTurnConfig, long-term credentials read from the
 * revocable credential database per Allocate) vs a bare coturn config (listener, relay range,
 * stock TURN REST shared-secret auth), increasing session counts until loss > 0.1 %.
 * Target: ≥ 500 sessions for ours on this 2-core machine.
 *
 * Load: turnutils_uclient -y (client-to-client: every client allocates a relay, sends 160-byte
 * packets every 20 ms to its peer client through TURN and receives the peer's), -c (no RTCP).
 * A session is one such client: one allocation, 50 packets/s relayed out and 50 in.
 * Loss of a step = 1 - received / (sessions × packets): a client that fails to allocate loses
 * all its packets. The loss threshold 0.1 % is from issue #7.
 *
 * Bench-only deviations from a deployed config, the same for both servers: allow-loopback-peers
 * (every peer is on 127.0.0.1; ours gets it as the local trial of its loopback publicHost), a relay range of RELAY_SPAN ports (the old default 49160-49400 held
 * only 241 allocations, see the notes), a fresh server per step, and for ours user-quota lifted (all clients of one
 * uclient process share one issued credential; the project's per-user quota of 12 is a
 * per-credential limit, the total-quota of 1200 stays).
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { figure, type Benchmark, type Figure } from './lib/report.ts';
import { QUICK, sleep, startProcess, type Tracked } from './lib/proc.ts';
import { runUclientStep, writeBareTurnConfig, type StepResult } from './lib/turn-load.ts';
import { loadConfig } from '../src/config/index.ts';
import { renderTurnConfig, ensureSecretFile, openTurnCredentialStore, turnCliPasswordFile, stunBinding } from '../src/media-relay/index.ts';
import type { UclientAuth } from './lib/turn-load.ts';
import { ensureTlsMaterial } from '../src/tls/dev-ca.ts';
import { freePorts } from '../test/support/ports.ts';

const STEPS = QUICK ? [20, 50] : [100, 200, 400, 500, 600, 800]; // 500 = the issue #7 target
const PACKETS = QUICK ? 100 : 300; // 300 × 20 ms = 6 s of traffic per client (clients start staggered over ~3 s)
const MAX_LOSS = 0.001;
const RELAY_SPAN = 1800;
const PER_PROCESS = 100;

async function startTurn(confFile: string, port: number): Promise<Tracked> {
  const p = startProcess('turnserver', ['-c', confFile], { keepChars: 8000 });
  for (let i = 0; i < 40; i++) {
    if (await stunBinding('127.0.0.1', port, 500)) return p;
    await sleep(250);
  }
  await p.stop();
  throw new Error(`turnserver (${confFile}) did not answer STUN on 127.0.0.1:${port}`);
}

interface Server { label: string; confFile: string; port: number; auth: UclientAuth; steps: StepResult[]; done: boolean }

/**
 * One ladder step on a freshly started server: uclient leaves about half of its allocations to
 * expire (600 s lifetime), which would eat the next step's relay ports and the project's
 * total-quota; a restart per step gives every step the same clean server.
 */
async function step(srv: Server, sessions: number, progress: (l: string) => void): Promise<void> {
  const proc = await startTurn(srv.confFile, srv.port);
  try {
    const r = await runUclientStep({ port: srv.port, auth: srv.auth, sessions, perProcess: PER_PROCESS, packets: PACKETS, intervalMs: 20, length: 160, timeoutMs: 60_000 });
    srv.steps.push(r);
    progress(`${srv.label}: ${sessions} sessions → loss ${(r.loss * 100).toFixed(3)} % (${r.received}/${r.expected} packets, ${r.failedProcesses} client processes failed, ${r.seconds.toFixed(1)} s; per process sent/received: ${r.processes.map((p) => `${p.sent}/${p.received}`).join(' ')})`);
    if (r.loss > MAX_LOSS) srv.done = true;
  } finally {
    await proc.stop();
  }
}

function capacity(steps: StepResult[]): number {
  return Math.max(0, ...steps.filter((s) => s.loss <= MAX_LOSS).map((s) => s.sessions));
}

const bench: Benchmark = {
  name: 'TURN relay capacity at 50 packets/s per session (project coturn config vs bare coturn)',
  budgetSeconds: QUICK ? 120 : 360,
  async run(progress) {
    const dir = mkdtempSync(join(tmpdir(), 'susurro-bench-turn-'));
    const [turn, turnTls, turnCli, barePort, sipTls, wss, jsonrpc, admin] = await freePorts(8);
    const oursMin = 61000;
    const bareMin = oursMin + RELAY_SPAN + 10;
    const config = loadConfig({
      file: null, env: {},
      overrides: {
        dataDir: dir,
        ports: { turn, turnTls, turnCli, sipTls, wss, jsonrpc, admin, relayMin: oursMin, relayMax: oursMin + RELAY_SPAN - 1, sipUdp: null },
        logLevel: 'warn',
      },
    });
    const runDir = join(dir, 'run');
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    try {
      const tls = ensureTlsMaterial(config);
      const secret = ensureSecretFile(join(dir, 'secrets', 'bare-turn-secret')); // the bare reference's REST secret
      const cliPassword = ensureSecretFile(turnCliPasswordFile(config));
      // created before coturn starts (the view coturn reads); the bench is its only writer here
      const store = openTurnCredentialStore(config);
      const rendered = renderTurnConfig(config, runDir, { cliPassword }, tls);
      if (!/^user-quota=\d+$/m.test(rendered)) throw new Error('project turnserver.conf has no user-quota line any more: revisit this benchmark');
      const oursConf = join(runDir, 'turnserver.conf');
      writeFileSync(oursConf, rendered.replace(/^user-quota=\d+$/m, 'user-quota=0'), { mode: 0o600 });
      const bareConf = writeBareTurnConfig(runDir, { port: barePort!, relayMin: bareMin, relayMax: bareMin + RELAY_SPAN - 1, secret, realm: config.domain });
      const ours: Server = {
        label: 'ours', confFile: oursConf, port: turn!, steps: [], done: false,
        auth: { credential: (i) => store.issue({ account: `bench${i}`, ttlSeconds: 900, scope: 'bench' }) },
      };
      const bare: Server = { label: 'bare', confFile: bareConf, port: barePort!, auth: { secret }, steps: [], done: false };
      progress(`ours 127.0.0.1:${turn}, bare 127.0.0.1:${barePort}; steps ${STEPS.join(',')} sessions × ${PACKETS} packets of 160 B every 20 ms, alternating, fresh server per step`);
      const deadline = Date.now() + (QUICK ? 80_000 : 300_000);
      for (const sessions of STEPS) {
        for (const srv of [ours, bare]) {
          if (srv.done) continue;
          if (Date.now() > deadline) {
            progress(`${srv.label}: time bound reached before ${sessions} sessions`);
            srv.done = true;
            continue;
          }
          await step(srv, sessions, progress);
        }
        if (ours.done && bare.done) break;
      }
      const oursSteps = ours.steps;
      const bareSteps = bare.steps;
      const o = capacity(oursSteps);
      const b = capacity(bareSteps);
      const top = STEPS[STEPS.length - 1]!;
      const worst = (steps: StepResult[]) => steps.map((s) => `${s.sessions}:${(s.loss * 100).toFixed(3)}%`).join(' ');
      const figures: Figure[] = [figure({
        name: 'turn.capacity.sessions',
        description: `highest concurrent turnutils_uclient -y session count (50 packets/s of 160 B each way) with loss ≤ 0.1 %, ladder ${STEPS.join(',')}; ${top} means the ladder's top was reached, not saturation`,
        unit: 'sessions',
        median: o,
        p99: null,
        samples: oursSteps.length,
        reference: { name: 'bare coturn 4.6 config (listener, relay range, stock REST-secret auth)', median: b, p99: null },
        target: { op: '>=', value: 500, of: 'median' },
        notes: `loss per step, ours: ${worst(oursSteps)}; bare: ${worst(bareSteps)}. Relay range ${RELAY_SPAN} ports for both: the old default 49160-49400 (241 ports) capped a server at 241 allocations (about 120 relayed calls); the default is now 49152-51151.`,
      })];
      return figures;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
