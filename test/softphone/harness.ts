/**
 * Shared set-up for the softphone end-to-end tests: a fresh Vite build of softphone-web, the
 * real stack (Kamailio + coturn + admin API over HTTPS, in local trial: loopback relay), accounts
 * created through the admin API, and one Chromium process per person with its own fake
 * microphone tone.
 */
import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import type { DeepPartial, SusurroConfig } from '../../src/config/index.ts';
import { launchChromium, makeToneWav } from '../support/browser.ts';
import { installWebRtcProbe, webRtcProbeSource } from './webrtc-probe.ts';
import { launchFirefox } from '../support/firefox.ts';
import { asPhone, fromPuppeteer, type PhonePage } from './phone-page.ts';

export { mediaCounters, selectedPair } from './webrtc-probe.ts';

const run = promisify(execFile);
export const REPO = join(import.meta.dirname, '..', '..');
export const ARTIFACTS = join(REPO, 'test-artifacts', 'softphone');

/** Fresh softphone-web/dist, built at most once across parallel test files (see build-if-stale.mjs). */
export async function buildSoftphone(): Promise<void> {
  await run('flock', ['/tmp/susurro-softphone-build.lock', process.execPath, join(REPO, 'test', 'softphone', 'build-if-stale.mjs')], {
    cwd: REPO,
    timeout: 180_000,
  });
}

/** JSON over HTTPS to the admin service, trusting only the stack's dev CA. */
export function adminRequest(t: TestStack, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: any }> {
  const url = new URL(path, t.stack.urls.softphone);
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: t.caPem,
        servername: 'localhost',
        headers: {
          accept: 'application/json',
          ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = null;
          try {
            json = text ? JSON.parse(text) : null;
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('admin request timed out')));
    if (data) req.write(data);
    req.end();
  });
}

export interface Person {
  extension: string;
  username: string;
  displayName: string;
  password: string;
  toneHz: number;
}

export interface World {
  stack: TestStack;
  adminToken: string;
  /** Every browser the world's phones run in (Chromium and Firefox), closed by stop(). */
  browsers: Array<{ close(): Promise<void> }>;
  stop(): Promise<void>;
}

