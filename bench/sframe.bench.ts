/**
 * SFrame per-frame cost: encrypt + decrypt of ~100-byte frames (an Opus frame at 32 kb/s is
 * 80 bytes), in Node and in a Chromium dedicated worker (where the RTCRtpScriptTransform runs),
 * beside the common per-frame AES-GCM transform measured in the same run. See
 * test/media-crypto/browser/bench-core.ts for exactly what each figure times.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { figure, summarize, type Benchmark, type Figure } from './lib/report.ts';
import { measureSframe, type BenchSamples } from '../test/media-crypto/browser/bench-core.ts';
import { launchChromium } from '../test/support/browser.ts';
import { bundleForBrowser, serveFiles } from '../test/support/bundle.ts';

const FRAMES = 3000;
const SIZE = 100;
const here = fileURLToPath(new URL('.', import.meta.url));

function figures(where: 'node' | 'worker', s: BenchSamples): Figure[] {
  const oursSeq = summarize(s.oursSequential);
  const refSeq = summarize(s.refSequential);
  const oursStream = summarize(s.oursStream);
  const refStream = summarize(s.refStream);
  const target = where === 'worker' ? ({ op: '<=', value: 0.05, of: 'median' } as const) : null;
  const rt = s.errors === 0 ? 'all frames round-tripped' : `${s.errors} frames FAILED to round-trip`;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const streamNote = `${rt}; mean per frame ours ${mean(s.oursStream).toFixed(4)} ms, reference ${mean(s.refStream).toFixed(4)} ms`;
  const note = rt;
  return [
    figure({
      name: `sframe.${where}.stream.per-frame`,
      description: `${where}: encrypt+decrypt through send->receive TransformStreams (sframeTransformer), gap between successive outputs`,
      unit: 'ms',
      median: oursStream.median,
      p99: oursStream.p99,
      samples: s.oursStream.length,
      reference: { name: 'await subtle.encrypt/decrypt per frame in transform()', median: refStream.median, p99: refStream.p99 },
      target,
      notes: streamNote,
    }),
    figure({
      name: `sframe.${where}.sequential.latency`,
      description: `${where}: one frame at a time, SframeSender.encrypt then SframeReceiver.decrypt (latency incl. WebCrypto round trips)`,
      unit: 'ms',
      median: oursSeq.median,
      p99: oursSeq.p99,
      samples: s.oursSequential.length,
      reference: { name: 'await subtle.encrypt + subtle.decrypt, IV = SSRC||counter', median: refSeq.median, p99: refSeq.p99 },
      target: null,
      notes: note,
    }),
  ];
}

const bench: Benchmark = {
  name: 'sframe',
  budgetSeconds: 180,
  async run(progress) {
    const out: Figure[] = [];
    progress(`node: ${FRAMES} frames of ${SIZE} bytes`);
    out.push(...figures('node', await measureSframe(FRAMES, SIZE)));

    progress('chromium worker: bundling and launching /usr/bin/chromium');
    const dir = await mkdtemp(join(tmpdir(), 'susurro-sframe-bench-'));
    const worker = await bundleForBrowser(join(here, '../test/media-crypto/browser/bench-worker.ts'));
    const site = await serveFiles({ '/index.html': '<!doctype html><title>bench</title>', '/bench-worker.js': worker }, { crossOriginIsolated: true });
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage();
      await page.goto(`${site.url}/index.html`);
      if (!(await page.evaluate(() => globalThis.crossOriginIsolated))) throw new Error('page not cross-origin isolated: timer too coarse');
      const result = await page.evaluate(
        ({ frames, size }) =>
          new Promise<{ ok: boolean; samples?: BenchSamples; error?: string }>((resolve) => {
            const w = new Worker('/bench-worker.js', { type: 'module' });
            w.onmessage = (e) => {
              resolve(e.data);
              w.terminate();
            };
            w.onerror = (e) => resolve({ ok: false, error: e.message });
            w.postMessage({ frames, size });
          }),
        { frames: FRAMES, size: SIZE },
      );
      if (!result.ok || !result.samples) throw new Error(`worker benchmark failed: ${result.error}`);
      out.push(...figures('worker', result.samples));
    } finally {
      await chromium.close();
      await site.close();
      await rm(dir, { recursive: true, force: true });
    }
    return out;
  },
};

export default bench;
