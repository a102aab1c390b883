/**
 * SFrame in a real browser: headless Debian Chromium, two RTCPeerConnections on 127.0.0.1,
 * sendrecv Opus from a fake microphone playing a sox 1 kHz tone, SFrame transforms in a worker.
 * What B plays is checked with an AnalyserNode (peak near 1 kHz, >30 dB over the median).
 */
import { createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchChromium, makeToneWav, type LaunchedChromium } from '../support/browser.ts';
import { bundleForBrowser, serveFiles, type ServedSite } from '../support/bundle.ts';
import type { ApiCheckResult, Scenario, ScenarioResult, WireRecord } from './browser/harness.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
let dir = '';
let chromium: LaunchedChromium | null = null;
let site: ServedSite | null = null;
let page: Page;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'susurro-sframe-browser-'));
  const [wav, harness, worker, recordWorker] = await Promise.all([
    makeToneWav(dir, { frequency: 1000, seconds: 10 }),
    bundleForBrowser(join(here, 'browser/harness.ts')),
    bundleForBrowser(join(here, '../../src/media-crypto/sframe-worker.ts')),
    bundleForBrowser(join(here, 'browser/record-worker.ts')),
  ]);
  site = await serveFiles({
    '/index.html': '<!doctype html><meta charset="utf-8"><title>sframe</title><script type="module" src="/harness.js"></script>',
    '/harness.js': harness,
    '/worker.js': worker,
    '/record-worker.js': recordWorker,
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

/**
 * SPEC.md §2-3 with node:crypto only: ZRTP KDF (HMAC) -> base_key_ir, HKDF -> sframe key/salt
 * (suite 0x0004, KID 0), then AES-128-GCM with the header as AAD. Returns KID, CTR, plaintext.
 */
function openWithNodeCrypto(
  src: WireRecord['senderSource'],
  frame: Buffer,
): { kid: number; ctr: number; plaintext: Buffer } {
  if (src.hash !== 'S256' || src.cipher !== 'AES1' || src.role !== 'initiator') throw new Error(`unexpected source ${JSON.stringify(src)}`);
  const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  const context = Buffer.concat([Buffer.from(src.localZid, 'hex'), Buffer.from(src.peerZid, 'hex'), u32(0)]);
  const base = createHmac('sha256', Buffer.from(src.exportedKey, 'hex'))
    .update(Buffer.concat([u32(1), Buffer.from('SFrame base key initiator to responder'), Buffer.from([0]), context, u32(256)]))
    .digest();
  const label = (what: string) => Buffer.concat([Buffer.from(`SFrame 1.0 Secret ${what} `), Buffer.alloc(8), Buffer.from([0, 4])]);
  const key = Buffer.from(hkdfSync('sha256', base, Buffer.alloc(0), label('key'), 16));
  const salt = Buffer.from(hkdfSync('sha256', base, Buffer.alloc(0), label('salt'), 12));
  // RFC 9605 §4.3 header: KID 0 fits in the config byte (X=0); CTR inline or Y=1 with C+1 bytes.
  const config = frame[0]!;
  if (config & 0x80) throw new Error('KID is not inline');
  const kid = (config >> 4) & 7;
  const clen = config & 0x08 ? (config & 7) + 1 : 0;
  const ctr = clen ? frame.subarray(1, 1 + clen).reduce((a, b) => a * 256 + b, 0) : config & 7;
  const header = frame.subarray(0, 1 + clen);
  const nonce = Buffer.from(salt);
  nonce.writeBigUInt64BE(nonce.readBigUInt64BE(4) ^ BigInt(ctr), 4);
  const body = frame.subarray(1 + clen);
  const d = createDecipheriv('aes-128-gcm', key, nonce);
  d.setAAD(header);
  d.setAuthTag(body.subarray(body.length - 16));
  const plaintext = Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]);
  return { kid, ctr, plaintext };
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

  it('a receiver without the transform hears no tone; what it gets is SFrame that node:crypto opens per SPEC.md', async () => {
    const r = await run({ sframeA: true, sframeB: false, keying: 'zrtp', listenSeconds: 2, recordAtB: true });
    expect(r.statsA!.encrypted).toBeGreaterThan(50);
    expect(r.inboundB.packetsReceived, summary(r)).toBeGreaterThan(50);
    expect(r.toneAtB.detected, summary(r)).toBe(false);
    // ...and A, which does decrypt, drops B's plaintext frames: they name no KID it holds.
    expect(r.statsA!.decrypted).toBe(0);
    expect(r.statsA!.droppedUnknownKid + r.statsA!.droppedAuth + r.statsA!.droppedMalformed).toBeGreaterThan(50);

    // What came off the wire is SFrame per SPEC.md: node:crypto alone (independent of src/)
    // derives A's send key from the ZRTP Exported Key and opens every recorded frame.
    const wire = r.wire!;
    expect(wire.frames.length).toBe(20);
    const opened = wire.frames.map((f) => openWithNodeCrypto(wire.senderSource, Buffer.from(f, 'hex')));
    expect(opened.map((o) => o.kid)).toEqual(opened.map(() => 0));
    const ctrs = opened.map((o) => o.ctr);
    expect(ctrs.every((c, i) => i === 0 || c > ctrs[i - 1]!), `increasing CTRs ${ctrs.join(',')}`).toBe(true);
    expect(opened.every((o) => o.plaintext.length > 0)).toBe(true);
  });
});
