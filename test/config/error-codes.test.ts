/**
 * Every error code the stack code can throw is documented in docs/configuration.md, and the
 * documentation lists no stale code (house rule 6; fastify's errors test does the same).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/config/index.ts';

const AREAS = ['src/config', 'src/stack', 'src/signaling', 'src/media-relay', 'src/tls', 'src/chat'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function codesInSource(): Set<string> {
  const codes = new Set<string>();
  for (const area of AREAS) {
    for (const file of sourceFiles(join(REPO_ROOT, area))) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!/readonly code\b/.test(line)) continue;
        for (const m of line.matchAll(/'(SUSURRO_[A-Z_]+)'/g)) codes.add(m[1] as string);
      }
    }
  }
  return codes;
}

function codesInDocs(): Set<string> {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'configuration.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## Error codes'));
  return new Set([...table.matchAll(/^\| `(SUSURRO_[A-Z_]+)` \|/gm)].map((m) => m[1] as string));
}

describe('stack error codes', () => {
  it('finds the codes (guard against a broken scan)', () => {
    expect(codesInSource().size).toBeGreaterThanOrEqual(14);
  });
  it('are all documented, and the documentation lists no stale code', () => {
    expect([...codesInDocs()].sort()).toEqual([...codesInSource()].sort());
  });
});
