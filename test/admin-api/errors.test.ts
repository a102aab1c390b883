import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_ERROR_CODES, ApiErrors } from '../../src/admin-api/errors.ts';

/** The error registry and docs/api-errors.md must list the same codes with the same statuses. */
const doc = readFileSync(new URL('../../docs/api-errors.md', import.meta.url), 'utf8');
const documented = new Map(
  [...doc.matchAll(/^\| `(SUSURRO_API_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])] as const),
);

describe('SUSURRO_API_* error registry', () => {
  it('every code in the registry is documented with its status', () => {
    for (const code of API_ERROR_CODES) {
      const err = new ApiErrors[code]('x');
      expect([code, documented.get(code)]).toEqual([code, err.statusCode]);
      expect(err.code).toBe(code);
    }
  });
  it('the docs list no stale code', () => {
    expect([...documented.keys()].sort()).toEqual([...API_ERROR_CODES].sort());
  });
  it('codes are mentioned nowhere else in the docs without being in the registry', () => {
    const mentioned = new Set([...doc.matchAll(/SUSURRO_API_[A-Z_]+/g)].map((m) => m[0]).filter((c) => c !== 'SUSURRO_API_'));
    for (const c of mentioned) expect(API_ERROR_CODES as string[]).toContain(c);
  });
});
