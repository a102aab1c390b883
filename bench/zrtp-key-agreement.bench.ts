/**
 * The key agreement alone, per algorithm: our src/zrtp/crypto/key-agreement.ts (pure
 * TypeScript, @noble/curves and BigInt) against bctoolbox 5.1 as libbzrtp calls it (mbedTLS for
 * DH, libdecaf for X25519), measured by `bzrtp-peer --bench-ka` in the same run. One sample =
 * one whole exchange: both sides' key pairs and both shared secrets, DH exponents of 256 bits
 * (bzrtp's size with AES1). It explains the handshake figures of zrtp-handshake.bench.ts,
 * whose target is the same (issue #3: X255 and DH3k within 2x of bzrtp).
 */
import { execFileSync } from 'node:child_process';
import { dhSecretBits, generateKeyPair, type DhKeyAgreement } from '../src/zrtp/crypto/key-agreement.ts';
import { ensureBzrtpPeer } from '../test/interop/build-bzrtp-peer.ts';
import { figure, summarize, type Benchmark, type Figure } from './lib/report.ts';

const SAMPLES = 30;
const WARMUP = 3;
const KEY_AGREEMENTS: DhKeyAgreement[] = ['X255', 'DH3k', 'DH2k'];
const random = (n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n));

function ourExchange(ka: DhKeyAgreement): number {
  const options = { dhSecretBits: dhSecretBits('AES1') };
  const t0 = performance.now();
  const a = generateKeyPair(ka, random, options);
  const b = generateKeyPair(ka, random, options);
  const sa = a.shared(b.publicValue);
  const sb = b.shared(a.publicValue);
  const elapsed = performance.now() - t0;
  if (Buffer.compare(Buffer.from(sa), Buffer.from(sb)) !== 0) throw new Error(`${ka}: shared secrets differ`);
  a.destroy();
  b.destroy();
  return elapsed;
}

function bctoolboxExchange(ka: DhKeyAgreement, samples: number): { median: number; p99: number } {
  const out = execFileSync(ensureBzrtpPeer(), ['--bench-ka', String(samples), '--ka', ka, '--cipher', 'AES1'], { encoding: 'utf8' });
  const r = JSON.parse(out) as { keyAgreement: string; medianMs: number; p99Ms: number };
  if (r.keyAgreement !== ka) throw new Error(`bzrtp-peer measured ${r.keyAgreement}, wanted ${ka}`);
  return { median: r.medianMs, p99: r.p99Ms };
}

const bench: Benchmark = {
  name: 'ZRTP key agreement alone (ours vs bctoolbox as bzrtp uses it)',
  budgetSeconds: 120,
  async run(progress) {
    const figures: Figure[] = [];
    for (const ka of KEY_AGREEMENTS) {
      for (let i = 0; i < WARMUP; i++) ourExchange(ka);
      const samples = Array.from({ length: SAMPLES }, () => ourExchange(ka));
      const ours = summarize(samples);
      const ref = bctoolboxExchange(ka, SAMPLES);
      progress(`${ka}: ours ${ours.median.toFixed(3)} ms, bctoolbox ${ref.median.toFixed(3)} ms`);
      figures.push(
        figure({
          name: `zrtp.key-agreement.${ka}`,
          description: `${ka}: two key pairs and two shared secrets (one exchange, both sides), in this process`,
          unit: 'ms',
          median: ours.median,
          p99: ours.p99,
          samples: SAMPLES,
          reference: { name: `bctoolbox 5.1 ${ka} via bzrtp-peer --bench-ka`, median: ref.median, p99: ref.p99 },
          target: ka === 'DH2k' ? null : { op: '<=', value: 2, of: 'ratio' },
          notes: 'DH exponent 256 bits (AES1), as bzrtp; X255 reference is libdecaf (C), ours @noble/curves (JS)',
        }),
      );
    }
    return figures;
  },
};

export default bench;
