/**
 * JsSIP ↔ the sip.js softphone (issue #16 "JsSIP"): a second JavaScript SIP stack, the `jssip`
 * package on a test page (test/support/jssip-page.ts, bundled for the test only), registers over
 * WSS with digest and calls the web softphone and back through the real Kamailio, coturn
 * (relay-only ICE) and admin API, both in Debian's Chromium. REGISTER, INVITE/ACK/BYE both
 * ways, re-INVITE (hold/resume) answered, CANCEL before answer.
 *
 * What the softphone shows: a JsSIP client speaks DTLS-SRTP but no ZRTP (no a=zrtp-hash, no
 * ZRTP on the data channel), so the softphone can never agree ZRTP keys with it: once the data
 * channel opens it ends the call (BYE with X-Susurro-End-Reason: zrtp-failed) and says why in
 * words, and not one audio packet left it meanwhile (asserted from the test-side probe). That
 * needs calls.requireSas off; with it on (the default) Kamailio refuses such calls both ways
 * with 488 "verified calls only…", which the softphone explains in words. (Hold/resume with
 * JsSIP can no longer be exercised: no call with it stays up; in-dialog re-INVITEs are covered
 * by test/hardening/in-dialog-routing.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../support/bundle.ts';
import { launchChromium, makeToneWav } from '../support/browser.ts';
import type { JssipEvent } from '../support/jssip-page.ts';
import type { DeepPartial, SusurroConfig } from '../../src/config/index.ts';
import { ARTIFACTS, login, openPhone, startWorld, type Person, type World } from './harness.ts';
import { recordedMediaCounters, recordMediaCounters } from './webrtc-probe.ts';

const soph: Person = { extension: '211', username: 'sofia', displayName: 'Sofía Quintero', password: 'Lantern-Orchid-Basalt-58', toneHz: 440 };
const jay: Person = { extension: '212', username: 'jaime', displayName: 'Jaime Oyelaran', password: 'Meadow-Copper-Falcon-23', toneHz: 1000 };
const SAS_REASON = 'Not Acceptable Here: verified calls only: DTLS-SRTP media without ZRTP cannot show a security code';

/**
 * The page is fulfilled by Playwright (page.route) on the softphone's origin, so it has no IP
 * address space of its own; Chromium's Local Network Access checks then count it as public
 * and block its WebSocket to the loopback Kamailio (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS).
 * A JsSIP page served by a real server on the host would be "local" like the softphone.
 */
const ROUTED_PAGE_ARGS = ['--disable-features=LocalNetworkAccessChecks'];

let bundle: Promise<string> | null = null;

/** The JsSIP page, served on the softphone's own origin (Kamailio accepts only that WebSocket Origin). */
async function openJssip(world: World, person: Person, dir: string): Promise<Page> {
  bundle ??= bundleForBrowser(join(import.meta.dirname, '..', 'support', 'jssip-page.ts'));
  const code = await bundle;
  const wav = await makeToneWav(dir, { frequency: person.toneHz, seconds: 30 });
  const browser = await launchChromium({ audioFile: wav, extraArgs: ['--ignore-certificate-errors', ...ROUTED_PAGE_ARGS] });
  world.browsers.push(browser);
  const page = await browser.browser.newPage();
  page.on('pageerror', (e) => process.stderr.write(`[jssip pageerror] ${e.message}\n`));
  const base = new URL('/jssip-test/', world.stack.stack.urls.softphone).href;
  await page.route(`${base}**`, (route) => {
    const js = route.request().url().endsWith('.js');
    return route.fulfill({
      status: 200,
      contentType: js ? 'text/javascript' : 'text/html',
      body: js ? code : '<!doctype html><meta charset="utf-8"><title>JsSIP test</title><script type="module" src="page.js"></script>',
    });
  });
  await page.goto(`${base}index.html`);
  await page.waitForFunction(() => 'jssipPhone' in globalThis);
  await page.evaluate(([ext, pw]) => (globalThis as any).jssipPhone.start(ext, pw), [person.extension, person.password] as const);
  return page;
}

const events = (p: Page): Promise<JssipEvent[]> => p.evaluate(() => (globalThis as any).jssipPhone.events.slice());

