/**
 * House rule 1 and 10 for the wire and crypto layer: pure (no I/O, clocks, timers, ambient
 * randomness or logging), browser-safe (no node: imports, only @noble/* as dependency), files
 * under 400 lines. The one Node-only file, crypto/node-key-agreement.ts, is checked to stay
 * out of src/zrtp/index.ts.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../../../src/zrtp/', import.meta.url));
const WIRE_FILES = [
  'bytes.ts', 'errors.ts', 'algorithms.ts', 'crc32c.ts', 'packet.ts', 'kdf.ts', 'sas.ts', 'pgp-words.ts', 'hash-chain.ts', 'zrtp-hash.ts',
  ...readdirSync(join(root, 'messages')).filter((f) => f.endsWith('.ts')).map((f) => `messages/${f}`),
  ...readdirSync(join(root, 'crypto')).filter((f) => f.endsWith('.ts') && f !== 'node-key-agreement.ts').map((f) => `crypto/${f}`),
];

const FORBIDDEN: [RegExp, string][] = [
  [/from ['"]node:/, 'node: import'],
  [/\brequire\(/, 'require()'],
  [/\bDate\.now\(|new Date\(/, 'clock'],
  [/\bMath\.random\(/, 'ambient randomness'],
  [/\bcrypto\.getRandomValues\(/, 'ambient randomness (inject it)'],
  [/\bset(Timeout|Interval)\(/, 'timer'],
  [/\bconsole\./, 'logging'],
  [/\bprocess\./, 'process access'],
  [/\bfetch\(/, 'network'],
];

describe('wire/crypto layer purity', () => {
  it('covers the expected files', () => {
    expect(WIRE_FILES.length).toBeGreaterThanOrEqual(25);
  });

  for (const file of WIRE_FILES) {
    it(`${file}: pure, browser-safe, < 400 lines`, () => {
      const text = readFileSync(join(root, file), 'utf8');
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const [re, what] of FORBIDDEN) expect(re.test(code), `${file} uses ${what}`).toBe(false);
      for (const m of code.matchAll(/from ['"]([^'"]+)['"]/g)) {
        expect(m[1]!.startsWith('.') || m[1]!.startsWith('@noble/'), `${file} imports ${m[1]}`).toBe(true);
      }
      expect(text.split('\n').length).toBeLessThan(400);
    });
  }

  it('the Node-only OpenSSL backend is not reachable from the public index', () => {
    const index = readFileSync(join(root, 'index.ts'), 'utf8');
    expect(index).not.toMatch(/node-key-agreement/);
  });
});
