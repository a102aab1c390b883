import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { LaunchedChromium } from '../support/browser.ts';
import type { TestStack } from '../support/stack.ts';
import type { Phone } from '../support/sip-client.ts';
import { disconnected, registeredPhone } from './live-rig.ts';
import { createAccountOnAdminPage, logInOnAdminPage, openAdminPage } from './admin-page-steps.ts';

/**
 * The admin page in Debian's Chromium (headless) against the real stack: log in,
 * create an account (one-time password shown), register a phone with that
 * password, revoke it from the page — the phone is cut off.
 */
const artifacts = new URL('../../test-artifacts/', import.meta.url).pathname;
let t: TestStack;
let chromium: LaunchedChromium;
let page: Page;
const phones: Phone[] = [];

beforeAll(async () => {
  ({ t, chromium, page } = await openAdminPage());
});
afterAll(async () => {
  for (const p of phones) await p.stop().catch(() => {});
  await chromium?.close();
  await t?.stop();
});

describe('admin page', () => {
  it('log in, create (one-time password), revoke', async () => {
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    // Every form control has a label.
    const unlabelled = await page.$$eval('input', (els) => els.filter((e) => !(e as HTMLInputElement).labels?.length).map((e) => e.id));
    expect(unlabelled).toEqual([]);

    await page.getByLabel('Administrator name').fill(t.stack.firstAdmin!.username);
    await page.getByLabel('Password', { exact: true }).fill('wrong-password-here');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.textContent('#error')).toContain('wrong user name or password');
    await logInOnAdminPage(page, t.stack.firstAdmin!);
    // issue 14 item 5: until the first administrator chooses a password, a banner says so.
    await page.locator('#given-password-banner').waitFor({ state: 'visible' });
    expect(await page.textContent('#given-password-banner')).toContain('first started');

    const password = await createAccountOnAdminPage(page, { extension: '201', username: 'alice', displayName: 'Alice <b>Liddell</b>' });
    expect(password).toMatch(/^[0-9a-z]{5}(-[0-9a-z]{5}){3}$/);
    // Markup in names is shown as text, never interpreted.
    await page.getByRole('cell', { name: 'Alice <b>Liddell</b>', exact: true }).waitFor();

    const alice = await registeredPhone(t, phones, '201', password);

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'admin-page-created.png'), fullPage: true });
    await page.getByRole('button', { name: /I have passed it on/ }).click();
    expect(await page.isVisible('#secret-panel')).toBe(false);

    const cut = disconnected(alice);
    await page.getByRole('button', { name: 'Revoke Alice <b>Liddell</b> (201)' }).click();
    await expect.poll(() => page.textContent('#status')).toContain('Revoked Alice <b>Liddell</b> (201): registrations removed, connections closed');
    await cut;
    await page.getByRole('cell', { name: 'revoked', exact: true }).waitFor();
    await page.screenshot({ path: join(artifacts, 'admin-page-revoked.png'), fullPage: true });
    expect(await t.stack.db.get('SELECT id FROM subscriber WHERE username = ?', ['201'])).toBeUndefined();
    const audit = await page.$$eval('#audit tbody tr td:nth-child(3)', (tds) => tds.map((td) => td.textContent));
    expect(audit.slice(0, 2)).toEqual(['account.disable', 'account.create']);
  });

  it('the first administrator changes its password on the page; the first-admin file and the banner go', async () => {
    const file = join(t.config.dataDir, 'secrets', 'first-admin.json');
    expect(existsSync(file)).toBe(true);
    await page.getByLabel('Current password').fill(t.stack.firstAdmin!.password);
    await page.getByLabel('New password').fill('short');
    await page.getByRole('button', { name: 'Change my password' }).click();
    // The browser's own minlength check stops it first; the server rule is tested in api.test.ts.
    expect(existsSync(file)).toBe(true);
    await page.getByLabel('New password').fill('Summer2024!!'); // 12 characters, zxcvbn score 3: the server refuses
    await page.getByRole('button', { name: 'Change my password' }).click();
    await expect.poll(() => page.textContent('#error')).toContain('password too weak');
    expect(existsSync(file)).toBe(true);
    expect(await page.isVisible('#given-password-banner')).toBe(true);
    await page.getByLabel('New password').fill('Page-Chosen-Secret-2026');
    await page.getByRole('button', { name: 'Change my password' }).click();
    await expect.poll(() => page.textContent('#status')).toContain('Your password was changed');
    expect(existsSync(file)).toBe(false);
    expect(await page.isVisible('#given-password-banner')).toBe(false);
    await page.reload();
    await page.getByText('Logged in as admin').waitFor();
    expect(await page.isVisible('#given-password-banner')).toBe(false);
  });

  it('serves the OpenAPI description in Swagger UI at /docs', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`https://127.0.0.1:${t.config.ports.admin}/docs`);
    await page.getByText('susurro admin API').first().waitFor({ timeout: 15_000 });
    await page.getByText('/api/v1/accounts/{extension}/disable').first().waitFor();
    await page.screenshot({ path: join(artifacts, 'admin-docs.png') });
    expect(errors).toEqual([]);
  });
});
