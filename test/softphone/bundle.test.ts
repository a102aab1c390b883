/**
 * Issue 15 "No test hooks in the product": the shipped softphone bundle (what
 * `vite build softphone-web` writes and the admin API serves, source maps included) contains
 * no test switch and no diagnostics global. The build goes to a temporary directory so that
 * softphone-web/dist, which e2e tests may be serving, is left alone.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { REPO } from './harness.ts';

const FORBIDDEN = ['susurro.test', 'blockZrtpChannel', 'debugCall'];
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Each forbidden string with the files (relative) that contain it. */
function hooksIn(dir: string): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const file of filesUnder(dir)) {
    const text = readFileSync(file, 'latin1');
    for (const s of FORBIDDEN) if (text.includes(s)) (found[s] ??= []).push(file.slice(dir.length + 1));
  }
  return found;
}

describe('the shipped softphone bundle', () => {
  it('contains no susurro.test, blockZrtpChannel or debugCall (JS, HTML, CSS and source maps)', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'susurro-bundle-'));
    dirs.push(outDir);
    await build({ configFile: join(REPO, 'softphone-web', 'vite.config.ts'), root: join(REPO, 'softphone-web'), logLevel: 'silent', build: { outDir, emptyOutDir: true } });
    const files = filesUnder(outDir);
    expect(files.some((f) => f.endsWith('.js'))).toBe(true);
    expect(files.some((f) => f.includes('sframe-worker'))).toBe(true); // the whole app was built, worker included
    expect(files.some((f) => f.endsWith('.map'))).toBe(true);
    expect(hooksIn(outDir)).toEqual({});
  }, 120_000);

  it('control: the same build and scan find such hooks when an entry has them (minified)', async () => {
    const src = mkdtempSync(join(tmpdir(), 'susurro-bundle-control-'));
    dirs.push(src);
    writeFileSync(join(src, 'index.html'), '<!doctype html><script type="module" src="./main.ts"></script>');
    writeFileSync(
      join(src, 'main.ts'),
      "const blocked = sessionStorage.getItem('susurro.test.blockZrtpChannel') === '1';\n" +
        '(globalThis as { susurro?: unknown }).susurro = { debugCall: () => blocked };\n',
    );
    const outDir = join(src, 'dist');
    await build({ configFile: false, root: src, logLevel: 'silent', build: { outDir, emptyOutDir: true, minify: true, sourcemap: false } });
    expect(Object.keys(hooksIn(outDir)).sort()).toEqual(['blockZrtpChannel', 'debugCall', 'susurro.test']);
  }, 120_000);
});
