import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from '../support/browser.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

/**
 * Steps on the admin page shared by the browser tests: open it (stack + Chromium), log in,
 * create an account (returns the one-time password shown in the secret panel).
 */
export async function logInOnAdminPage(page: Page, admin: { username: string; password: string }): Promise<void> {
  await page.getByLabel('Administrator name').fill(admin.username);
  await page.getByLabel('Password', { exact: true }).fill(admin.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText(`Logged in as ${admin.username}`).waitFor();
}

export async function createAccountOnAdminPage(page: Page, a: { extension: string; username: string; displayName: string }): Promise<string> {
  await page.getByLabel('Extension').fill(a.extension);
  await page.getByLabel('User name').fill(a.username);
  await page.getByLabel('Display name').fill(a.displayName);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#secret-panel').waitFor({ state: 'visible' });
  return (await page.textContent('#secret-value'))!;
}

/** The real stack plus a headless Chromium page on its admin page (dialogs accepted). */
export interface AdminPageRig {
  t: TestStack;
  chromium: LaunchedChromium;
  page: Page;
}

export async function openAdminPage(): Promise<AdminPageRig> {
  const t = await startTestStack();
  const chromium = await launchChromium({ extraArgs: ['--ignore-certificate-errors'] });
  const page = await chromium.browser.newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(`https://127.0.0.1:${t.config.ports.admin}/admin/`);
  return { t, chromium, page };
}
