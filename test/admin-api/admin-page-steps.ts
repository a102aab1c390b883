import type { Page } from 'playwright-core';

/**
 * Steps on the admin page shared by the browser tests: log in, create an account
 * (returns the one-time password shown in the secret panel).
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
