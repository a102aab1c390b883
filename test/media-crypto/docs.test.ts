/** The docs in src/media-crypto must not drift from the code and vectors (as fastify tests its Errors.md). */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { SFRAME_ERROR_CODES } from '../../src/media-crypto/errors.ts';

const dir = new URL('../../src/media-crypto/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, dir), 'utf8');

describe('media-crypto docs', () => {
  it('ERRORS.md lists exactly the error codes of errors.ts', () => {
    const documented = [...read('ERRORS.md').matchAll(/^\| `(SUSURRO_SFRAME_[A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual([...SFRAME_ERROR_CODES].sort());
  });

  it('no source file throws a SUSURRO_SFRAME_ code missing from the registry', () => {
    // Every source file of the folder, found rather than listed, so a new file is checked too.
    const sources = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(sources).toContain('sframe-context.ts');
    for (const f of sources) {
      for (const m of read(f).matchAll(/'(SUSURRO_SFRAME_[A-Z_]+)'/g)) expect(SFRAME_ERROR_CODES, `${f}: ${m[1]}`).toContain(m[1]);
    }
  });

  it('SPEC.md shows the first vector case exactly as zrtp-sframe-vector.json has it', () => {
    const spec = read('SPEC.md');
    interface Direction { base_key: string; sframe_key: string; sframe_salt: string; frames: { frame: string }[] }
    interface Case { exported_key: string; zid_initiator: string; zid_responder: string; kdf_context: string; initiator_to_responder: Direction; responder_to_initiator: Direction }
    const { cases } = JSON.parse(readFileSync(new URL('./zrtp-sframe-vector.json', import.meta.url), 'utf8')) as { cases: Case[] };
    const c = cases[0]!;
    const values = [c.exported_key, c.zid_initiator, c.zid_responder, c.kdf_context];
    for (const dir of ['initiator_to_responder', 'responder_to_initiator'] as const) {
      const d = c[dir];
      values.push(d.base_key, d.sframe_key, d.sframe_salt, ...d.frames.map((f) => f.frame));
    }
    for (const v of values) expect(spec, String(v)).toContain(String(v));
  });
});
