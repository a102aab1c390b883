/**
 * Mutual SAS confirmation end to end (issue #15): real Kamailio, coturn, three Chromium phones.
 * Each side's verdict travels over the ZRTP data channel, authenticated with a key from the
 * ZRTP session; "Both confirmed" and the cache's V flag need both. A forged confirmation — a
 * genuine one replayed through the signalling path, or one with a forged MAC on the data
 * channel (what a DTLS-terminating MitM could send) — is ignored; the same genuine frame
 * delivered on the data channel is the positive control that the injection is seen at all.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS, hangUp, login, openPhone, placeCall, startWorld, type Person, type World } from './harness.ts';
import { holdZrtpText, injectSip, injectZrtpText, sipLog, zrtpTextSent } from './webrtc-probe.ts';
import { spellSas } from '../../softphone-web/src/i18n/sas-spelling.ts';

const alice: Person = { extension: '231', username: 'alice-c', displayName: 'Alice Núñez', password: 'Tr0ub4dor-Kestrel-Mango-41', toneHz: 440 };
const bob: Person = { extension: '232', username: 'bob-c', displayName: 'Bob Ferreira', password: 'Correct-Horse-Battery-9412', toneHz: 1000 };
const carol: Person = { extension: '233', username: 'carol-c', displayName: 'Carol Ibáñez', password: 'Violet-Harbour-Quartz-77', toneHz: 700 };

let world: World;
let dir: string;
let a: Page;
let b: Page;
let c: Page;

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `sas-${name}.png`), fullPage: true });
const status = (p: Page) => p.getByTestId('security-status').getAttribute('data-status');
const title = (p: Page) => p.getByTestId('security-title').innerText();
const waitStatus = (p: Page, s: string) => p.locator(`[data-testid="security-status"][data-status="${s}"]`).waitFor({ timeout: 5000 });

/** The default check: the colleague reads `heard` aloud, the user picks it among three. */
async function pickHeard(p: Page, heard: string): Promise<void> {
  await p.getByTestId('sas-pick').click();
  expect(await p.getByTestId('sas').count()).toBe(0); // own code hidden while picking
  const choices = await p.getByTestId('sas-choice').allInnerTexts();
  expect(choices).toHaveLength(3);
  expect(choices.filter((x) => x === heard)).toHaveLength(1);
  await p.getByTestId('sas-choice').nth(choices.indexOf(heard)).click();
}

