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
import { launchChromium, makeToneWav } from '../test/support/browser.ts';
import type { Scenario, ScenarioResult } from '../test/media-crypto/browser/harness.ts';
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

/**
 * A real call in Chromium (the browser test's harness): 5 s of Opus tone A -> B with SFrame on
 * both sides, keys from two in-page ZRTP engines, beside the same call without SFrame. Reports
 * what B's jitter buffer had to conceal (inbound-rtp concealedSamples): the issue asks for 0.
 */
async function callFigures(dir: string, progress: (line: string) => void): Promise<Figure[]> {
  progress('chromium calls: 2 x (5 s without SFrame, 5 s with)');
  const [wav, harness, worker] = await Promise.all([
    makeToneWav(dir),
    bundleForBrowser(join(here, '../test/media-crypto/browser/harness.ts')),
    bundleForBrowser(join(here, '../src/media-crypto/sframe-worker.ts')),
  ]);
  const site = await serveFiles({
    '/index.html': '<!doctype html><title>call</title><script type="module" src="/harness.js"></script>',
    '/harness.js': harness,
    '/worker.js': worker,
  });
  const chromium = await launchChromium({ audioFile: wav, extraArgs: ['--allow-loopback-in-peer-connection'] });
  try {
    const page = await chromium.browser.newPage();
    await page.goto(`${site.url}/index.html`);
    await page.waitForFunction(() => 'sframeHarness' in globalThis);
    const run = (s: Scenario) =>
      page.evaluate((sc) => (globalThis as unknown as { sframeHarness: { runScenario(x: Scenario): Promise<ScenarioResult> } }).sframeHarness.runScenario(sc), s);
    // Alternate plain and SFrame calls so warm-up and load drift hit both alike.
    const steady = (r: ScenarioResult) => ({
      concealed: r.inboundB.concealedSamples - r.inboundBSteadyStart.concealedSamples,
      received: r.inboundB.totalSamplesReceived - r.inboundBSteadyStart.totalSamplesReceived,
    });
    const ours = { concealed: 0, received: 0 };
    const ref = { concealed: 0, received: 0 };
    let withSframe: ScenarioResult | null = null;
    let plain: ScenarioResult | null = null;
    for (let round = 0; round < 2; round++) {
      plain = await run({ sframeA: false, sframeB: false, keying: 'fixed', listenSeconds: 5 });
      withSframe = await run({ sframeA: true, sframeB: true, keying: 'zrtp', listenSeconds: 5 });
      for (const [acc, r] of [[ref, plain], [ours, withSframe]] as const) {
        const st = steady(r);
        acc.concealed += st.concealed;
        acc.received += st.received;
      }
    }
    const b = withSframe!.statsB!;
    return [
      figure({
        name: 'sframe.call.concealed-samples',
        description: 'Chromium calls (2 rounds, alternating with plain), Opus A->B through SFrame workers: samples B concealed from 1 s after keys to 5 s',
        unit: 'samples',
        median: ours.concealed,
        p99: null,
        samples: ours.received,
        reference: { name: 'same call without SFrame', median: ref.concealed, p99: null },
        target: { op: '<=', value: 0, of: 'median' },
        notes:
          `last round, whole call incl. start: ${withSframe!.inboundB.concealedSamples} concealed (plain ${plain!.inboundB.concealedSamples}); ` +
          `B worker: decrypted ${b.decrypted}, droppedAuth ${b.droppedAuth}, replayed ${b.replayed}; tone at B ${withSframe!.toneAtB.detected}`,
      }),
    ];
  } finally {
    await chromium.close();
    await site.close();
  }
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
    }

    try {
      out.push(...(await callFigures(dir, progress)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return out;
  },
};

export default bench;
