/**
 * Issue #7 figure: concurrent relayed two-way sessions at 50 packets/s each through the
 * project's coturn config (src/media-relay renderTurnConfig) vs a bare coturn config (listener,
 * relay range, the same TURN REST secret auth), increasing session counts until loss > 0.1 %.
 * Target: ≥ 500 sessions for ours on this 2-core machine.
 *
 * Load: turnutils_uclient -y (client-to-client: every client allocates a relay, sends 160-byte
 * packets every 20 ms to its peer client through TURN and receives the peer's), -c (no RTCP).
 * A session is one such client: one allocation, 50 packets/s relayed out and 50 in.
 * Loss of a step = 1 - received / (sessions × packets): a client that fails to allocate loses
 * all its packets. The loss threshold 0.1 % is from issue #7.
 *
 * Bench-only deviations from a deployed config, the same for both servers: allow-loopback-peers
 * (every peer is on 127.0.0.1), a relay range of RELAY_SPAN ports (the default 49160-49400 holds
 * only 241 allocations, see the notes), and for ours user-quota lifted (all clients of one
 * uclient process share one REST user; the project's per-user quota of 12 is a per-account limit,
 * the total-quota of 1200 stays).
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { figure, type Benchmark, type Figure } from './lib/report.ts';
import { QUICK, sleep, startProcess, type Tracked } from './lib/proc.ts';
import { runUclientStep, writeBareTurnConfig, type StepResult } from './lib/turn-load.ts';
import { loadConfig } from '../src/config/index.ts';
import { renderTurnConfig, ensureSecretFile, turnCliPasswordFile, stunBinding } from '../src/media-relay/index.ts';
import { ensureTlsMaterial } from '../src/tls/dev-ca.ts';
import { freePorts } from '../test/support/ports.ts';

const STEPS = QUICK ? [20, 50] : [50, 100, 200, 400, 600, 800];
const PACKETS = QUICK ? 100 : 500; // 500 × 20 ms = 10 s of traffic per client (clients start staggered over ~3 s)
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

/** Steps up the ladder until loss > MAX_LOSS; returns every step run. */
async function ladder(label: string, port: number, secret: string, progress: (l: string) => void, deadline: number): Promise<StepResult[]> {
  const out: StepResult[] = [];
  for (const sessions of STEPS) {
    if (Date.now() > deadline) {
      progress(`${label}: time bound reached before ${sessions} sessions`);
      break;
    }
    const r = await runUclientStep({ port, secret, sessions, perProcess: PER_PROCESS, packets: PACKETS, intervalMs: 20, length: 160, timeoutMs: 60_000 });
    out.push(r);
    progress(`${label}: ${sessions} sessions → loss ${(r.loss * 100).toFixed(3)} % (${r.received}/${r.expected} packets, ${r.failedProcesses} client processes failed, ${r.seconds.toFixed(1)} s)`);
    if (r.loss > MAX_LOSS) break;
    await sleep(3000); // let the previous step's allocations be released
  }
  return out;
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
        turn: { allowLoopbackPeers: true },
        logLevel: 'warn',
      },
    });
    const runDir = join(dir, 'run');
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    let ours: Tracked | null = null;
    let bare: Tracked | null = null;
    try {
      const tls = ensureTlsMaterial(config);
      const secret = ensureSecretFile(config.turn.secretFile);
      const cliPassword = ensureSecretFile(turnCliPasswordFile(config));
      const rendered = renderTurnConfig(config, runDir, { turnSecret: secret, cliPassword }, tls);
      if (!/^user-quota=\d+$/m.test(rendered)) throw new Error('project turnserver.conf has no user-quota line any more: revisit this benchmark');
      const oursConf = join(runDir, 'turnserver.conf');
      writeFileSync(oursConf, rendered.replace(/^user-quota=\d+$/m, 'user-quota=0'), { mode: 0o600 });
      const bareConf = writeBareTurnConfig(runDir, { port: barePort!, relayMin: bareMin, relayMax: bareMin + RELAY_SPAN - 1, secret, realm: config.domain });
      ours = await startTurn(oursConf, turn!);
      bare = await startTurn(bareConf, barePort!);
      progress(`ours 127.0.0.1:${turn}, bare 127.0.0.1:${barePort}; steps ${STEPS.join(',')} sessions × ${PACKETS} packets of 160 B every 20 ms`);
      const deadline = Date.now() + (QUICK ? 40_000 : 140_000);
      const oursSteps = await ladder('ours', turn!, secret, progress, deadline);
      const bareSteps = await ladder('bare', barePort!, secret, progress, deadline + (QUICK ? 40_000 : 140_000));
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
        reference: { name: 'bare coturn 4.6 config (listener, relay range, same REST-secret auth)', median: b, p99: null },
        target: { op: '>=', value: 500, of: 'median' },
        notes: `loss per step, ours: ${worst(oursSteps)}; bare: ${worst(bareSteps)}. Relay range ${RELAY_SPAN} ports for both: the project default 49160-49400 (241 ports) caps a server at 241 allocations, i.e. about 120 two-party calls both relayed.`,
      })];
      return figures;
    } finally {
      await ours?.stop();
      await bare?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
