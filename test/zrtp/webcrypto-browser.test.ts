/**
 * The WebCrypto key agreement backend in headless Debian Chromium (the browser softphone's
 * engine), both ways: with the page's crypto.subtle (X25519 and P-256 detected, used — counted —
 * and giving byte-identical transcripts and the same SAS as @noble for the same seeds), and with
 * X25519 hidden from subtle (detection falls back, the X255 session runs on @noble, same bytes).
 * Page code: test/zrtp/browser/key-agreement-page.ts.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from '../support/browser.ts';
import { bundleForBrowser, serveFiles, type ServedSite } from '../support/bundle.ts';
import type { Run } from './browser/key-agreement-page.ts';

type Backend = 'none' | 'webcrypto' | 'no-x25519';
let chromium: LaunchedChromium | null = null;
let site: ServedSite | null = null;
let page: Page;

beforeAll(async () => {
  const script = await bundleForBrowser(fileURLToPath(new URL('./browser/key-agreement-page.ts', import.meta.url)));
  site = await serveFiles({
    '/index.html': '<!doctype html><meta charset="utf-8"><title>zrtp ka</title><script type="module" src="/page.js"></script>',
    '/page.js': script,
  });
  chromium = await launchChromium({});
  page = await chromium.browser.newPage();
  await page.goto(`${site.url}/index.html`);
  await page.waitForFunction(() => 'zrtpKaPage' in globalThis, undefined, { timeout: 10_000 });
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await site?.close();
});

const handshake = (ka: string, seeds: [number, number], backend: Backend): Promise<Run> =>
  page.evaluate(
    ([k, s, b]) => (globalThis as unknown as { zrtpKaPage: { handshake(...a: unknown[]): Promise<Run> } }).zrtpKaPage.handshake(k, s, b),
    [ka, seeds, backend] as const,
  );
const detect = (hide: string[]): Promise<string[]> =>
  page.evaluate((h) => (globalThis as unknown as { zrtpKaPage: { detect(h: string[]): Promise<string[]> } }).zrtpKaPage.detect(h), hide);

describe('WebCrypto key agreement in Chromium', () => {
  it('detects X25519 and ECDH P-256 (DH2k/DH3k are not in WebCrypto); nothing when both are hidden', async () => {
    expect(await detect([])).toEqual(['X255', 'EC25']);
    expect(await detect(['X25519'])).toEqual(['EC25']);
    expect(await detect(['X25519', 'ECDH'])).toEqual([]);
  });

  for (const ka of ['X255', 'EC25'] as const) {
    it(`${ka}: sessions on WebCrypto use it and send exactly the bytes @noble sends for the same seeds`, async () => {
      const pure = await handshake(ka, [21, 22], 'none');
      const fast = await handshake(ka, [21, 22], 'webcrypto');
      expect(fast.errors).toEqual([]);
      expect(fast.sas).not.toBeNull();
      expect(fast.sas).toBe(pure.sas);
      expect(fast.transcript).toEqual(pure.transcript);
      expect(fast.calls).toEqual({ publicValue: 2, sharedSecret: 2 });
    });
  }

  it('X25519 hidden: the X255 session falls back to @noble (no WebCrypto call), same bytes', async () => {
    const pure = await handshake('X255', [31, 32], 'none');
    const fallback = await handshake('X255', [31, 32], 'no-x25519');
    expect(fallback.keyAgreement).toBe('X255');
    expect(fallback.errors).toEqual([]);
    expect(fallback.transcript).toEqual(pure.transcript);
    expect(fallback.calls).toEqual({ publicValue: 0, sharedSecret: 0 });
  });
});
