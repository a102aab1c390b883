/**
 * Firefox ESR ↔ Chromium, both directions, through the real stack (Kamailio WSS, coturn relay on
 * loopback, admin API): Alice's phone runs in Debian's Firefox ESR (puppeteer-core over WebDriver
 * BiDi; her microphone is a 440 Hz tone), Bob's in Chromium (1000 Hz). Each call: equal SAS on
 * both screens, each side hears the other's tone after SFrame decryption (RTCRtpScriptTransform
 * in Firefox), relay-only ICE, both confirm the code, hang-up ends the call on both sides.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ARTIFACTS, expectToneBothWays, hangUp, login, mediaCounters, openFirefoxPhone, openPhone, pickHeardCode, placeCall, securityStatus, selectedPair, startWorld, type Person, type World } from './harness.ts';
import { fromPlaywright, type PhonePage } from './phone-page.ts';
import { FIREFOX_PATH } from '../support/firefox.ts';

const alice: Person = { extension: '211', username: 'alice', displayName: 'Alice Núñez', password: 'Tr0ub4dor-Kestrel-Mango-41', toneHz: 440 };
const bob: Person = { extension: '212', username: 'bob', displayName: 'Bob Ferreira', password: 'Correct-Horse-Battery-9412', toneHz: 1000 };

let world: World;
let dir: string;
let fx: PhonePage; // Alice, Firefox
let cr: PhonePage; // Bob, Chromium
const timings: Record<string, number> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'susurro-firefox-'));
  world = await startWorld([alice, bob]);
  const t0 = performance.now();
  fx = await openFirefoxPhone(world, alice);
  timings.firefoxLaunchMs = Math.round(performance.now() - t0);
  cr = fromPlaywright(await openPhone(world, bob, dir));
  await login(fx, alice);
  await login(cr, bob);
}, 240_000);

afterAll(async () => {
  process.stderr.write(`[firefox.e2e] ${execFileSync(FIREFOX_PATH, ['--version']).toString().trim()}; timings ${JSON.stringify(timings)}\n`);
  await world?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** One call from `caller` to `callee`, checked end to end; returns the SAS both showed. */
async function secureCall(caller: PhonePage, callee: PhonePage, calleeExt: string, label: string): Promise<string> {
  const t0 = performance.now();
  await placeCall(caller, callee, calleeExt).catch(async (err) => {
    await caller.screenshot(join(ARTIFACTS, `${caller.engine}-${label}-failed.png`));
    await callee.screenshot(join(ARTIFACTS, `${callee.engine}-${label}-failed.png`));
    throw err;
  });
  timings[`${label}DialToSasMs`] = Math.round(performance.now() - t0);
  const sasCaller = await caller.text('sas');
  const sasCallee = await callee.text('sas');
  expect(sasCaller).toMatch(/^[a-z0-9]{4}$|^\S+ \S+$/);
  expect(sasCallee).toBe(sasCaller);
  await expectToneBothWays(fx, alice.toneHz, cr, bob.toneHz);
  for (const p of [fx, cr]) {
    const counters = await mediaCounters(p);
    expect(counters!.framesEncrypted).toBeGreaterThan(20);
    expect(counters!.framesDecrypted).toBeGreaterThan(20);
    expect(counters!.droppedAuth).toBe(0);
    const pair = await selectedPair(p);
    expect(pair).toMatchObject({ local: 'relay', remote: 'relay', remoteAddress: '127.0.0.1' });
  }
  // Firefox encrypts with RTCRtpScriptTransform on every sender and receiver (it has no
  // createEncodedStreams fallback): the counters above come from that worker.
  const transforms = await fx.evaluate(() => {
    const pc = (globalThis as any).__susurroProbe.pcs.at(-1) as RTCPeerConnection;
    const all = [...pc.getSenders(), ...pc.getReceivers()] as Array<{ transform?: unknown }>;
    return all.map((t) => t.transform instanceof (globalThis as any).RTCRtpScriptTransform);
  });
  expect(transforms.length).toBeGreaterThanOrEqual(2);
  expect(transforms.every(Boolean)).toBe(true);
  await caller.screenshot(join(ARTIFACTS, `${caller.engine}-${label}-sas.png`));
  await callee.screenshot(join(ARTIFACTS, `${callee.engine}-${label}-sas.png`));
  return sasCaller;
}

describe('Firefox ESR ↔ Chromium', () => {
  it('Firefox calls Chromium: equal SAS, tones decrypted both ways, relay only, both confirm, hang-up', async () => {
    expect(await securityStatus(fx)).toBe(null); // not in a call yet
    await secureCall(fx, cr, bob.extension, 'fx-to-cr');
    for (const p of [fx, cr]) expect(await securityStatus(p)).toBe('unverified');
    const sas = await cr.text('sas');
    await pickHeardCode(fx, sas);
    await pickHeardCode(cr, sas);
    await fx.waitFor('[data-testid="security-status"][data-status="verified"]');
    await cr.waitFor('[data-testid="security-status"][data-status="verified"]');
    await hangUp(fx, cr);
  });

  it('Chromium calls Firefox: equal SAS, tones both ways, "verified before" on both, hang-up from Firefox', async () => {
    await secureCall(cr, fx, alice.extension, 'cr-to-fx');
    for (const p of [fx, cr]) expect(await securityStatus(p)).toBe('verified-before');
    await hangUp(fx, cr);
  });
});
