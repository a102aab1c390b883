/**
 * A signalling man in the middle (see signalling-mitm.ts) who terminates DTLS on both sides
 * and relays ZRTP unchanged: both phones must flag the call (aux secret mismatch: the DTLS
 * fingerprints differ between the ends) and neither may ever show it as verified.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { turnUrls } from '../../src/media-relay/turn-urls.ts';
import { launchChromium } from '../support/browser.ts';
import { ARTIFACTS, adminRequest, login, openPhone, startWorld, type Person, type World } from './harness.ts';
import { installMallory, startMitmProxy, type MitmProxy } from './signalling-mitm.ts';
import { senderTracksEnabled } from './webrtc-probe.ts';

const alice: Person = { extension: '221', username: 'alice-m', displayName: 'Alicia Mora', password: 'Granite-Willow-Falcon-26', toneHz: 440 };
const bob: Person = { extension: '222', username: 'bob-m', displayName: 'Bruno Vega', password: 'Saffron-Tundra-Beacon-63', toneHz: 1000 };

let world: World;
let dir: string;
let proxy: MitmProxy | null = null;
let a: Page;
let b: Page;
let mallory: Page;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'susurro-softphone-mitm-'));
  world = await startWorld([alice, bob]);
  const s = world.stack.stack;
  const m = await launchChromium({ extraArgs: ['--ignore-certificate-errors'] });
  world.browsers.push(m);
  mallory = await m.browser.newPage();
  await mallory.goto(s.urls.softphone); // any secure-context page will do; Mallory does not log in
  const creds = s.turnCredentials.issue({ account: 'mallory', ttlSeconds: 600 });
  await installMallory(mallory, {
    iceTransportPolicy: 'relay',
    bundlePolicy: 'max-bundle',
    iceServers: [{ urls: turnUrls(world.stack.config), username: creds.username, credential: creds.credential }],
  });
  proxy = await startMitmProxy({ certFile: s.tls.certFile, keyFile: s.tls.keyFile, upstream: s.urls.wss, mallory });
  a = await openPhone(world, alice, dir);
  b = await openPhone(world, bob, dir);
  // Alice's signalling goes through the proxy (as if the operator's server did this).
  const proxyUrl = proxy.url;
  await a.route('**/api/v1/phone/login', async (route) => {
    const res = await adminRequest(world.stack, 'POST', '/api/v1/phone/login', route.request().postDataJSON());
    if (res.json?.sip) res.json.sip.wssUrl = proxyUrl;
    await route.fulfill({ status: res.status, json: res.json });
  });
  await login(a, alice);
  await login(b, bob);
}, 180_000);

afterAll(async () => {
  await proxy?.close();
  await world?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('signalling man in the middle', () => {
  it('swapped DTLS fingerprints are caught: the call is flagged on both phones and cannot be verified', async () => {
    await a.getByTestId(`call-${bob.extension}`).click();
    await b.getByTestId('answer').click();
    for (const p of [a, b]) await p.locator('[data-testid="security-status"][data-status="flagged"]').waitFor({ timeout: 20_000 });
    expect(proxy!.rewrites).toEqual({ offers: 1, answers: 1 });
    // ZRTP was relayed unchanged, so the SAS alone would not reveal Mallory here; the aux
    // secret (DTLS fingerprints) does.
    expect(await a.getByTestId('sas').innerText()).toBe(await b.getByTestId('sas').innerText());
    expect(await mallory.evaluate(() => (globalThis as any).mallory.relayed)).toBeGreaterThanOrEqual(8); // the ZRTP exchange went through Mallory
    for (const p of [a, b]) {
      expect(await p.getByTestId('sas-match').count()).toBe(0); // no way to mark it verified
      expect(await p.getByTestId('security-status').innerText()).toMatch(/interception/i);
      expect(await p.getByTestId('mute').count()).toBe(0);
      expect(await senderTracksEnabled(p)).toEqual([false]);
      expect(await p.getByTestId('sas-mismatch').count()).toBe(1);
    }
    await a.screenshot({ path: join(ARTIFACTS, '12-mitm-flagged.png'), fullPage: true });
    await a.getByTestId('sas-mismatch').click();
    await a.getByTestId('call-ended').waitFor({ timeout: 5000 });
  });
});
