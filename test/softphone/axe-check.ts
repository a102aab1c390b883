/**
 * Accessibility check of the screen a softphone page shows: axe-core (the library, injected
 * into the page from node_modules) runs the WCAG 2.x A/AA and best-practice rules; the screen
 * is also saved as test-artifacts/softphone/<engine>-<screen>.png. Returns the violations of
 * impact "serious" or "critical" as readable lines (the test asserts the list is empty, so a
 * failure prints them).
 *
 * axe is evaluated as a string through the driver (CDP / WebDriver BiDi), which the page's
 * Content-Security-Policy does not govern: the product's CSP stays as shipped.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ARTIFACTS } from './harness.ts';
import type { PhonePage } from './phone-page.ts';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface A11yViolation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

export async function checkScreen(page: PhonePage, screen: string): Promise<string[]> {
  await page.screenshot(join(ARTIFACTS, `${page.engine}-${screen}.png`));
  if (!(await page.evaluate(() => typeof (globalThis as any).axe === 'object'))) await page.addScript(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const result = await (globalThis as any).axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    return (result.violations as any[]).map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n: any) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ')}`) }));
  });
  return (violations as A11yViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `[${page.engine} ${screen}] ${v.impact} ${v.id} (${v.help}): ${v.targets.join(' | ')}`);
}
