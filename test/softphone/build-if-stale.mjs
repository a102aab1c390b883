// Builds softphone-web/dist when it is missing or older than its sources (softphone-web,
// src/zrtp, src/media-crypto). The e2e test files run in parallel and each serves dist from
// its own stack, so harness.ts runs this under flock: the first file builds, the others find
// the build fresh instead of emptying dist under a running stack.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const index = join(repo, 'softphone-web', 'dist', 'index.html');
const sources = ['softphone-web', 'src/zrtp', 'src/media-crypto'].map((d) => join(repo, d)).filter(existsSync);
const stale = !existsSync(index) || statSync(index).mtimeMs < Math.max(...sources.map(newest));
if (stale) {
  execFileSync(join(repo, 'node_modules', '.bin', 'vite'), ['build', 'softphone-web', '--logLevel', 'warn'], { cwd: repo, stdio: 'inherit', timeout: 120_000 });
}
