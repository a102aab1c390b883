/**
 * The protocol folders are pure (STYLE.md house rules 1 and 10): every file their READMEs do not
 * name as glue, found by walking the folder (test/support/purity.ts). A planted impurity in a
 * copy of the tree must be caught, new files and folders included (positive control).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPurity, reachableFrom } from './support/purity.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const FOLDERS = ['src/zrtp', 'src/media-crypto'];

describe('protocol code is pure', () => {
  for (const folder of FOLDERS) {
    it(`${folder}: every file but the README's glue passes`, () => {
      const report = checkPurity(join(repo, folder), repo);
      expect(report.violations).toEqual([]);
      // Sanity: the walk found the folder's files (states/, session.ts, messages/, the core...).
      expect(report.pure.length).toBeGreaterThan(folder === 'src/zrtp' ? 50 : 10);
    });
  }

  it('covers what the issue names: src/zrtp states/, session.ts, transport/ except the scheduler glue; the media-crypto core', () => {
    const zrtp = checkPurity(join(repo, 'src/zrtp'), repo);
    expect(zrtp.pure).toContain('src/zrtp/session.ts');
    expect(zrtp.pure.filter((f) => f.startsWith('src/zrtp/states/')).length).toBeGreaterThanOrEqual(17);
    expect(zrtp.pure).toEqual(expect.arrayContaining(['src/zrtp/transport/udp-packets.ts', 'src/zrtp/transport/message-channel.ts', 'src/zrtp/transport/retransmission.ts']));
    expect(zrtp.glue.sort()).toEqual(['src/zrtp/cache/file-cache.ts', 'src/zrtp/crypto/node-key-agreement.ts', 'src/zrtp/transport/scheduler.ts']);
    const sframe = checkPurity(join(repo, 'src/media-crypto'), repo);
    expect(sframe.glue.sort()).toEqual(['src/media-crypto/page.ts', 'src/media-crypto/sframe-worker.ts']);
    expect(sframe.pure).toEqual(expect.arrayContaining(['src/media-crypto/sframe-context.ts', 'src/media-crypto/frame-transform.ts', 'src/media-crypto/index.ts']));
  });

  it('no Node-only file is reachable from a public index (both run in browsers)', () => {
    for (const folder of FOLDERS) {
      for (const f of reachableFrom(join(repo, folder, 'index.ts'))) {
        expect(/from\s+['"]node:/.test(readFileSync(f, 'utf8')), `${f} is reachable from ${folder}/index.ts`).toBe(false);
      }
    }
  });
});

describe('positive control: planted impurities in a copy of the tree are caught', () => {
  const copy = mkdtempSync(join(tmpdir(), 'susurro-purity-'));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));
  for (const folder of FOLDERS) cpSync(join(repo, folder), join(copy, folder), { recursive: true });

  it('new files (a timer, glue used at run time, disk I/O, a clock in a new folder, logging) and an edited one are caught', () => {
    writeFileSync(join(copy, 'src/zrtp/states/planted-timer.ts'), 'export const later = (f: () => void) => setTimeout(f, 10);\n');
    writeFileSync(join(copy, 'src/zrtp/states/planted-glue.ts'), "import { systemScheduler } from '../transport/scheduler.ts';\nexport const s = systemScheduler();\n");
    writeFileSync(join(copy, 'src/zrtp/transport/planted-io.ts'), "import { readFileSync } from 'node:fs';\nexport const read = () => readFileSync('/x');\n");
    mkdirSync(join(copy, 'src/zrtp/planted'));
    writeFileSync(join(copy, 'src/zrtp/planted/clock.ts'), '// Date.now in a comment is fine\nexport const t = () => Date.now();\n');
    writeFileSync(join(copy, 'src/media-crypto/planted-log.ts'), "export const log = (s: string) => console.log(s);\nimport { x } from 'left-pad';\n");
    const secure = join(copy, 'src/zrtp/states/secure.ts');
    writeFileSync(secure, readFileSync(secure, 'utf8') + '\nexport const ambient = () => globalThis.setTimeout(() => 0, 1);\n');
    const found = FOLDERS.flatMap((f) => checkPurity(join(copy, f), copy).violations).map((v) => `${v.file}: ${v.rule}`);
    expect(found.sort()).toEqual(
      [
        'src/media-crypto/planted-log.ts: imports left-pad',
        'src/media-crypto/planted-log.ts: logging',
        'src/zrtp/planted/clock.ts: clock',
        'src/zrtp/states/secure.ts: host global (only globalThis.crypto, WebCrypto, is allowed)',
        'src/zrtp/states/planted-timer.ts: timer',
        'src/zrtp/states/planted-glue.ts: imports glue src/zrtp/transport/scheduler.ts (types or re-exports only)',
        'src/zrtp/transport/planted-io.ts: imports node:fs',
        'src/zrtp/transport/planted-io.ts: node: import',
      ].sort(),
    );
  });

  it('the glue list is the README: a glue file it stops naming is checked (and fails), a name it invents is reported', () => {
    const readme = join(copy, 'src/media-crypto/README.md');
    writeFileSync(readme, readFileSync(readme, 'utf8').replace('`page.ts` (main thread: RTC', '`pages.ts` (main thread: RTC'));
    const rules = checkPurity(join(copy, 'src/media-crypto'), copy).violations.map((v) => `${v.file}: ${v.rule}`);
    expect(rules).toContain('src/media-crypto/pages.ts: README names a glue file that does not exist');
    expect(rules.some((r) => r.startsWith('src/media-crypto/page.ts: '))).toBe(true);
  });
});
