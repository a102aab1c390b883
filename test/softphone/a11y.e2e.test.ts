/**
 * Accessibility and look, in both browsers: axe-core on the login, home, incoming, SAS, verified
 * and ended screens of real calls (real Kamailio, coturn, admin API), no serious or critical
 * violation; each screen saved as test-artifacts/softphone/<chromium|firefox>-<screen>.png.
 * Alice's phone runs in Chromium, Bob's in Firefox ESR; each calls the other once so both
 * browsers show the incoming screen.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hangUp, login, openFirefoxPhone, openPhone, pickHeardCode, startWorld, type Person, type World } from './harness.ts';
import { fromPlaywright, type PhonePage } from './phone-page.ts';
import { checkScreen } from './axe-check.ts';

const alice: Person = { extension: '221', username: 'alice', displayName: 'Alice Núñez', password: 'Tr0ub4dor-Kestrel-Mango-41', toneHz: 440 };
const bob: Person = { extension: '222', username: 'bob', displayName: 'Bob Ferreira', password: 'Correct-Horse-Battery-9412', toneHz: 1000 };

let world: World;
let dir: string;
let cr: PhonePage; // Alice
let fx: PhonePage; // Bob

/** axe on `screen` in every page given; the assertion message lists what was found. */
async function expectAccessible(screen: string, ...pages: PhonePage[]): Promise<void> {
  const found: string[] = [];
  for (const p of pages) found.push(...(await checkScreen(p, screen)));
  expect(found, found.join('\n')).toEqual([]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'susurro-a11y-'));
  world = await startWorld([alice, bob]);
  cr = fromPlaywright(await openPhone(world, alice, dir));
  fx = await openFirefoxPhone(world, bob);
}, 240_000);

afterAll(async () => {
  await world?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('accessibility of every screen, Chromium and Firefox', () => {
  it('login', async () => {
    for (const p of [cr, fx]) await p.waitFor('[data-testid="login-submit"]', 15_000);
    await expectAccessible('login', cr, fx);
  });

  it('home (directory)', async () => {
    await login(cr, alice);
    await login(fx, bob);
    await cr.waitFor(`[data-testid="call-${bob.extension}"]`);
    await fx.waitFor(`[data-testid="call-${alice.extension}"]`);
    await expectAccessible('home', cr, fx);
  });

  it('incoming (Firefox), SAS, verified and ended (both)', async () => {
    await cr.click(`call-${bob.extension}`);
    await fx.waitFor('[data-testid="answer"]');
    await expectAccessible('incoming', fx);
    await fx.click('answer');
    for (const p of [cr, fx]) await p.waitFor('[data-testid="sas"]', 15_000);
    await expectAccessible('sas', cr, fx);
    const sas = await cr.text('sas');
    await pickHeardCode(cr, sas);
    await pickHeardCode(fx, sas);
    for (const p of [cr, fx]) await p.waitFor('[data-testid="security-status"][data-status="verified"]');
    await expectAccessible('verified', cr, fx);
    await cr.click('hangup');
    for (const p of [cr, fx]) await p.waitFor('[data-testid="call-ended"]', 5000);
    await expectAccessible('ended', cr, fx);
    for (const p of [cr, fx]) await p.click('back');
  });

  it('incoming (Chromium)', async () => {
    await fx.click(`call-${alice.extension}`);
    await cr.waitFor('[data-testid="answer"]');
    await expectAccessible('incoming', cr);
    await cr.click('answer');
    for (const p of [cr, fx]) await p.waitFor('[data-testid="sas"]', 15_000);
    await hangUp(fx, cr);
  });

  it('positive control: an image without alternative text is reported in both browsers', async () => {
    for (const p of [cr, fx]) {
      await p.evaluate(() => {
        const img = document.createElement('img');
        img.id = 'a11y-control';
        img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
        document.body.append(img);
      });
      const found = await checkScreen(p, 'control');
      await p.evaluate(() => document.getElementById('a11y-control')?.remove());
      expect(found.some((line) => line.includes('image-alt') && line.includes('#a11y-control')), found.join('\n')).toBe(true);
    }
  });
});
