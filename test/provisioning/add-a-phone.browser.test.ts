import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { LaunchedChromium } from '../support/browser.ts';
import type { TestStack } from '../support/stack.ts';
import { decodeQrPng } from '../support/qr-decode.ts';
import { httpsGet } from '../support/https-get.ts';
import { createAccountOnAdminPage, logInOnAdminPage, openAdminPage } from '../admin-api/admin-page-steps.ts';

/**
 * "Add a phone" on the admin page (issue 16) in Debian's Chromium against the real stack:
 * the QR code as rendered on screen decodes (jsQR) to the link shown beside it, the link
 * serves the Linphone XML, and revoking the phone on the page makes it answer 403.
 * Screenshot: test-artifacts/admin-add-a-phone.png.
 */
const artifacts = new URL('../../test-artifacts/', import.meta.url).pathname;
let t: TestStack;
let chromium: LaunchedChromium;
let page: Page;

beforeAll(async () => {
  ({ t, chromium, page } = await openAdminPage());
});
afterAll(async () => {
  await chromium?.close();
  await t?.stop();
});

describe('admin page: Add a phone', () => {
  it('creates a link with a QR code that decodes to it; revoking it on the page makes the link answer 403', async () => {
    await logInOnAdminPage(page, t.stack.firstAdmin!);
    await createAccountOnAdminPage(page, { extension: '201', username: 'alice', displayName: 'Alice Liddell' });
    await page.getByRole('button', { name: /I have passed it on/ }).click();

    await page.getByRole('button', { name: 'Add a phone for Alice Liddell (201)' }).click();
    await page.locator('#phone-panel').waitFor({ state: 'visible' });
    const unlabelled = await page.$$eval('#phone-panel input', (els) => els.filter((e) => !(e as HTMLInputElement).labels?.length).map((e) => e.id));
    expect(unlabelled).toEqual([]);
    await page.getByLabel('Name of the phone').fill('Alice <i>Pixel</i>');
    await page.getByRole('button', { name: 'Create link and QR code' }).click();
    await page.locator('#phone-result').waitFor({ state: 'visible' });
    const url = (await page.textContent('#phone-url'))!;
    expect(url).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:${t.config.ports.admin}/provisioning/[A-Za-z0-9_-]{43}$`));
    await page.getByRole('cell', { name: 'Alice <i>Pixel</i>', exact: true }).waitFor();

    // what the screen shows: a screenshot of the QR element, decoded
    const shot = await page.locator('#phone-qr').screenshot();
    expect(decodeQrPng(shot)).toBe(url);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'admin-add-a-phone.png'), fullPage: true });

    const xml = await httpsGet(url, t.caPem);
    expect(xml.status).toBe(200);
    expect(xml.body).toContain('sip:201@');

    await page.getByRole('button', { name: 'Revoke the phone Alice <i>Pixel</i>' }).click();
    await expect.poll(() => page.textContent('#status')).toContain('Revoked the phone “Alice <i>Pixel</i>”.');
    await page.getByRole('cell', { name: 'revoked', exact: true }).first().waitFor();
    expect((await httpsGet(url, t.caPem)).status).toBe(403);
    await page.screenshot({ path: join(artifacts, 'admin-add-a-phone-revoked.png'), fullPage: true });
  });
});
