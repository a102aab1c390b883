/**
 * A security failure reaches the screen in words (issue 14, "security failure reasons reach
 * the UI"): an on-path attacker flips one bit of the caller's ZRTP Hello on the data channel
 * (from the test side, webrtc-probe.ts). The callee's engine finds that the Hello no longer
 * matches the caller's signalled a=zrtp-hash (RFC 6189 §8.1) and the callee's screen says the
 * key agreement was tampered with; no keys, no audio. Control: the same call untampered is secure.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS, mediaCounters, startLoggedInPair, type LoggedInPair, type Person } from './harness.ts';
import { hellosTampered, tamperHello } from './webrtc-probe.ts';

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

  it('is caught by the callee and explained in words; nothing is encrypted or sent', async () => {
    await tamperHello(a, true);
    try {
      await a.getByTestId(`call-${ivan.extension}`).click();
      await b.getByTestId('answer').click();
      await b.locator('[data-testid="security-status"][data-status="not-secure"]').waitFor({ timeout: 15_000 });
      expect(await hellosTampered(a)).toBeGreaterThan(0);
      await b.screenshot({ path: join(ARTIFACTS, '15-zrtp-hello-tampered-callee.png'), fullPage: true });
      expect(await b.getByTestId('security-hint').innerText()).toBe(
        'The key agreement did not check out: someone may be interfering with this call. Your microphone stays silent.',
      );
      expect(await b.getByTestId('sas').count()).toBe(0);
      await a.locator('[data-testid="security-status"][data-status="not-secure"]').waitFor({ timeout: 15_000 });
      await a.screenshot({ path: join(ARTIFACTS, '15b-zrtp-hello-tampered-caller.png'), fullPage: true });
      process.stdout.write(`[softphone] tampered Hello: caller hint "${await a.getByTestId('security-hint').innerText()}"\n`);
      expect(await a.getByTestId('sas').count()).toBe(0);
      for (const p of [a, b]) expect((await mediaCounters(p))!.framesEncrypted).toBe(0);
      await hangUp();
    } finally {
      await tamperHello(a, false);
    }
  });
});