/** `overrides`: configuration of this world's stack (e.g. `{ calls: { requireSas: false } }`). */
export async function startWorld(people: Person[], overrides: DeepPartial<SusurroConfig> = {}): Promise<World> {
  await buildSoftphone();
  const stack = await startTestStack(overrides);
  const browsers: World['browsers'] = [];
  const stop = async () => {
    for (const b of browsers) await b.close().catch(() => undefined);
    await stack.stop();
  };
  try {
    const first = stack.stack.firstAdmin;
    if (!first) throw new Error('no first admin credentials');
    const login = await adminRequest(stack, 'POST', '/api/v1/admin/login', first);
    if (login.status !== 200) throw new Error(`admin login: ${login.status} ${JSON.stringify(login.json)}`);
    const adminToken = login.json.token as string;
    for (const p of people) {
      const res = await adminRequest(stack, 'POST', '/api/v1/accounts', { extension: p.extension, username: p.username, displayName: p.displayName, password: p.password }, adminToken);
      if (res.status !== 201 && res.status !== 200) throw new Error(`create ${p.extension}: ${res.status} ${JSON.stringify(res.json)}`);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    return { stack, adminToken, browsers, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function openPhone(world: World, person: Person, dir: string): Promise<Page> {
  const wav = await makeToneWav(dir, { frequency: person.toneHz, seconds: 30 });
  const browser = await launchChromium({ audioFile: wav, extraArgs: ['--ignore-certificate-errors'] });
  world.browsers.push(browser);
  const page = await browser.browser.newPage();
  await page.setViewportSize({ width: 390, height: 780 });
  page.on('pageerror', (e) => process.stderr.write(`[${person.extension} pageerror] ${e.message}\n`));
  await installWebRtcProbe(page);
  await page.goto(world.stack.stack.urls.softphone);
  return page;
}

/**
 * A person's phone in Firefox ESR (puppeteer-core, WebDriver BiDi): the profile trusts the stack's
 * CA (no certificate errors ignored), the fake microphone plays the person's tone,
 * the same WebRTC probe as in Chromium.
 */
export async function openFirefoxPhone(world: World, person: Person): Promise<PhonePage> {
  const firefox = await launchFirefox({ caPem: world.stack.caPem, toneHz: person.toneHz });
  world.browsers.push(firefox);
  const page = await firefox.browser.newPage();
  await page.setViewport({ width: 390, height: 780 });
  page.on('pageerror', (e) => process.stderr.write(`[${person.extension} firefox pageerror] ${e instanceof Error ? e.message : String(e)}\n`));
  if (process.env.SUSURRO_FIREFOX_CONSOLE) page.on('console', (m) => process.stderr.write(`[${person.extension} firefox console] ${m.text()}\n`));
  const phone = fromPuppeteer(page);
  await phone.addInitScript(webRtcProbeSource());
  await page.goto(world.stack.stack.urls.softphone);
  return phone;
}

export async function login(page: Page | PhonePage, person: Person): Promise<void> {
  const phone = asPhone(page);
  await phone.fill('login-extension', person.extension);
  await phone.fill('login-password', person.password);
  await phone.click('login-submit');
  await phone.waitFor('[data-testid="connection"][data-state="registered"]', 15_000);
}

/** `from` calls `ext` (on `to`), `to` answers; resolves with the SAS once both screens show it, equal. */
export async function placeCall(from: Page | PhonePage, to: Page | PhonePage, ext: string): Promise<string> {
  const [caller, callee] = [asPhone(from), asPhone(to)];
  await caller.click(`call-${ext}`);
  await callee.waitFor('[data-testid="answer"]', 10_000);
  await callee.click('answer');
  await Promise.all([caller, callee].map((p) => p.waitFor('[data-testid="sas"]', 15_000)));
  const sas = await caller.text('sas');
  expect(await callee.text('sas')).toBe(sas);
  return sas;
}

/** `from` hangs up; both see the ended screen and go back home. */
export async function hangUp(from: Page | PhonePage, other: Page | PhonePage): Promise<void> {
  const phones = [asPhone(from), asPhone(other)];
  await phones[0]!.click('hangup');
  for (const p of phones) {
    await p.waitFor('[data-testid="call-ended"]', 5000);
    await p.click('back');
  }
}

/** The default confirmation (issue 15): open "pick the code you heard" and pick `heard`, the code the colleague read aloud. */
export async function pickHeardCode(page: Page | PhonePage, heard: string): Promise<void> {
  const phone = asPhone(page);
  await phone.click('sas-pick');
  await phone.waitFor('[data-testid="sas-choice"]', 5000);
  const picked = await phone.evaluate((code: string) => {
    const choice = [...document.querySelectorAll<HTMLElement>('[data-testid="sas-choice"]')].find((e) => e.innerText.trim() === code);
    choice?.click();
    return choice !== undefined;
  }, heard);
  expect(picked).toBe(true);
}

/** The security status (data-status of the security-status element) of a call screen. */
export function securityStatus(page: Page | PhonePage): Promise<string | null> {
  return asPhone(page).evaluate(() => document.querySelector('[data-testid="security-status"]')?.getAttribute('data-status') ?? null);
}

/** Reload a signed-in page: the sign-in survives the reload (saved-session.ts), the phone registers again. */
export async function reloadSignedIn(page: Page): Promise<void> {
  await page.reload();
  await page.locator('[data-testid="connection"][data-state="registered"]').waitFor({ timeout: 15_000 });
}

/** Two people's phones, logged in, in a world of their own (see startLoggedInPair). */
export interface LoggedInPair {
  world: World;
  /** Temporary directory of this pair (tone files; free for the test's own files). */
  dir: string;
  a: Page;
  b: Page;
  /** Stops the browsers and the stack and removes `dir`. */
  stop(): Promise<void>;
}

/**
 * The set-up of the two-party end-to-end tests: a temporary directory named after `tmpPrefix`,
 * a world with accounts for `first` and `second`, a phone for each, both logged in. On failure
 * it stops what it started before rethrowing.
 */
export async function startLoggedInPair(first: Person, second: Person, tmpPrefix: string): Promise<LoggedInPair> {
  const dir = mkdtempSync(join(tmpdir(), tmpPrefix));
  let world: World | undefined;
  const stop = async () => {
    await world?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    world = await startWorld([first, second]);
    const a = await openPhone(world, first, dir);
    const b = await openPhone(world, second, dir);
    await login(a, first);
    await login(b, second);
    return { world, dir, a, b, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Dominant frequency of the call's remote audio, measured in the page with an AnalyserNode
 * on the remote track (what the person would hear), and its level above the noise floor.
 */
export async function remoteTone(page: Page | PhonePage, ms = 1500): Promise<{ peakHz: number; peakDb: number; medianDb: number }> {
  return asPhone(page).evaluate(async (duration: number) => {
    const audio = document.querySelector('audio[data-testid="remote-audio"]') as HTMLAudioElement;
    const stream = audio.srcObject as MediaStream;
    const ctx = new AudioContext();
    const src = ctx.createMediaStreamSource(stream);
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 4096;
    src.connect(analyser);
    const bins = new Float32Array(analyser.frequencyBinCount);
    const sum = new Float32Array(analyser.frequencyBinCount);
    const rounds = Math.max(1, Math.floor(duration / 100));
    for (let i = 0; i < rounds; i++) {
      await new Promise((r) => setTimeout(r, 100));
      analyser.getFloatFrequencyData(bins);
      for (let k = 0; k < bins.length; k++) sum[k]! += Number.isFinite(bins[k]!) ? bins[k]! : -200;
    }
    let peak = 0;
    for (let k = 1; k < sum.length; k++) if (sum[k]! > sum[peak]!) peak = k;
    const sorted = Array.from(sum).sort((a, b) => a - b);
    const out = { peakHz: (peak * ctx.sampleRate) / analyser.fftSize, peakDb: sum[peak]! / rounds, medianDb: sorted[Math.floor(sorted.length / 2)]! / rounds };
    await ctx.close();
    return out;
  }, ms);
}

/**
 * Measures the remote audio until `hz` stands out (peak within 30 Hz, 20 dB above the median),
 * at most `tries` windows: on a loaded machine audio can take a moment to settle after set-up.
 */
export async function heardTone(page: Page | PhonePage, hz: number, tries = 4): Promise<{ peakHz: number; peakDb: number; medianDb: number }> {
  let last = await remoteTone(page, 800);
  for (let i = 1; i < tries && !(Math.abs(last.peakHz - hz) < 30 && last.peakDb - last.medianDb > 20); i++) last = await remoteTone(page, 800);
  return last;
}

/** Each page hears the other's tone (within 30 Hz, 20 dB above the median): `a` hears `bHz`, `b` hears `aHz`. */
export async function expectToneBothWays(a: Page | PhonePage, aHz: number, b: Page | PhonePage, bHz: number): Promise<void> {
  const heardByA = await heardTone(a, bHz);
  const heardByB = await heardTone(b, aHz);
  expect(Math.abs(heardByA.peakHz - bHz)).toBeLessThan(30);
  expect(Math.abs(heardByB.peakHz - aHz)).toBeLessThan(30);
  expect(heardByA.peakDb - heardByA.medianDb).toBeGreaterThan(20);
  expect(heardByB.peakDb - heardByB.medianDb).toBeGreaterThan(20);
}
