/**
 * Issue 14: a callee that cannot set up media answers the INVITE (4xx/5xx with
 * X-Susurro-End-Reason), so the caller stops ringing and reads why, within 2 s. The fault is
 * made on the callee's page only, from the test side (an init script), through the real
 * stack: Chromium → Kamailio (WSS) → Chromium.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS, reloadSignedIn, startLoggedInPair, type LoggedInPair, type Person } from './harness.ts';

const frida: Person = { extension: '231', username: 'frida', displayName: 'Frida Paz', password: 'Cobalt-Lichen-Meteor-17', toneHz: 440 };
const gael: Person = { extension: '232', username: 'gael', displayName: 'Gael Ruiz', password: 'Nectar-Glacier-Bramble-64', toneHz: 1000 };

let pair: LoggedInPair | undefined;
let a: Page;
let b: Page;

/**
 * The callee's faults, chosen per page load by a sessionStorage key of this test's own (the
 * product has no such switch): "pc" — RTCPeerConnection cannot be constructed (as in a
 * browser with WebRTC disabled); "mic" — getUserMedia is refused (permission denied).
 */
function breakMedia(): void {
  const mode = sessionStorage.getItem('callee-media-failure.break');
  if (mode === 'pc') {
    (globalThis as unknown as Record<string, unknown>).RTCPeerConnection = function RTCPeerConnection() {
      throw new DOMException('RTCPeerConnection disabled by the test', 'NotSupportedError');
    };
  } else if (mode === 'mic') {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied by the test', 'NotAllowedError'));
  }
}

async function breakCallee(mode: 'pc' | 'mic' | null): Promise<void> {
  await b.evaluate((m) => (m ? sessionStorage.setItem('callee-media-failure.break', m) : sessionStorage.removeItem('callee-media-failure.break')), mode);
  await reloadSignedIn(b); // the sign-in survives the reload
}

beforeAll(async () => {
  pair = await startLoggedInPair(frida, gael, 'susurro-softphone-callee-fail-');
  ({ a, b } = pair);
  await b.addInitScript(breakMedia);
}, 180_000);

afterAll(async () => {
  await pair?.stop();
});

const endedText = (p: Page) => p.locator('[data-testid="call-ended"] p').innerText();

async function dialAndTimeEnd(): Promise<number> {
  await a.getByTestId(`call-${gael.extension}`).waitFor({ timeout: 10_000 });
  const t0 = Date.now();
  await a.getByTestId(`call-${gael.extension}`).click();
  await a.getByTestId('call-ended').waitFor({ timeout: 2000 }); // the bound: within 2 s
  return Date.now() - t0;
}

describe('a callee that cannot set up media answers the INVITE', () => {
  it('control: a healthy callee that does not answer leaves the caller ringing past 2 s', async () => {
    await a.getByTestId(`call-${gael.extension}`).click();
    await b.getByTestId('answer').waitFor({ timeout: 10_000 });
    await a.waitForTimeout(2500);
    expect(await a.getByTestId('call-ended').count()).toBe(0);
    expect(await a.getByTestId('phase').innerText()).toMatch(/^(Calling…|Ringing…)$/);
    await a.getByTestId('hangup').click();
    await a.getByTestId('back').click();
    await b.getByTestId('call-ended').waitFor({ timeout: 5000 });
    await b.getByTestId('back').click();
  });

  it('no peer connection on the callee: 488 + media-failed, the caller reads why within 2 s', async () => {
    await breakCallee('pc');
    const ms = await dialAndTimeEnd();
    await b.getByTestId('call-ended').waitFor({ timeout: 5000 });
    await a.screenshot({ path: join(ARTIFACTS, '13-callee-media-failed-caller.png'), fullPage: true });
    await b.screenshot({ path: join(ARTIFACTS, '13b-callee-media-failed-callee.png'), fullPage: true });
    process.stdout.write(`[softphone] callee without a peer connection: caller shows the reason ${ms} ms after dialling\n`);
    expect(await a.getByTestId('call-ended').getAttribute('data-reason')).toBe('end.peerMediaFailed');
    expect(await endedText(a)).toBe('Gael Ruiz’s phone could not set up the audio connection, so the call could not start.');
    expect(await endedText(b)).toBe('The audio connection failed.');
    await a.getByTestId('back').click();
    await b.getByTestId('back').click();
  });

  it('microphone refused on the callee: 500 + microphone-unavailable, both screens say so', async () => {
    await breakCallee('mic');
    const ms = await dialAndTimeEnd();
    await b.getByTestId('call-ended').waitFor({ timeout: 5000 });
    await a.screenshot({ path: join(ARTIFACTS, '14-callee-no-microphone-caller.png'), fullPage: true });
    await b.screenshot({ path: join(ARTIFACTS, '14b-callee-no-microphone-callee.png'), fullPage: true });
    process.stdout.write(`[softphone] callee without a microphone: caller shows the reason ${ms} ms after dialling\n`);
    expect(await endedText(a)).toBe('Gael Ruiz’s phone cannot use its microphone, so the call could not start.');
    expect(await endedText(b)).toBe('This phone cannot use the microphone, so the call was refused. Check the browser’s microphone permission.');
    await a.getByTestId('back').click();
    await b.getByTestId('back').click();
  });

  it('the Spanish screen says it in Spanish', async () => {
    await breakCallee('pc');
    await a.getByTestId('language').selectOption('es');
    await dialAndTimeEnd();
    expect(await endedText(a)).toBe('El teléfono de Gael Ruiz no pudo establecer la conexión de audio, así que la llamada no pudo empezar.');
    await a.screenshot({ path: join(ARTIFACTS, '13c-callee-media-failed-caller-es.png'), fullPage: true });
    await a.getByTestId('back').click();
    await a.getByTestId('language').selectOption('en');
    await breakCallee(null);
  });
});
