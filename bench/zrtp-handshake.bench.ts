/**
 * ZRTP handshake compute time, per key agreement: two ZrtpSessions in this process, talking over
 * in-memory queues (no network, no timers), from the first start() until both report onSecure.
 * This is pure engine cost: Hello/Commit/DHPart/Confirm building and checking, the DH or ECDH
 * (both key generations and both shared-secret computations), s0, the KDF and the cache steps.
 * Median and p99 of SAMPLES handshakes after WARMUP, per algorithm; a fresh pair (fresh caches,
 * so the first-call path) every time. Reference column: the same measure for libbzrtp 5.1 (two
 * bzrtp engines in one C process over memory queues, `bzrtp-peer --bench-handshake`, see
 * test/interop/bzrtp-peer.c), taken in the same run; bzrtp 5.1 has no EC25. Target (issue #3):
 * X255 and DH3k within 2x of bzrtp. Over-the-network timing: bench/zrtp-udp.bench.ts.
 */
import { MemoryRetainedSecretCache } from '../src/zrtp/cache/memory-cache.ts';
import type { KeyAgreementAlgorithm } from '../src/zrtp/algorithms.ts';
import type { KeyAgreementPrimitives } from '../src/zrtp/crypto/key-agreement.ts';
import { NODE_PRIMITIVES } from '../src/zrtp/crypto/node-key-agreement.ts';
import { ZrtpSession } from '../src/zrtp/session.ts';
import { figure, summarize, type Benchmark, type Figure } from './lib/report.ts';
import { execFileSync } from 'node:child_process';
import { ensureBzrtpPeer } from '../test/interop/build-bzrtp-peer.ts';

/** bzrtp's own handshake compute for one key agreement (null where bzrtp lacks it). */
function bzrtpReference(ka: string, samples: number): { name: string; median: number; p99: number } | null {
  if (ka === 'EC25') return null; // libbzrtp 5.1 offers X255, X448, DH3k, DH2k only
  const out = execFileSync(ensureBzrtpPeer(), ['--bench-handshake', String(samples), '--ka', ka], { encoding: 'utf8' });
  const r = JSON.parse(out) as { keyAgreement: string; medianMs: number; p99Ms: number };
  if (r.keyAgreement !== ka) throw new Error(`bzrtp negotiated ${r.keyAgreement}, wanted ${ka}`);
  return { name: `bzrtp 5.1 ${ka}, two engines in one C process`, median: r.medianMs, p99: r.p99Ms };
}

const SAMPLES = 30;
/**
 * Steady state: V8 needs a few dozen runs before the hot paths (hashing, codec) are optimised,
 * so each series starts after WARMUP untimed handshakes. The first, cold handshake of a fresh
 * process is measured separately by bench/zrtp-udp.bench.ts ("cold").
 */
const WARMUP = 50;
const KEY_AGREEMENTS: Exclude<KeyAgreementAlgorithm, 'Mult'>[] = ['X255', 'EC25', 'DH2k', 'DH3k'];

function zid(tag: number): Uint8Array {
  const z = new Uint8Array(12);
  z[0] = tag;
  globalThis.crypto.getRandomValues(z.subarray(1));
  return z;
}

/** One in-process handshake; resolves with its wall time in ms. */
export async function inProcessHandshake(
  ka: Exclude<KeyAgreementAlgorithm, 'Mult'>,
  keyAgreementPrimitives?: KeyAgreementPrimitives,
): Promise<number> {
  const toA: Uint8Array[] = [];
  const toB: Uint8Array[] = [];
  let secure = 0;
  let failure: Error | null = null;
  let sasA = '';
  let sasB = '';
  const make = (tag: number, outbox: Uint8Array[], onSas: (s: string) => void) =>
    new ZrtpSession({
      zid: zid(tag),
      cache: new MemoryRetainedSecretCache(),
      preferences: { keyAgreement: [ka] },
      ...(keyAgreementPrimitives ? { keyAgreementPrimitives } : {}),
      delegate: {
        onSend: (m) => outbox.push(m),
        onSecure: (r) => {
          secure++;
          onSas(r.sas);
        },
        onError: (e) => {
          failure = e;
        },
      },
    });
  const a = make(1, toB, (s) => (sasA = s));
  const b = make(2, toA, (s) => (sasB = s));
  const t0 = performance.now();
  a.start();
  b.start();
  for (let i = 0; i < 1000 && secure < 2 && !failure; i++) {
    while (toA.length || toB.length) {
      if (toB.length) b.receive(toB.shift()!);
      if (toA.length) a.receive(toA.shift()!);
    }
    await Promise.all([a.idle(), b.idle()]);
  }
  const elapsed = performance.now() - t0;
  if (failure) throw failure;
  if (secure < 2 || sasA !== sasB) throw new Error(`${ka}: handshake did not complete`);
  a.close();
  b.close();
  return elapsed;
}

const bench: Benchmark = {
  name: 'ZRTP handshake compute (two in-process engines)',
  budgetSeconds: 120,
  async run(progress) {
    const figures: Figure[] = [];
    // Two arithmetic backends: pure JS (@noble; what the browser softphone runs) and OpenSSL via
    // node:crypto (what Node endpoints such as zrtp-peer can inject). Same protocol code above.
    const backends = [
      { label: 'pure-js', primitives: undefined },
      { label: 'openssl', primitives: NODE_PRIMITIVES },
    ] as const;
    for (const ka of KEY_AGREEMENTS) {
      const reference = bzrtpReference(ka, SAMPLES);
      for (const backend of backends) {
        for (let i = 0; i < WARMUP; i++) await inProcessHandshake(ka, backend.primitives);
        const samples: number[] = [];
        for (let i = 0; i < SAMPLES; i++) samples.push(await inProcessHandshake(ka, backend.primitives));
        const { median, p99 } = summarize(samples);
        progress(`${ka} ${backend.label}: median ${median.toFixed(2)} ms over ${SAMPLES}` + (reference ? `, bzrtp ${reference.median.toFixed(2)} ms` : ''));
        figures.push(
          figure({
            name: `zrtp.handshake.compute.${ka}${backend.label === 'openssl' ? '.openssl' : ''}`,
            description: `Full DH-mode handshake (${ka}, S256/AES1/HS80/B32 defaults) between two engines in one process, both sides' compute, ${backend.label} DH backend`,
            unit: 'ms',
            median,
            p99,
            samples: SAMPLES,
            reference,
            target: ka === 'X255' || ka === 'DH3k' ? { op: '<=', value: 2, of: 'ratio' } : null,
            notes: `Both endpoints in one thread, so this is the sum of initiator and responder work; JIT warm (${WARMUP} untimed handshakes first).`,
          }),
        );
      }
    }
    return figures;
  },
};

export default bench;
