/**
 * Call set-up latency of the web softphone on loopback, with everything real: Kamailio (WSS),
 * coturn (relay-only ICE), the admin API, two Chromium processes, ZRTP over the data channel
 * and SFrame keys installed in the worker.
 *
 *  - dial → SAS: the caller clicks "Call"; ends when the SAS is on BOTH screens. Includes the
 *    ringing phase, which here lasts as long as the harness takes to see the incoming screen
 *    and click "Answer" (Playwright round trips, a few tens of ms).
 *  - answer → SAS: the callee clicks "Answer"; ends when the SAS is on both screens. This is
 *    200 OK + ACK, ICE through TURN, DTLS, SCTP, the full ZRTP DH exchange, the cache write
 *    and key installation. Target (issue #6): median ≤ 150 ms.
 *
 * Timestamps are taken inside the pages (performance.timeOrigin + performance.now(), one
 * machine so one clock); the SAS moment is recorded by a MutationObserver.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { figure, summarize, type Benchmark, type Figure } from './lib/report.ts';
import { login, openPhone, startWorld, type Person } from '../test/softphone/harness.ts';

const CALLS = 12;
const caller: Person = { extension: '301', username: 'bench-a', displayName: 'Bench Caller', password: 'Bench-Caller-Pass-2024!x', toneHz: 440 };
const callee: Person = { extension: '302', username: 'bench-b', displayName: 'Bench Callee', password: 'Bench-Callee-Pass-2024!y', toneHz: 1000 };

async function armSasProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = globalThis as unknown as { __sasAt: number | null; __sasObserver?: MutationObserver };
    w.__sasAt = null;
    w.__sasObserver?.disconnect();
    // (no named helpers in here: tsx's keepNames would reference __name inside the page)
    w.__sasObserver = new MutationObserver(() => {
      if (w.__sasAt === null && document.querySelector('[data-testid="sas"]')) w.__sasAt = performance.timeOrigin + performance.now();
    });
    w.__sasObserver.observe(document.body, { childList: true, subtree: true });
  });
}

async function clickAt(page: Page, testid: string): Promise<number> {
  return page.evaluate((id) => {
    const el = document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
    if (!el) throw new Error(`no ${id}`);
    const t = performance.timeOrigin + performance.now();
    el.click();
    return t;
  }, testid);
}

async function sasAt(page: Page): Promise<number> {
  await page.getByTestId('sas').waitFor({ timeout: 15_000 });
  return page.evaluate(() => (globalThis as unknown as { __sasAt: number }).__sasAt);
}

async function endCall(a: Page, b: Page): Promise<void> {
  await a.getByTestId('hangup').click();
  for (const p of [a, b]) {
    await p.getByTestId('back').waitFor({ timeout: 5000 });
    await p.getByTestId('back').click();
  }
}

const bench: Benchmark = {
  name: 'softphone call set-up (Chromium ↔ Kamailio ↔ coturn, ZRTP + SFrame)',
  budgetSeconds: 240,
  async run(progress) {
    const dir = mkdtempSync(join(tmpdir(), 'susurro-bench-call-'));
    const world = await startWorld([caller, callee]);
    try {
      const a = await openPhone(world, caller, dir);
      const b = await openPhone(world, callee, dir);
      await login(a, caller);
      await login(b, callee);
      await a.getByTestId(`call-${callee.extension}`).waitFor();
      const dialToSas: number[] = [];
      const answerToSas: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        await Promise.all([armSasProbe(a), armSasProbe(b)]);
        const dialAt = await clickAt(a, `call-${callee.extension}`);
        await b.getByTestId('answer').waitFor({ timeout: 10_000 });
        const answerAt = await clickAt(b, 'answer');
        const [sa, sb] = await Promise.all([sasAt(a), sasAt(b)]);
        const both = Math.max(sa, sb);
        dialToSas.push(both - dialAt);
        answerToSas.push(both - answerAt);
        const timeline: Record<string, number> = await b.evaluate(() => (globalThis as any).susurro.controller.debugCall()?.timeline ?? {});
        const steps = Object.entries(timeline).sort((x, y) => x[1] - y[1]).map(([k, v]) => `${k}+${(v - answerAt).toFixed(0)}`).join(' ');
        progress(`call ${i + 1}/${CALLS}: dial→SAS ${(both - dialAt).toFixed(0)} ms, answer→SAS ${(both - answerAt).toFixed(0)} ms; callee: ${steps}`);
        await endCall(a, b);
      }
      const d = summarize(dialToSas);
      const s = summarize(answerToSas);
      const figures: Figure[] = [
        figure({
          name: 'softphone.call.dial-to-sas',
          description: 'caller clicks Call → SAS shown on both phones (includes the automated answer)',
          unit: 'ms', median: d.median, p99: d.p99, samples: dialToSas.length, reference: null, target: null,
        }),
        figure({
          name: 'softphone.call.answer-to-sas',
          description: 'callee clicks Answer → SAS shown on both phones (ICE via TURN, DTLS, SCTP, ZRTP, keys)',
          unit: 'ms', median: s.median, p99: s.p99, samples: answerToSas.length, reference: null,
          target: { op: '<=', value: 150, of: 'median' },
        }),
      ];
      return figures;
    } finally {
      await world.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
