/**
 * The repository is self-contained: no code, test, benchmark or script names a path outside the
 * clone (an absolute home/work path, or a `../` that climbs above the repository root). Reference
 * data lives in test/vectors with its source and licence.
 */
import { execFileSync } from 'node:child_process';
import { dirname, resolve, relative, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIRS = ['src', 'test', 'bench', 'scripts', 'softphone-web', 'kamailio-config'];

function grep(pattern: string): string[] {
  try {
    return execFileSync('git', ['grep', '-nIE', pattern, '--', ...DIRS, ':!test/vectors/README.md', ':!test/self-contained.test.ts' /* its planted controls */], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  } catch (err) {
    if ((err as { status?: number }).status === 1) return []; // git grep: no match
    throw err;
  }
}

describe('the repository is self-contained', () => {
  it('names no absolute home or work directory', () => {
    expect(grep(String.raw`(^|[^A-Za-z0-9_.])/(work|home|root|Users)/`)).toEqual([]);
  });

  it('has no ../ that climbs out of the repository', () => {
    const escapes = grep(String.raw`(\.\./)+`).filter((line) => {
      const [file, , ...rest] = line.split(':');
      const text = rest.join(':');
      return [...text.matchAll(/((?:\.\.\/)+)/g)].some((m) => {
        const target = resolve(root, dirname(file!), m[1]!);
        const rel = relative(root, target);
        return rel.startsWith('..') || isAbsolute(rel);
      });
    });
    expect(escapes).toEqual([]);
  });

  it('sees a planted escape (positive control)', () => {
    const text = "readFileSync('../../../shared/vectors/x.json')";
    const target = resolve(root, 'test', '../../../shared/');
    expect(relative(root, target).startsWith('..')).toBe(true);
    expect(new RegExp(String.raw`(^|[^A-Za-z0-9_.])/(work|home|root|Users)/`).test("'/work/shared/x'")).toBe(true);
    expect(text).toMatch(/(\.\.\/)+/);
  });
});
