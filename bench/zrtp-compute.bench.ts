/**
 * ZRTP key-agreement compute, per algorithm: what one DH-mode handshake costs in public-key
 * arithmetic for BOTH endpoints together — two key generations and two shared-secret
 * computations (generateKeyPair x2, shared x2, src/zrtp/crypto/key-agreement.ts), validation of
 * the peer values included. Median and p99 of SAMPLES runs after WARMUP, for each backend:
 *
 * - pure JS (BigInt MODP, @noble/curves): what the browser softphone runs;
 * - node:crypto (OpenSSL, src/zrtp/crypto/node-key-agreement.ts): what a Node endpoint can inject;
 * - in headless Chromium (the softphone's engine; page test/zrtp/browser/key-agreement-page.ts,
 *   cross-origin isolated so performance.now() has ~5 µs resolution): WebCrypto X25519 / ECDH
 *   P-256 (src/zrtp/crypto/webcrypto-key-agreement.ts: what the softphone runs where the browser
 *   has them, key pairs and results awaited), and @noble (the fallback) for comparison.
 *
 * DH exponents are 256 bits, as bzrtp uses with AES1 (§5.1.5: twice the AES key size).
 *
 * Reference column: `bzrtpComputeReference()` below runs the interop engineer's C peer
 * (test/interop/bzrtp-peer.c, `--bench-ka`): bctoolbox's key agreement exactly as libbzrtp 5.1
 * calls it (mbedTLS DHM, libdecaf X25519), the same four operations with 256-bit DH exponents,
 * in the same run. (Whole-handshake comparison: bench/zrtp-handshake.bench.ts.) EC25 has no
 * reference (libbzrtp 5.1 does not offer it).
 */
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { generateKeyPair, PURE_JS_PRIMITIVES, type DhKeyAgreement, type KeyAgreementPrimitives } from '../src/zrtp/crypto/key-agreement.ts';
import { NODE_PRIMITIVES } from '../src/zrtp/crypto/node-key-agreement.ts';
import { figure, summarize, type Benchmark, type Figure } from './lib/report.ts';

const SAMPLES = 30;
const WARMUP = 3;
const KEY_AGREEMENTS: DhKeyAgreement[] = ['X255', 'EC25', 'DH2k', 'DH3k'];
const BACKENDS: { id: string; label: string; primitives: KeyAgreementPrimitives }[] = [
  { id: 'purejs', label: 'pure JS', primitives: PURE_JS_PRIMITIVES },
  { id: 'node', label: 'node:crypto/OpenSSL', primitives: NODE_PRIMITIVES },
];

const random = (n: number): Uint8Array => randomFillSync(new Uint8Array(n));

/** One exchange's key-agreement work for both endpoints; returns ms. */
export function keyAgreementRound(ka: DhKeyAgreement, primitives: KeyAgreementPrimitives): number {
  const t0 = performance.now();
  const a = generateKeyPair(ka, random, { dhSecretBits: 256, primitives });
  const b = generateKeyPair(ka, random, { dhSecretBits: 256, primitives });
  const sa = a.shared(b.publicValue);
  const sb = b.shared(a.publicValue);
  const elapsed = performance.now() - t0;
  if (sa.length !== sb.length || !sa.every((v, i) => v === sb[i])) throw new Error(`${ka}: the two sides disagree`);
  a.destroy();
  b.destroy();
  return elapsed;
}

/**
 * THE HOOK for the C comparison: samples (ms) of bzrtp doing the same work, or null when not
 * available (no compiler / libbzrtp-dev, or an algorithm bzrtp lacks).
 */
export async function bzrtpComputeReference(
  ka: DhKeyAgreement,
  samples: number,
): Promise<{ name: string; median: number; p99: number | null } | null> {
  if (ka === 'EC25') return null;
  try {
    const { ensureBzrtpPeer } = await import('../test/interop/build-bzrtp-peer.ts');
    // AES1: bzrtp's 256-bit DH exponents, as keyAgreementRound uses
    const out = execFileSync(ensureBzrtpPeer(), ['--bench-ka', String(samples), '--ka', ka, '--cipher', 'AES1'], { encoding: 'utf8', timeout: 60_000 });
    const r = JSON.parse(out) as { measure: string; keyAgreement: string; medianMs: number; p99Ms: number };
    if (r.keyAgreement !== ka || r.measure !== 'keyAgreement') return null;
    return { name: `bctoolbox 5.1 (C) ${ka} as libbzrtp calls it: 2 keygens + 2 shared secrets`, median: r.medianMs, p99: r.p99Ms };
  } catch {
    return null;
  }
}

