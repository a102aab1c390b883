/**
 * House rules 1 and 10 (STYLE.md) as a check: the protocol folders (src/zrtp, src/media-crypto)
 * are pure — no I/O, clocks, timers, ambient randomness, logging or host globals; imports only
 * relative or @noble/*; files under 400 lines. Which files are pure comes from the folder's
 * README, not from a list here: every `.ts` file under the folder (found by walking it, so a
 * new file is covered the day it appears) except those the README's "Impure glue:" paragraph names
 * in backticks (up to "Every other file"). A pure file may import glue only for types (or
 * re-export it, as an index does for entry points).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface Violation {
  file: string;
  rule: string;
}

const FORBIDDEN: readonly [RegExp, string][] = [
  [/\bfrom\s+['"]node:|\bimport\(\s*['"]node:/, 'node: import'],
  [/\brequire\(/, 'require()'],
  [/\bDate\.now\b|\bnew Date\(|\bperformance\.now\b/, 'clock'],
  [/\bMath\.random\b|\bgetRandomValues\b/, 'ambient randomness'],
  [/(^|[^.\w$])(setTimeout|setInterval|setImmediate|queueMicrotask|requestAnimationFrame)\s*\(/m, 'timer'],
  [/\bglobalThis\b(?!\.crypto\b)|(^|[^.\w$-])(document|navigator)\./m, 'host global (only globalThis.crypto, WebCrypto, is allowed)'],
  [/\bconsole\./, 'logging'],
  [/\bprocess\./, 'process access'],
  [/\bfetch\(|\bWebSocket\b|\bXMLHttpRequest\b|\blocalStorage\b|\bsessionStorage\b|\bindexedDB\b/, 'network or storage'],
];

/**
 * Ambient defaults a pure file may wire, by rule, each documented in its README: the session
 * options fall back to crypto.getRandomValues (the one sanctioned RNG) and Date.now when the
 * caller injects none.
 */
export const ALLOWED_DEFAULTS: Readonly<Record<string, readonly string[]>> = {
  'src/zrtp/states/options.ts': ['clock', 'ambient randomness'],
};

/** Code without comments (so a comment may mention setTimeout or Date.now). */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return e.isFile() && e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The files a README names between "Impure glue:" and "Every other file", relative to the folder. */
export function documentedGlue(folder: string): string[] {
  const readme = readFileSync(join(folder, 'README.md'), 'utf8');
  const start = readme.indexOf('Impure glue:');
  const end = readme.indexOf('Every other file', start);
  if (start < 0 || end < 0) throw new Error(`${join(folder, 'README.md')} has no "Impure glue: … Every other file" paragraph`);
  return [...new Set([...readme.slice(start, end).matchAll(/`([^`]+\.ts)`/g)].map((m) => m[1]!))];
}

/** Relative imports and re-exports of a file: [resolved path, uses it at run time?]. */
function relativeImports(file: string, code: string): [string, boolean][] {
  const out: [string, boolean][] = [];
  for (const m of code.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?\bfrom\s+['"](\.[^'"]+)['"]/gm)) {
    // A type import or a re-export (an index passing glue on to entry points) runs none of it.
    out.push([resolve(dirname(file), m[3]!), m[1] === 'import' && !m[2]]);
  }
  return out;
}

export interface PurityReport {
  pure: string[];
  glue: string[];
  violations: Violation[];
}

/** Checks one protocol folder (absolute path); file names in the report are relative to `repoRoot`. */
export function checkPurity(folder: string, repoRoot: string): PurityReport {
  const rel = (p: string) => relative(repoRoot, p).split('\\').join('/');
  const glue = documentedGlue(folder).map((g) => join(folder, g));
  const violations: Violation[] = [];
  for (const g of glue) if (!existsSync(g)) violations.push({ file: rel(g), rule: 'README names a glue file that does not exist' });
  const glueSet = new Set(glue);
  const pure = walk(folder).filter((f) => !glueSet.has(f)).sort();
  for (const file of pure) {
    const text = readFileSync(file, 'utf8');
    const code = stripComments(text);
    const allowed = ALLOWED_DEFAULTS[rel(file)] ?? [];
    for (const [re, rule] of FORBIDDEN) if (!allowed.includes(rule) && re.test(code)) violations.push({ file: rel(file), rule });
    for (const m of code.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith('.') && !spec.startsWith('@noble/')) violations.push({ file: rel(file), rule: `imports ${spec}` });
    }
    for (const [target, used] of relativeImports(file, code)) {
      if (used && glueSet.has(target)) violations.push({ file: rel(file), rule: `imports glue ${rel(target)} (types or re-exports only)` });
    }
    if (text.split('\n').length >= 400) violations.push({ file: rel(file), rule: '400 lines or more' });
  }
  return { pure: pure.map(rel), glue: glue.map(rel), violations };
}

/** Every file reachable from `entry` through relative imports (type-only ones included). */
export function reachableFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f) || !existsSync(f)) continue;
    seen.add(f);
    for (const [target] of relativeImports(f, stripComments(readFileSync(f, 'utf8')))) todo.push(target);
  }
  return seen;
}
