import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The code runs through tsx and Vite, which strip types without checking them: without this
// test a type error anywhere (src, softphone-web, test, bench) would land unnoticed.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('TypeScript', () => {
  it('the whole project typechecks (tsc --noEmit, strict)', () => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '--noEmit', '-p', join(root, 'tsconfig.json')], {
      cwd: root,
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(r.error).toBeUndefined();
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 200_000);
});
