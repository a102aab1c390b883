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
const ABSOLUTE = String.raw`(^|[^A-Za-z0-9_.])/(work|home|root|Users)/`;
const DIRS = ['src', 'test', 'bench', 'scripts', 'softphone-web', 'kamailio-config'];

/** `git grep -n` over the tracked sources: "file:line:text" lines. */
function grep(pattern: string): string[] {
  try {
    return execFileSync('git', ['grep', '-nIE', pattern, '--', ...DIRS], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  } catch (err) {
    if ((err as { status?: number }).status === 1) return []; // git grep: no match
    throw err;
  }
}

/** The grep lines holding a `../` run that resolves above the repository root. */
function climbingOut(lines: string[]): string[] {
  return lines.filter((line) => {
    const [file, , ...rest] = line.split(':');
    return [...rest.join(':').matchAll(/((?:\.\.\/)+)/g)].some((m) => {
      const rel = relative(root, resolve(root, dirname(file!), m[1]!));
      return rel.startsWith('..') || isAbsolute(rel);
    });
  });
}

describe('the repository is self-contained', () => {
  it('names no absolute home or work directory', () => {
    expect(grep(ABSOLUTE)).toEqual([]);
  });

  it('has no ../ that climbs out of the repository', () => {
    expect(climbingOut(grep(String.raw`(\.\./)+`))).toEqual([]);
  });

  it('sees a planted escape and a planted absolute path (positive control)', () => {
    // built at run time, so that this file does not contain what it looks for
    const up = ['..', '..', '..', ''].join('/');
    expect(climbingOut([`test/x.test.ts:1:readFileSync('${up}shared/vectors/x.json')`])).toHaveLength(1);
    expect(climbingOut([`test/zrtp/x.test.ts:1:import '${['..', '..', 'src', 'zrtp'].join('/')}/index.ts'`])).toEqual([]);
    expect(new RegExp(ABSOLUTE).test(`'${['', 'work', 'shared', 'x'].join('/')}'`)).toBe(true);
  });
});
