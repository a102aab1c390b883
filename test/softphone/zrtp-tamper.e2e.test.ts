/**
 * A security failure reaches the screen in words (issue 14, "security failure reasons reach
 * the UI"): an on-path attacker flips one bit of the caller's ZRTP Hello on the data channel
 * (from the test side, webrtc-probe.ts). The callee's engine finds that the Hello no longer
 * matches the caller's signalled a=zrtp-hash (RFC 6189 §8.1), ends the call and says the key
 * agreement was tampered with; the caller reads why from the BYE; no keys, no audio. Control:
 * the same call untampered is secure.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS, startLoggedInPair, type LoggedInPair, type Person } from './harness.ts';
import { hellosTampered, recordedMediaCounters, recordMediaCounters, tamperHello } from './webrtc-probe.ts';

const hana: Person = { extension: '241', username: 'hana', displayName: 'Hana Ito', password: 'Walrus-Prism-Juniper-35', toneHz: 440 };
const ivan: Person = { extension: '242', username: 'ivan', displayName: 'Iván Soto', password: 'Ember-Quokka-Harvest-82', toneHz: 1000 };

let pair: LoggedInPair | undefined;
let a: Page;
let b: Page;

beforeAll(async () => {
  pair = await startLoggedInPair(hana, ivan, 'susurro-softphone-tamper-');
  ({ a, b } = pair);
}, 180_000);

afterAll(async () => {
  await pair?.stop();
});

async function hangUp(): Promise<void> {
  await a.getByTestId('hangup').click();
  for (const p of [a, b]) {
    await p.getByTestId('call-ended').waitFor({ timeout: 5000 });
    await p.getByTestId('back').click();
  }
}

describe('a tampered ZRTP Hello', () => {
  it('control: untampered, the same call is secure with equal codes', async () => {
    await a.getByTestId(`call-${ivan.extension}`).click();
    await b.getByTestId('answer').click();
    await Promise.all([a, b].map((p) => p.getByTestId('sas').waitFor({ timeout: 15_000 })));
    expect(await a.getByTestId('sas').innerText()).toBe(await b.getByTestId('sas').innerText());
    expect(await hellosTampered(a)).toBe(0);
    await hangUp();
  });

  it('is caught by the callee, which ends the call; both screens say why in words; nothing is encrypted or sent', async () => {
    await tamperHello(a, true);
    try {
      await a.getByTestId(`call-${ivan.extension}`).click();
      await b.getByTestId('answer').waitFor({ timeout: 10_000 });
      for (const p of [a, b]) await recordMediaCounters(p, 20_000);
      await b.getByTestId('answer').click();
      for (const p of [a, b]) await p.getByTestId('call-ended').waitFor({ timeout: 15_000 });
      expect(await hellosTampered(a)).toBeGreaterThan(0);
      await b.screenshot({ path: join(ARTIFACTS, '15-zrtp-hello-tampered-callee.png'), fullPage: true });
      await a.screenshot({ path: join(ARTIFACTS, '15b-zrtp-hello-tampered-caller.png'), fullPage: true });
      expect(await b.getByTestId('call-ended').getAttribute('data-reason')).toBe('end.zrtpFailed');
      expect(await b.getByTestId('call-ended-message').innerText()).toBe('The call was ended because the encryption could not be set up. No audio was sent.');
      expect(await b.getByTestId('call-ended-detail').innerText()).toBe('The key agreement did not check out: someone may have been interfering with this call.');
      // The caller learns it from the callee's BYE (X-Susurro-End-Reason: zrtp-failed).
      expect(await a.getByTestId('call-ended').getAttribute('data-reason')).toBe('end.peerZrtpFailed');
      expect(await a.getByTestId('call-ended-message').innerText()).toBe('Iván Soto’s phone ended the call because the encryption could not be set up. No audio was sent.');
      const recorded = await Promise.all([a, b].map((p) => recordedMediaCounters(p)));
      process.stdout.write(`[softphone] tampered Hello: recorded ${JSON.stringify(recorded)}\n`);
      for (const r of recorded) {
        expect(r.samples).toBeGreaterThan(0);
        expect(r.maxEncrypted).toBe(0);
        expect(r.maxRtpSent).toBe(0);
      }
      for (const p of [a, b]) await p.getByTestId('back').click();
    } finally {
      await tamperHello(a, false);
    }
  });
});