/** Samples of the same four operations inside Chromium, per (algorithm, backend). */
async function chromiumSamples(jobs: { ka: DhKeyAgreement; backend: 'purejs' | 'webcrypto' }[]): Promise<number[][]> {
  const { fileURLToPath } = await import('node:url');
  const { launchChromium } = await import('../test/support/browser.ts');
  const { bundleForBrowser, serveFiles } = await import('../test/support/bundle.ts');
  const script = await bundleForBrowser(fileURLToPath(new URL('../test/zrtp/browser/key-agreement-page.ts', import.meta.url)));
  const site = await serveFiles(
    { '/index.html': '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>', '/page.js': script },
    { crossOriginIsolated: true },
  );
  const chromium = await launchChromium({});
  try {
    const page = await chromium.browser.newPage();
    await page.goto(`${site.url}/index.html`);
    await page.waitForFunction(() => 'zrtpKaPage' in globalThis && globalThis.crossOriginIsolated, undefined, { timeout: 10_000 });
    const out: number[][] = [];
    for (const job of jobs) {
      out.push(
        await page.evaluate(
          ([ka, backend, n, w]) =>
            (globalThis as unknown as { zrtpKaPage: { computeSamples(...a: unknown[]): Promise<number[]> } }).zrtpKaPage.computeSamples(ka, backend, n, w),
          [job.ka, job.backend, SAMPLES, WARMUP * 3] as const,
        ),
      );
    }
    return out;
  } finally {
    await chromium.close();
    await site.close();
  }
}

const bench: Benchmark = {
  name: 'ZRTP key-agreement compute (both sides: 2 keygens + 2 shared secrets)',
  budgetSeconds: 180,
  async run(progress) {
    const figures: Figure[] = [];
    for (const ka of KEY_AGREEMENTS) {
      const reference = await bzrtpComputeReference(ka, SAMPLES);
      for (const backend of BACKENDS) {
        for (let i = 0; i < WARMUP; i++) keyAgreementRound(ka, backend.primitives);
        const samples: number[] = [];
        for (let i = 0; i < SAMPLES; i++) samples.push(keyAgreementRound(ka, backend.primitives));
        const { median, p99 } = summarize(samples);
        progress(`${ka} ${backend.label}: median ${median.toFixed(3)} ms` + (reference ? ` (bzrtp ${reference.median.toFixed(3)} ms)` : ''));
        figures.push(
          figure({
            name: `zrtp.compute.${ka}.${backend.id}`,
            description: `${ka} with the ${backend.label} backend: two key pairs and both shared secrets, peer values validated (256-bit DH exponents)`,
            unit: 'ms',
            median,
            p99,
            samples: SAMPLES,
            reference,
            target: ka === 'X255' || ka === 'DH3k' ? { op: '<=', value: 2, of: 'ratio' } : null,
            notes:
              backend.id === 'purejs'
                ? 'Portable path used in browsers; BigInt modexp and @noble/curves cannot match C, see the node figure for native speed.'
                : 'OpenSSL via node:crypto, injected with generateKeyPair(..., { primitives: NODE_PRIMITIVES }).',
          }),
        );
      }
    }
    const jobs = [
      { ka: 'X255', backend: 'webcrypto' },
      { ka: 'X255', backend: 'purejs' },
      { ka: 'EC25', backend: 'webcrypto' },
      { ka: 'EC25', backend: 'purejs' },
    ] as const;
    const x255Reference = await bzrtpComputeReference('X255', SAMPLES);
    const inChromium = await chromiumSamples([...jobs]);
    jobs.forEach((job, i) => {
      const { median, p99 } = summarize(inChromium[i]!);
      const reference = job.ka === 'X255' ? x255Reference : null;
      progress(`${job.ka} in Chromium, ${job.backend}: median ${median.toFixed(3)} ms` + (reference ? ` (bzrtp ${reference.median.toFixed(3)} ms)` : ''));
      figures.push(
        figure({
          name: `zrtp.compute.${job.ka}.chromium-${job.backend}`,
          description: `${job.ka} in headless Chromium with ${job.backend === 'webcrypto' ? 'WebCrypto (the softphone path)' : '@noble (the fallback)'}: two key pairs and both shared secrets, peer values validated`,
          unit: 'ms',
          median,
          p99,
          samples: inChromium[i]!.length,
          reference,
          target: job.ka === 'X255' && job.backend === 'webcrypto' ? { op: '<=', value: 2, of: 'ratio' } : null,
          notes:
            job.backend === 'webcrypto'
              ? 'generateKeyPairAsync x2 + prepareShared x2 (awaited, as the session does) + shared x2; cross-origin isolated page (5 µs timer).'
              : 'generateKeyPair x2 + shared x2 with @noble/curves, in the same page.',
        }),
      );
    });
    return figures;
  },
};

export default bench;
