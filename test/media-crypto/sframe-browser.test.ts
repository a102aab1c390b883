/**
 * SFrame in a real browser: headless Debian Chromium, two RTCPeerConnections on 127.0.0.1,
 * sendrecv Opus from a fake microphone playing a sox 1 kHz tone, SFrame transforms in a worker.
 * What B plays is checked with an AnalyserNode (peak near 1 kHz, >30 dB over the median).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchChromium, makeToneWav, type LaunchedChromium } from '../support/browser.ts';
import { bundleForBrowser, serveFiles, type ServedSite } from '../support/bundle.ts';
import type { ApiCheckResult, Scenario, ScenarioResult } from './browser/harness.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
let dir = '';
let chromium: LaunchedChromium | null = null;
let site: ServedSite | null = null;
let page: Page;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'susurro-sframe-browser-'));
  const [wav, harness, worker] = await Promise.all([
    makeToneWav(dir, { frequency: 1000, seconds: 10 }),
    bundleForBrowser(join(here, 'browser/harness.ts')),
    bundleForBrowser(join(here, '../../src/media-crypto/sframe-worker.ts')),
  ]);
  site = await serveFiles({
    '/index.html': '<!doctype html><meta charset="utf-8"><title>sframe</title><script type="module" src="/harness.js"></script>',
    '/harness.js': harness,
    '/worker.js': worker,
  });
  chromium = await launchChromium({ audioFile: wav, extraArgs: ['--allow-loopback-in-peer-connection'] });
  page = await chromium.browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${site.url}/index.html`);
  await page.waitForFunction(() => 'sframeHarness' in globalThis, undefined, { timeout: 10_000 });
});

afterAll(async () => {
  await chromium?.close();
  await site?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function run(s: Scenario): Promise<ScenarioResult> {
  const r = await page.evaluate(
    (scenario) => (globalThis as unknown as { sframeHarness: { runScenario(s: Scenario): Promise<ScenarioResult> } }).sframeHarness.runScenario(scenario),
    s,
  );
  if (process.env['SFRAME_DEBUG']) console.log(JSON.stringify(s), summary(r));
  return r;
}

const summary = (r: ScenarioResult) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

describe('SFrame transforms in Chromium (RTCRtpScriptTransform worker)', () => {
  it('page API: non-extractable keys, KID reuse and unknown suites refused, attach idempotent', async () => {
    const r = await page.evaluate(() =>
      (globalThis as unknown as { sframeHarness: { apiChecks(): Promise<ApiCheckResult> } }).sframeHarness.apiChecks(),
    );
    expect(r.bundleExtractable).toEqual([false, false]);
    expect(r.reuseError).toBe('SUSURRO_SFRAME_INVALID_ARGUMENT');
    expect(r.badSuiteError).toBe('SUSURRO_SFRAME_UNSUPPORTED_SUITE');
    expect([r.statsAfterKeys.sendKid, r.statsAfterKeys.receiveKids]).toEqual([0n, [0n]]);
    expect(r.attachTwiceSame).toBe(true);
    expect(r.attachBadTarget).toBe('TypeError');
    expect(r.pushedStats?.receiveKids, 'onStats pushed after the keys changed').toEqual([0n]);
    expect(r.foreignOptionsError).toBe('SUSURRO_SFRAME_INVALID_ARGUMENT');
    expect(r.noTransformApi, 'no transform API: attach must throw, never leave media unprotected').toBe('SframeError');
  });

  it('control: without SFrame on either side the tone detector hears the tone', async () => {
    const r = await run({ sframeA: false, sframeB: false, keying: 'fixed', listenSeconds: 2 });
    expect(r.toneAtB.detected, summary(r)).toBe(true);
    // Only 127.0.0.1 candidates are signalled, so B sends to 127.0.0.1 from 127.0.0.1. A may
    // answer B's checks from another address of this host (a peer-reflexive pair): still
    // host-local traffic, never on a wire. Both ends must be addresses of this machine.
    expect(r.selectedLocal.b, 'B on loopback').toBe('127.0.0.1');
    const own = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
    expect(own, `A's address ${r.selectedLocal.a} belongs to this host`).toContain(r.selectedLocal.a);
  });

  it('keys from two in-page ZRTP engines over a data channel: both directions carry the tone, 0 auth failures', async () => {
    const r = await run({ sframeA: true, sframeB: true, keying: 'zrtp', listenSeconds: 2 });
    expect(r.sas, 'both engines showed the same SAS').toMatch(/^[a-z0-9]{4}$/);
    expect(r.toneAtB.detected, summary(r)).toBe(true);
    expect(r.toneAtA.detected, summary(r)).toBe(true);
    expect(r.statsA!.encrypted).toBeGreaterThan(50);
    expect(r.statsB!.decrypted).toBeGreaterThan(50);
    expect(r.statsB!.encrypted).toBeGreaterThan(50);
    expect(r.statsA!.decrypted).toBeGreaterThan(50);
    expect([r.statsA!.droppedAuth, r.statsB!.droppedAuth, r.statsA!.replayed, r.statsB!.replayed]).toEqual([0, 0, 0, 0]);
  });

  it("with B's receive key deliberately wrong, no tone reaches B and its worker drops frames", async () => {
    const r = await run({ sframeA: true, sframeB: true, keying: 'zrtp', wrongKeyAtB: true, listenSeconds: 2 });
    expect(r.toneAtB.detected, summary(r)).toBe(false);
    expect(r.statsA!.encrypted).toBeGreaterThan(50);
    expect(r.statsB!.droppedAuth).toBeGreaterThan(50);
    expect(r.statsB!.decrypted).toBe(0);
    // B's send key is wrong too (same wrong exported key), so A drops B's frames likewise.
    expect(r.toneAtA.detected, summary(r)).toBe(false);
    expect(r.statsA!.droppedAuth).toBeGreaterThan(50);
  });

  it('rekey to epoch 1 keeps the tone with no drops; clearing the sender keys then silences it (fail closed)', async () => {
    const r = await run({ sframeA: true, sframeB: true, keying: 'zrtp', listenSeconds: 1, rekeyThenClear: true });
    const k = r.rekey!;
    expect(r.toneAtB.detected, summary(r)).toBe(true);
    expect(k.toneAtBAfterRekey.detected, summary(r)).toBe(true);
    expect(k.statsBAfterRekey.receiveKids).toEqual([0n, 1n]);
    expect([k.statsAAfterRekey.sendKid, k.statsBAfterRekey.sendKid]).toEqual([1n, 1n]);
    for (const st of [k.statsAAfterRekey, k.statsBAfterRekey]) {
      expect([st.droppedAuth, st.droppedUnknownKid, st.replayed], summary(r)).toEqual([0, 0, 0]);
    }
    // After A forgot its keys, everything A captures is dropped before it leaves.
    expect(k.toneAtBAfterClear.detected, summary(r)).toBe(false);
    expect(k.statsAAfterClear.droppedNoKey - k.statsAAfterRekey.droppedNoKey).toBeGreaterThan(40);
    expect(k.statsAAfterClear.sendKid).toBeNull();
    expect(k.statsBAfterClear.decrypted - k.statsBAfterRekey.decrypted).toBeLessThan(10);
  });

  it('createEncodedStreams fallback (RTCRtpScriptTransform hidden): tone through, 0 auth failures', async () => {
    const r = await run({ sframeA: true, sframeB: true, keying: 'zrtp', forceFallback: true, listenSeconds: 2 });
    expect(r.transformApi).toBe('createEncodedStreams');
    expect(r.toneAtB.detected, summary(r)).toBe(true);
    expect(r.statsB!.decrypted).toBeGreaterThan(50);
    expect([r.statsA!.droppedAuth, r.statsB!.droppedAuth]).toEqual([0, 0]);
  });

  it('a receiver without the transform gets packets but hears no tone (frames on the wire are ciphertext)', async () => {
    const r = await run({ sframeA: true, sframeB: false, keying: 'zrtp', listenSeconds: 2 });
    expect(r.statsA!.encrypted).toBeGreaterThan(50);
    expect(r.inboundB.packetsReceived, summary(r)).toBeGreaterThan(50);
    expect(r.toneAtB.detected, summary(r)).toBe(false);
    // ...and A, which does decrypt, drops B's plaintext frames: they name no KID it holds.
    expect(r.statsA!.decrypted).toBe(0);
    expect(r.statsA!.droppedUnknownKid + r.statsA!.droppedAuth + r.statsA!.droppedMalformed).toBeGreaterThan(50);
  });
});
