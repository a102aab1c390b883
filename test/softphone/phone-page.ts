/**
 * One browser-neutral handle on a softphone page, so the e2e steps (login, tone measurement,
 * probe read-outs, axe checks) are written once for Chromium (playwright-core Page) and Firefox
 * (puppeteer-core Page over WebDriver BiDi). Elements are named by their data-testid.
 */
import type { Page as PlaywrightPage } from 'playwright-core';
import type { Page as PuppeteerPage } from 'puppeteer-core';

export type Engine = 'chromium' | 'firefox';

export interface PhonePage {
  readonly engine: Engine;
  click(testId: string): Promise<void>;
  fill(testId: string, text: string): Promise<void>;
  /** Wait until an element matching the CSS selector is visible. */
  waitFor(selector: string, timeoutMs?: number): Promise<void>;
  /** The rendered text (innerText) of the element with this test id. */
  text(testId: string): Promise<string>;
  /** Run `fn(arg)` in the page (self-contained: it is serialised). */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  screenshot(file: string): Promise<void>;
  /** Run `source` in every document before its own scripts (install before navigating). */
  addInitScript(source: string): Promise<void>;
  /** Run a script's source in the current document through the driver (not subject to the page's CSP). */
  addScript(source: string): Promise<void>;
}

const byTestId = (id: string) => `[data-testid="${id}"]`;

export function fromPlaywright(page: PlaywrightPage): PhonePage {
  return {
    engine: 'chromium',
    click: (id) => page.getByTestId(id).click(),
    fill: (id, text) => page.getByTestId(id).fill(text),
    waitFor: (selector, timeout = 10_000) => page.locator(selector).first().waitFor({ timeout }),
    text: (id) => page.getByTestId(id).innerText(),
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A) => page.evaluate(fn as (arg: unknown) => Promise<R>, arg as unknown),
    screenshot: async (file) => void (await page.screenshot({ path: file, fullPage: true })),
    addInitScript: async (source) => void (await page.addInitScript({ content: source })),
    addScript: async (source) => void (await page.evaluate(source)),
  };
}

export function fromPuppeteer(page: PuppeteerPage): PhonePage {
  return {
    engine: 'firefox',
    click: (id) => page.locator(byTestId(id)).setTimeout(10_000).click(),
    fill: (id, text) => page.locator(byTestId(id)).setTimeout(10_000).fill(text),
    waitFor: async (selector, timeout = 10_000) => void (await page.waitForSelector(selector, { visible: true, timeout })),
    text: (id) => page.$eval(byTestId(id), (el) => (el as HTMLElement).innerText),
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A) => page.evaluate(fn as (arg: unknown) => Promise<R>, arg as unknown) as Promise<R>,
    screenshot: async (file) => void (await page.screenshot({ path: file as `${string}.png`, fullPage: true })),
    addInitScript: async (source) => void (await page.evaluateOnNewDocument(source)),
    addScript: async (source) => void (await page.evaluate(source)),
  };
}

/** A PhonePage as is, a playwright Page wrapped (the existing Chromium tests pass Pages). */
export function asPhone(page: PlaywrightPage | PhonePage): PhonePage {
  return 'engine' in page ? page : fromPlaywright(page);
}