/** Waits until the JsSIP page logged an event `what` (after index `from`) and returns it. */
async function jssipSaw(p: Page, what: string, from = 0, ms = 15_000): Promise<JssipEvent> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = (await events(p)).slice(from).find((e) => e.what === what);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`JsSIP never saw ${what}; events: ${JSON.stringify(await events(p))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const jssip = (p: Page, fn: string, ...args: string[]) =>
  p.evaluate(([f, a]) => (globalThis as any).jssipPhone[f as string](...(a as string[])), [fn, args] as const);

/**
 * States of Kamailio's live dialogs (dlg.list; 1 unconfirmed, 2 early, 3 confirmed-no-ACK,
 * 4 confirmed; 5 = terminated, kept a moment by the dlg module, not counted), polled until
 * `want` of them remain.
 */
async function kamailioDialogs(world: World, want: number, ms = 5_000): Promise<number[]> {
  const rpc = world.stack.stack.rpc;
  const deadline = Date.now() + ms;
  for (;;) {
    const states = ((await rpc.call<{ state: number }[] | null>('dlg.list')) ?? []).map((d) => d.state).filter((st) => st !== 5);
    if (states.length === want || Date.now() > deadline) return states;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The softphone dials the JsSIP page's extension; returns the event index the call starts at, once JsSIP rings. */
async function softphoneCallsJssip(s: Page, j: Page): Promise<number> {
  const from = (await events(j)).length;
  await s.getByTestId('dial-input').fill(jay.extension);
  await s.getByTestId('dial-submit').click();
  await jssipSaw(j, 'incoming', from);
  return from;
}

async function ended(page: Page): Promise<string> {
  await page.getByTestId('call-ended').waitFor({ timeout: 10_000 });
  const reason = (await page.getByTestId('call-ended').getAttribute('data-reason')) ?? '';
  await page.getByTestId('back').click();
  return reason;
}

/** A world with the softphone (logged in) and the JsSIP page (started), stopped in afterAll. */
function jssipPair(overrides: DeepPartial<SusurroConfig>): { world: World; s: Page; j: Page; domain: string } {
  const pair = {} as { world: World; s: Page; j: Page; domain: string };
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'susurro-jssip-'));
    pair.world = await startWorld([soph, jay], overrides);
    pair.domain = pair.world.stack.config.domain;
    pair.s = await openPhone(pair.world, soph, dir);
    await login(pair.s, soph);
    pair.j = await openJssip(pair.world, jay, dir);
  }, 240_000);
  afterAll(async () => {
    await pair.world?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return pair;
}

describe('JsSIP ↔ softphone, calls.requireSas off', () => {
  const pair = jssipPair({ calls: { requireSas: false } });
  let world: World;
  let s: Page;
  let j: Page;
  let domain: string;
  beforeAll(() => {
    ({ world, s, j, domain } = pair);
  });

  it('JsSIP registers over WSS with digest: 200', async () => {
    const reg = await jssipSaw(j, 'registered');
    expect(reg.status).toBe(200);
    expect((await events(j)).some((e) => e.what === 'registrationFailed')).toBe(false);
    // Kamailio's usrloc holds JsSIP's contact, reached over its WebSocket (transport=ws)
    const lookup = await world.stack.stack.rpc.call<{ Contacts?: Array<{ Contact?: { Address?: string } }> }>('ul.lookup', ['location', `${jay.extension}@${domain}`]);
    const contacts = lookup.Contacts ?? [];
    expect(contacts).toHaveLength(1);
    expect(contacts[0]?.Contact?.Address).toMatch(/;transport=ws/);
  });

  // What the softphone's screen says when it ends a call with a peer that has no ZRTP.
  const noZrtp = {
    message: 'The call was ended because the encryption could not be set up. No audio was sent.',
    // JsSIP's own offer has no data channel: ZRTP never starts, the securing deadline ends the call
    timeout: 'The key agreement did not finish in time.',
    // JsSIP's answer accepts the softphone's data channel: it opens, and the missing a=zrtp-hash ends the call
    noHash: 'The other phone did not announce its security details, so the call could not be bound to it.',
  };
  async function endedForNoZrtp(detail: 'timeout' | 'noHash'): Promise<void> {
    await s.getByTestId('call-ended').waitFor({ timeout: 20_000 });
    expect(await s.getByTestId('call-ended').getAttribute('data-reason')).toBe('end.zrtpFailed');
    expect(await s.getByTestId('call-ended-message').innerText()).toBe(noZrtp.message);
    expect(await s.getByTestId('call-ended-detail').innerText()).toBe(noZrtp[detail]);
    expect(await s.getByTestId('sas').count()).toBe(0);
  }

  it('JsSIP → softphone: answered, then ended by the softphone (no ZRTP possible), in words; nothing was sent', async () => {
    const from = (await events(j)).length;
    await jssip(j, 'call', `sip:${soph.extension}@${domain}`);
    await s.getByTestId('answer').waitFor({ timeout: 15_000 });
    await recordMediaCounters(s, 20_000);
    await s.getByTestId('answer').click();
    expect((await jssipSaw(j, 'accepted', from)).status).toBe(200);
    await jssipSaw(j, 'confirmed', from);
    // JsSIP's offer: DTLS fingerprint, no ZRTP hash (a plain WebRTC client)
    const { local } = await jssip(j, 'descriptions');
    expect(local).toMatch(/^a=fingerprint:sha-256 /m);
    expect(local).not.toMatch(/a=zrtp-hash/);
    // the truth: no ZRTP, so the softphone ends the call (fail closed) and says why; never a SAS
    await endedForNoZrtp('timeout');
    await s.screenshot({ path: join(ARTIFACTS, 'jssip-incoming-ended-no-zrtp.png'), fullPage: true });
    const end = await jssipSaw(j, 'ended', from);
    expect([end.originator, end.cause]).toEqual(['remote', 'Terminated']); // the softphone's BYE
    const recorded = await recordedMediaCounters(s);
    process.stdout.write(`[softphone] JsSIP call: softphone media ${JSON.stringify(recorded)}\n`);
    expect(recorded.samples).toBeGreaterThan(0);
    expect(recorded.maxEncrypted).toBe(0);
    expect(recorded.maxRtpSent).toBe(0); // "no audio was sent" is true: not one packet
    expect(await kamailioDialogs(world, 0)).toEqual([]);
    await s.getByTestId('back').click();
  }, 90_000);

  it('softphone → JsSIP: answered by JsSIP, then ended by the softphone with the reason, in words', async () => {
    const from = await softphoneCallsJssip(s, j);
    await recordMediaCounters(s, 20_000);
    await jssip(j, 'answer');
    await jssipSaw(j, 'confirmed', from);
    const { local, remote } = await jssip(j, 'descriptions');
    expect(remote).toMatch(/a=zrtp-hash:1\.10 [0-9a-f]{64}/); // the softphone's offer binds its ZRTP Hello
    expect(local).not.toMatch(/a=zrtp-hash/);
    expect(local).toMatch(/^m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel/m); // Chromium accepts the channel
    await endedForNoZrtp('noHash');
    await s.screenshot({ path: join(ARTIFACTS, 'jssip-outgoing-ended-no-zrtp.png'), fullPage: true });
    const end = await jssipSaw(j, 'ended', from);
    expect([end.originator, end.cause]).toEqual(['remote', 'Terminated']);
    expect((await recordedMediaCounters(s)).maxRtpSent).toBe(0);
    expect(await kamailioDialogs(world, 0)).toEqual([]);
    await s.getByTestId('back').click();
  }, 90_000);

  it('CANCEL before answer, both ways: nothing is left ringing', async () => {
    let from = (await events(j)).length;
    await jssip(j, 'call', `sip:${soph.extension}@${domain}`);
    await s.getByTestId('answer').waitFor({ timeout: 15_000 });
    await jssipSaw(j, 'progress', from);
    await jssip(j, 'hangup');
    expect((await jssipSaw(j, 'failed', from)).cause).toBe('Canceled');
    expect(await ended(s)).toBe('end.missed');
    expect(await s.getByTestId('answer').count()).toBe(0);
    expect(await kamailioDialogs(world, 0)).toEqual([]);

    from = await softphoneCallsJssip(s, j);
    await s.getByTestId('hangup').click();
    const failed = await jssipSaw(j, 'failed', from);
    expect([failed.originator, failed.cause]).toEqual(['remote', 'Canceled']);
    await ended(s);
    expect(await kamailioDialogs(world, 0)).toEqual([]);
    // both are free again: a new call rings and is answered
    from = (await events(j)).length;
    await jssip(j, 'call', `sip:${soph.extension}@${domain}`);
    await s.getByTestId('answer').click({ timeout: 15_000 });
    await jssipSaw(j, 'confirmed', from);
    expect(await ended(s)).toBe('end.zrtpFailed'); // and again ended for want of ZRTP
    await jssipSaw(j, 'ended', from);
    expect(await kamailioDialogs(world, 0)).toEqual([]);
  }, 90_000);
});

describe('JsSIP ↔ softphone, calls.requireSas on (the default): refused both ways, in words', () => {
  const pair = jssipPair({});
  let world: World;
  let s: Page;
  let j: Page;
  beforeAll(async () => {
    ({ world, s, j } = pair);
    await jssipSaw(j, 'registered');
  });

  it('JsSIP → softphone: 488 with the reason; the softphone never rings', async () => {
    const from = (await events(j)).length;
    await jssip(j, 'call', `sip:${soph.extension}@${world.stack.config.domain}`);
    const failed = await jssipSaw(j, 'failed', from);
    expect([failed.status, failed.reason]).toEqual([488, SAS_REASON]);
    expect(await s.getByTestId('answer').count()).toBe(0);
    expect(await kamailioDialogs(world, 0, 500)).toEqual([]);
  });

  it('softphone → JsSIP: the DTLS-only answer is refused; the softphone says why in words, JsSIP gets a BYE', async () => {
    const from = await softphoneCallsJssip(s, j);
    await jssip(j, 'answer');
    await s.getByTestId('call-ended').waitFor({ timeout: 10_000 });
    expect(await s.getByTestId('call-ended-message').innerText()).toBe(
      'This server allows only calls with a security code, and Jaime Oyelaran’s phone cannot show one, so the call was refused.',
    );
    expect(await ended(s)).toBe('end.verifiedOnly');
    expect((await jssipSaw(j, 'ended', from)).originator).toBe('remote');
    expect(await kamailioDialogs(world, 0)).toEqual([]);
  }, 60_000);
});