/** A SIP message to `victim` inside its current dialog (ids from its own SIP log). */
async function inDialogRequest(victim: Page, method: string, contentType: string, body: string): Promise<string> {
  const log = await sipLog(victim);
  const invite = log.filter((m) => m.dir === 'in' && m.text.startsWith('INVITE ')).at(-1)!.text;
  const ok = log.filter((m) => m.dir === 'out' && m.text.startsWith('SIP/2.0 200') && /^CSeq:\s*\d+ INVITE/im.test(m.text)).at(-1)!.text;
  const hdr = (msg: string, name: string) => new RegExp(`^(?:${name}):\\s*(.*)$`, 'im').exec(msg)![1]!.trim();
  const contact = /<([^>]+)>/.exec(hdr(ok, 'Contact|m'))![1]!;
  // The Via names no live hop, so the victim's answer is dropped by Kamailio (not ours).
  return [
    `${method} ${contact} SIP/2.0`,
    `Via: SIP/2.0/WSS 127.0.0.1:9;branch=z9hG4bK-forged-${method.toLowerCase()}-${Date.now()}`,
    'Max-Forwards: 70',
    `From: ${hdr(invite, 'From|f')}`,
    `To: ${hdr(ok, 'To|t')}`,
    `Call-ID: ${hdr(invite, 'Call-ID|i')}`,
    `CSeq: ${Math.floor(Date.now() / 1000) % 100000} ${method}`,
    `Content-Type: ${contentType}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'susurro-softphone-sas-'));
  world = await startWorld([alice, bob, carol]);
  a = await openPhone(world, alice, dir);
  b = await openPhone(world, bob, dir);
  c = await openPhone(world, carol, dir);
  await c.getByTestId('language').selectOption('es'); // Carol uses the Spanish UI
  await c.reload();
  for (const [p, person] of [[a, alice], [b, bob], [c, carol]] as const) await login(p, person);
}, 180_000);

afterAll(async () => {
  await world?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('mutual SAS confirmation', () => {
  it('caller confirms first: caller waits, callee is told; callee confirms: both "Both confirmed"', async () => {
    const sas = await placeCall(a, b, bob.extension);
    // Speech-friendly code: each B32 character with its spoken form; the pick check is the default.
    if (/^[a-z0-9]{4}$/.test(sas)) {
      const items = await a.getByTestId('sas-spelling').locator('li').allInnerTexts();
      expect(items).toEqual(spellSas(sas, 'en').map(([ch, word]) => `${ch} — ${word}`));
    }
    expect(await a.getByTestId('sas-pick').innerText()).toBe('Pick the code you heard');
    expect(await a.getByTestId('sas-match').count()).toBe(0); // yes/no only on request
    expect(await a.getByTestId('sas-yesno').innerText()).toBe('I cannot use the pick check: answer yes or no');
    expect(await title(a)).toBe('Encrypted, not verified');
    await shot(a, '01-sas-default');

    await pickHeard(a, sas); // Bob read his code aloud; Alice picks it
    await waitStatus(a, 'confirmed-waiting');
    expect(await title(a)).toBe('You confirmed — waiting for Bob Ferreira');
    await waitStatus(b, 'peer-confirmed');
    expect(await title(b)).toBe('Alice Núñez confirmed — compare the code');
    // Screen readers hear it too (assertive live region): it arrives without any action on Bob's side.
    await b.waitForFunction(() => document.getElementById('announcer')?.textContent === 'Alice Núñez confirmed — compare the code', undefined, { timeout: 3000 });
    await shot(a, '02-caller-waiting');
    await shot(b, '03-callee-told');

    await pickHeard(b, sas);
    await Promise.all([waitStatus(a, 'verified'), waitStatus(b, 'verified')]);
    for (const p of [a, b]) expect(await title(p)).toBe('Both confirmed');
    expect(await b.getByTestId('security-hint').innerText()).toBe('You and Alice Núñez confirmed the same code. Nobody is in the middle.');
    await shot(b, '04-both-confirmed');
    await hangUp(a, b);
  });

  it('the next call is "verified before" on both, with a visible "Something is wrong" that ends it like a mismatch', async () => {
    await placeCall(b, a, alice.extension);
    for (const p of [a, b]) {
      expect(await status(p)).toBe('verified-before');
      expect(await p.getByTestId('sas-wrong').innerText()).toBe('Something is wrong');
    }
    await shot(a, '05-verified-before');
    await a.getByTestId('sas-wrong').click();
    await a.locator('[data-testid="call-ended"][data-reason="end.sasMismatch"]').waitFor({ timeout: 5000 });
    await b.locator('[data-testid="call-ended"][data-reason="end.peerSasMismatch"]').waitFor({ timeout: 5000 });
    expect(await b.getByTestId('call-ended').innerText()).toMatch(/Your colleague ended the call because the codes did not match/);
    await shot(b, '06-something-wrong-peer');
    for (const p of [a, b]) await p.getByTestId('back').click();
    // The verified flag is gone on both devices.
    await placeCall(a, b, bob.extension);
    for (const p of [a, b]) expect(await status(p)).toBe('unverified');
    await hangUp(a, b);
  });

  it('one side confirms and the other hangs up: the next call is not verified (Spanish screen)', async () => {
    const sas = await placeCall(a, c, carol.extension);
    if (/^[a-z0-9]{4}$/.test(sas)) {
      const items = await c.getByTestId('sas-spelling').locator('li').allInnerTexts();
      expect(items).toEqual(spellSas(sas, 'es').map(([ch, word]) => `${ch} — ${word}`));
    }
    await pickHeard(c, sas);
    await waitStatus(c, 'confirmed-waiting');
    expect(await title(c)).toBe('Has confirmado — esperando a Alice Núñez');
    await waitStatus(a, 'peer-confirmed');
    expect(await title(a)).toBe('Carol Ibáñez confirmed — compare the code');
    await shot(c, '07-waiting-es');
    await hangUp(a, c);
    await placeCall(c, a, alice.extension);
    for (const p of [a, c]) expect(await status(p)).toBe('unverified');
    await hangUp(c, a);
  });

  it('a confirmation injected through the signalling path, or with a forged MAC on the data channel, is ignored', async () => {
    const sas = await placeCall(b, c, carol.extension);
    // Bob's verdict is recorded but held back: Carol can only learn of it through an injection.
    await holdZrtpText(b, true);
    const sentBefore = (await zrtpTextSent(b)).length;
    await pickHeard(b, sas);
    await waitStatus(b, 'confirmed-waiting');
    const frames = (await zrtpTextSent(b)).slice(sentBefore);
    expect(frames).toHaveLength(1);
    const genuine = frames[0];
    expect(genuine).toMatch(/^susurro-sas\/1 match 1 [0-9a-f]{64,96}$/);
    await c.waitForTimeout(500);
    expect(await status(c)).toBe('unverified');

    // 1. The genuine frame through the page's SIP connection, in dialog (INFO) and out of dialog (MESSAGE).
    const before = (await sipLog(c)).length;
    await injectSip(c, await inDialogRequest(c, 'INFO', 'application/susurro-sas', genuine!));
    await injectSip(c, await inDialogRequest(c, 'MESSAGE', 'text/plain', genuine!));
    const after = (await sipLog(c)).slice(before);
    expect(after.filter((m) => m.dir === 'in').map((m) => m.text.split(' ')[0])).toEqual(['INFO', 'MESSAGE']);
    // sip.js parsed and answered both (so they did reach the page's SIP stack), e.g. "SIP/2.0 200 OK" to the INFO.
    const answers = after.filter((m) => m.dir === 'out' && /^SIP\/2\.0 \d{3}/.test(m.text)).map((m) => `${m.text.split('\r\n')[0]} / ${/^CSeq:\s*\d+ (\w+)/im.exec(m.text)?.[1]}`);
    process.stdout.write(`[sas] answers to the injected SIP requests: ${JSON.stringify(answers)}\n`);
    expect(answers.map((x) => x.split(' / ')[1]).sort()).toEqual(['INFO', 'MESSAGE']);
    // 2. What a DTLS-terminating MitM could put on the channel: forged MAC, flipped verdict, a higher counter.
    const last = genuine!.at(-1) === '0' ? '1' : '0';
    for (const forged of [genuine!.slice(0, -1) + last, genuine!.replace(/ 1 /, ' 2 '), `susurro-sas/1 match 1 ${'ab'.repeat(32)}`]) {
      await injectZrtpText(c, forged);
    }
    await c.waitForTimeout(500);
    expect(await status(c)).toBe('unverified');
    expect(await title(c)).toBe('Cifrada, sin verificar');
    expect(await c.getByTestId('call-screen').count()).toBe(1); // the call is still up
    await shot(c, '08-forgery-ignored-es');

    // Positive control: the same genuine frame on the data channel is accepted...
    await injectZrtpText(c, genuine!);
    await waitStatus(c, 'peer-confirmed');
    expect(await title(c)).toBe('Bob Ferreira ha confirmado — compara el código');
    // ...once: Carol's own confirmation completes it on both sides (Carol's frame is not held).
    await pickHeard(c, sas);
    await Promise.all([waitStatus(b, 'verified'), waitStatus(c, 'verified')]);
    expect(await title(c)).toBe('Confirmado por ambos');
    await hangUp(b, c);
  });
});
