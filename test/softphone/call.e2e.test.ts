/**
 * End-to-end: two real Chromium softphones, real Kamailio (WSS), coturn (relay-only ICE on
 * loopback) and the admin API. Alice (fake mic: 440 Hz) calls Bob (fake mic: 1000 Hz).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS, adminRequest, expectToneBothWays, hangUp, heardTone, login, placeCall, mediaCounters, openPhone, remoteTone, selectedPair, startWorld, type Person, type World } from './harness.ts';

const alice: Person = { extension: '201', username: 'alice', displayName: 'Alice Núñez', password: 'Tr0ub4dor-Kestrel-Mango-41', toneHz: 440 };
const bob: Person = { extension: '202', username: 'bob', displayName: 'Bob Ferreira', password: 'Correct-Horse-Battery-9412', toneHz: 1000 };
const carol: Person = { extension: '203', username: 'carol', displayName: 'Carol Ibáñez', password: 'Violet-Harbour-Quartz-77', toneHz: 700 };

let world: World;
let dir: string;
let a: Page;
let b: Page;

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'susurro-softphone-'));
  world = await startWorld([alice, bob, carol]);
  a = await openPhone(world, alice, dir);
  b = await openPhone(world, bob, dir);
}, 180_000);

afterAll(async () => {
  await world?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('softphone end to end', () => {
  it('logs in both people and shows the directory', async () => {
    // The login screen is up, in English, and ready to submit.
    await a.getByTestId('login-submit').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await a.getByTestId('login-submit').innerText()).toBe('Sign in');
    expect(await a.getByTestId('login-submit').isEnabled()).toBe(true);
    expect(await a.getByTestId('login-extension').isVisible()).toBe(true);
    await shot(a, '01-login');
    await login(a, alice);
    // Bob signs in with the keyboard only: the extension field has focus, Tab, Enter.
    await b.keyboard.type(bob.extension);
    await b.keyboard.press('Tab');
    await b.keyboard.type(bob.password);
    await b.keyboard.press('Enter');
    await b.locator('[data-testid="connection"][data-state="registered"]').waitFor({ timeout: 15_000 });
    await a.getByTestId('call-202').waitFor();
    const names = await a.getByTestId('directory').innerText();
    expect(names).toContain('Bob Ferreira');
    expect(names).toContain('Carol Ibáñez');
    expect(names).not.toContain('Alice'); // not oneself
    await a.getByTestId('search').fill('ibanez'); // accent-insensitive search
    expect(await a.locator('[data-testid^="call-"]').count()).toBe(1);
    await a.getByTestId('search').fill('');
    await shot(a, '02-directory');
  });

  it('explains failed calls in plain words: unknown extension (404), not signed in (480), declined (603)', async () => {
    const dial = async (ext: string) => {
      await a.getByTestId('dial-input').fill(ext);
      await a.getByTestId('dial-submit').click();
    };
    const ended = async () => {
      await a.getByTestId('call-ended').waitFor({ timeout: 10_000 });
      const text = await a.getByTestId('call-ended').innerText();
      await a.getByTestId('back').click();
      return text;
    };
    await dial('299');
    expect(await ended()).toMatch(/Extension 299 does not exist/);
    await dial('203'); // Carol has an account but is not signed in yet
    expect(await ended()).toMatch(/Carol Ibáñez is not available right now/);
    await dial('202');
    await b.getByTestId('reject').click();
    expect(await ended()).toMatch(/Bob Ferreira declined the call/);
    await b.getByTestId('back').click();
  });

  it('first call: same SAS on both sides, audio decrypted both ways, relay only, verified after both confirm', async () => {
    await a.getByTestId('call-202').click();
    await b.getByTestId('answer').waitFor({ timeout: 10_000 });
    expect(await b.getByTestId('peer-name').innerText()).toBe('Alice Núñez');
    await shot(b, '03-incoming');
    // Keyboard: the incoming screen puts focus on "Answer".
    expect(await b.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('answer');
    await b.keyboard.press('Enter');
    // "securing…" is brief on loopback; capture it if we catch it, the SAS is asserted below.
    await a.locator('[data-status="securing"]').waitFor({ timeout: 5000 }).then(() => shot(a, '04-securing')).catch(() => undefined);
    await Promise.all([a, b].map((p) => p.getByTestId('sas').waitFor({ timeout: 15_000 })));
    const sasA = await a.getByTestId('sas').innerText();
    const sasB = await b.getByTestId('sas').innerText();
    expect(sasA).toMatch(/^[a-z0-9]{4}$|^\S+ \S+$/);
    expect(sasA).toBe(sasB);
    // Screen readers hear the code letter by letter through the assertive live region.
    await b.waitForFunction((sas) => document.getElementById('announcer')?.textContent?.includes(sas.split('').join(' ')), sasA, { timeout: 3000 });
    expect(await a.getByTestId('security-status').getAttribute('data-status')).toBe('unverified');
    expect(await a.getByTestId('cache-mismatch').count()).toBe(0);
    await shot(a, '05-sas');

    // Audio: each side hears the other's tone, after SFrame decryption in its worker.
    await expectToneBothWays(a, alice.toneHz, b, bob.toneHz);
    const ca = await mediaCounters(a);
    const cb = await mediaCounters(b);
    expect(ca!.framesEncrypted).toBeGreaterThan(20);
    expect(ca!.framesDecrypted).toBeGreaterThan(20);
    expect(cb!.framesDecrypted).toBeGreaterThan(20);
    expect(ca!.droppedAuth + cb!.droppedAuth).toBe(0);

    // Media went through coturn only: on both sides the selected pair is relay/relay, both
    // addresses in coturn's relay port range on 127.0.0.1.
    const { relayMin, relayMax } = world.stack.config.ports;
    for (const p of [a, b]) {
      const pair = await selectedPair(p);
      expect(pair?.local).toBe('relay');
      expect(pair?.remote).toBe('relay');
      expect(pair?.remoteAddress).toBe('127.0.0.1');
      expect(pair!.localPort).toBeGreaterThanOrEqual(relayMin);
      expect(pair!.localPort).toBeLessThanOrEqual(relayMax);
      expect(pair!.remotePort).toBeGreaterThanOrEqual(relayMin);
      expect(pair!.remotePort).toBeLessThanOrEqual(relayMax);
    }

    // Alice confirms with yes/no; Bob uses the stronger check: his own code is hidden and he
    // picks the one Alice reads among three.
    await a.getByTestId('sas-match').click();
    await b.getByTestId('sas-pick').click();
    expect(await b.getByTestId('sas').count()).toBe(0);
    const choices = await b.getByTestId('sas-choice').allInnerTexts();
    expect(choices).toHaveLength(3);
    expect(new Set(choices).size).toBe(3);
    expect(choices.filter((c) => c === sasA)).toHaveLength(1);
    await shot(b, '06-sas-pick');
    await b.getByTestId('sas-choice').filter({ hasText: sasA }).click();
    await a.locator('[data-testid="security-status"][data-status="verified"]').waitFor();
    await b.locator('[data-testid="security-status"][data-status="verified"]').waitFor();
    await shot(a, '06-verified');
    await hangUp(a, b);

    // What the device keeps: a 12-byte ZID, a NON-extractable AES-GCM wrapping key, and
    // retained-secret records that are only {v, iv, ciphertext} — no readable rs1/rs2.
    const stored = await a.evaluate(
      () =>
        new Promise<Record<string, unknown>>((resolve, reject) => {
          const req = indexedDB.open('susurro-device');
          req.onerror = () => reject(req.error);
          req.onsuccess = async () => {
            const db = req.result;
            const get = (store: string, key?: string) =>
              new Promise<any>((res, rej) => {
                const r = key === undefined ? db.transaction(store).objectStore(store).getAll() : db.transaction(store).objectStore(store).get(key);
                r.onsuccess = () => res(r.result);
                r.onerror = () => rej(r.error);
              });
            const zid = await get('device', 'zid');
            const key = (await get('device', 'wrapping-key')) as CryptoKey;
            const records = (await get('retained-secrets')) as any[];
            let exported = 'refused';
            try {
              await crypto.subtle.exportKey('raw', key);
              exported = 'EXPORTED';
            } catch {
              /* expected */
            }
            db.close();
            resolve({
              zidLength: zid?.length,
              keyExtractable: key.extractable,
              keyAlgorithm: (key.algorithm as AesKeyAlgorithm).name,
              exported,
              recordCount: records.length,
              recordFields: records.map((r) => Object.keys(r).sort().join(',')),
              ciphertextBytes: records.map((r) => r.ciphertext.byteLength),
            });
          };
        }),
    );
    expect(stored).toMatchObject({ zidLength: 12, keyExtractable: false, keyAlgorithm: 'AES-GCM', exported: 'refused', recordCount: 1 });
    expect(stored.recordFields).toEqual(['ciphertext,iv,v']);
    expect((stored.ciphertextBytes as number[])[0]).toBeGreaterThan(100);
  });

  it('second call shows "verified before" on both sides, with no cache mismatch', async () => {
    await placeCall(a, b, '202');
    for (const p of [a, b]) {
      expect(await p.getByTestId('security-status').getAttribute('data-status')).toBe('verified-before');
      expect(await p.getByTestId('cache-mismatch').count()).toBe(0);
    }
    await shot(b, '07-verified-before');
    // Mute: Bob stops hearing Alice's tone; unmute brings it back.
    expect(Math.abs((await heardTone(b, alice.toneHz)).peakHz - alice.toneHz)).toBeLessThan(30);
    await a.getByTestId('mute').click();
    expect(await a.getByTestId('mute').getAttribute('aria-pressed')).toBe('true');
    await a.waitForTimeout(500);
    const muted = await remoteTone(b, 800);
    expect(Math.abs(muted.peakHz - alice.toneHz) < 30 && muted.peakDb - muted.medianDb > 20).toBe(false);
    await a.getByTestId('mute').click();
    expect(Math.abs((await heardTone(b, alice.toneHz)).peakHz - alice.toneHz)).toBeLessThan(30);
    await hangUp(b, a);
  });

  it('a broken key continuity (peer lost its retained secrets) shows a prominent warning and asks to verify again', async () => {
    // Bob's device keeps its ZID but loses the retained-secret store (e.g. restored from an old
    // backup — or someone else now answers with Bob's identity).
    await b.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const req = indexedDB.open('susurro-device');
          req.onsuccess = () => {
            const tx = req.result.transaction('retained-secrets', 'readwrite');
            tx.objectStore('retained-secrets').clear();
            tx.oncomplete = () => (req.result.close(), resolve());
            tx.onerror = () => reject(tx.error);
          };
          req.onerror = () => reject(req.error);
        }),
    );
    await placeCall(a, b, '202');
    await a.getByTestId('cache-mismatch').waitFor({ timeout: 5000 });
    expect(await a.getByTestId('cache-mismatch').innerText()).toMatch(/keys changed/i);
    expect(await a.getByTestId('security-status').getAttribute('data-status')).toBe('unverified');
    expect(await b.getByTestId('security-status').getAttribute('data-status')).toBe('unverified');
    expect(await a.getByTestId('sas').innerText()).toBe(await b.getByTestId('sas').innerText());
    await shot(a, '07b-cache-mismatch');
    // Verifying again restores continuity for the next call.
    await a.getByTestId('sas-match').click();
    await b.getByTestId('sas-match').click();
    await a.locator('[data-testid="security-status"][data-status="verified"]').waitFor();
    expect(await a.getByTestId('cache-mismatch').count()).toBe(0);
    await hangUp(a, b);
    await placeCall(a, b, '202');
    for (const p of [a, b]) expect(await p.getByTestId('security-status').getAttribute('data-status')).toBe('verified-before');
    await hangUp(a, b);
  });

  it('"Does not match" ends the call on both sides and explains that someone may be listening', async () => {
    const c = await openPhone(world, carol, dir);
    // Carol uses the Spanish UI (language switch; the choice persists across reloads).
    await c.getByTestId('language').selectOption('es');
    await c.reload();
    expect(await c.getByTestId('login-submit').innerText()).toBe('Entrar');
    await login(c, carol);
    await placeCall(a, c, '203');
    expect(await c.getByTestId('security-status').innerText()).toContain('Cifrada, sin verificar');
    await shot(c, '08-sas-es');
    await c.getByTestId('sas-mismatch').click();
    await c.locator('[data-testid="call-ended"][data-reason="end.sasMismatch"]').waitFor({ timeout: 3000 });
    await a.locator('[data-testid="call-ended"][data-reason="end.peerSasMismatch"]').waitFor({ timeout: 3000 });
    expect(await c.getByTestId('call-ended').innerText()).toMatch(/alguien podría haber estado escuchando/i);
    expect(await a.getByTestId('call-ended').innerText()).toMatch(/someone may have been listening/i);
    await shot(c, '09-mismatch-ended-es');
    await a.getByTestId('back').click();
    await c.getByTestId('back').click();
    // The "no" was recorded: the next call between them is not shown as verified.
    await placeCall(c, a, '201');
    for (const p of [a, c]) expect(await p.getByTestId('security-status').getAttribute('data-status')).toBe('unverified');
    await hangUp(c, a);
  });

  it('revoking an account during a call ends it on both sides within a second and tells the revoked person why', async () => {
    await placeCall(a, b, '202');
    const t0 = Date.now();
    const res = await adminRequest(world.stack, 'POST', '/api/v1/accounts/202/disable', {}, world.adminToken);
    expect(res.status).toBe(200);
    expect(res.json.live.calls).toBe('ok');
    const ended = await Promise.all(
      [a, b].map(async (p) => {
        await p.getByTestId('call-ended').waitFor({ timeout: 3000 });
        return Date.now() - t0;
      }),
    );
    process.stdout.write(`[softphone] revoke -> call ended for the caller in ${ended[0]} ms, for the revoked callee in ${ended[1]} ms\n`);
    expect(Math.max(...ended)).toBeLessThan(1000);
    // The revoked person is told why, and lands on the login screen with the same notice.
    await b.locator('[data-testid="call-ended"][data-reason="end.revoked"]').waitFor({ timeout: 5000 });
    expect(await b.getByTestId('call-ended').innerText()).toMatch(/disabled by an administrator/i);
    await shot(b, '10-revoked');
    await b.getByTestId('back').click();
    expect(await b.getByTestId('login-notice').innerText()).toMatch(/disabled/i);
    // And cannot sign in again.
    await b.getByTestId('login-extension').fill(bob.extension);
    await b.getByTestId('login-password').fill(bob.password);
    await b.getByTestId('login-submit').click();
    await b.getByTestId('login-error').waitFor({ timeout: 5000 });
  });
});
