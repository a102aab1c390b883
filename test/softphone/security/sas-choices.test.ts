import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sasChoices } from '../../../softphone-web/src/security/sas-choices.ts';
import { PGP_WORDS_EVEN, PGP_WORDS_ODD } from '../../../src/zrtp/pgp-words.ts';

describe('SAS pick-among-three', () => {
  const random = (n: number) => new Uint8Array(randomBytes(n));

  it('offers the true SAS and two distinct decoys of the same shape, in varying positions', () => {
    const positions = new Set<number>();
    for (let i = 0; i < 60; i++) {
      const c = sasChoices('yfmj', 'B32', random);
      expect(c).toHaveLength(3);
      expect(new Set(c).size).toBe(3);
      expect(c.filter((x) => x === 'yfmj')).toHaveLength(1);
      for (const x of c) expect(x).toMatch(/^[ybndrfg8ejkmcpqxot1uwisza345h769]{4}$/);
      positions.add(c.indexOf('yfmj'));
    }
    expect(positions.size).toBe(3);
  });

  it('renders B256 decoys as two PGP words (even list, then odd list)', () => {
    for (let i = 0; i < 40; i++) {
      for (const x of sasChoices('aardvark adroitness', 'B256', random)) {
        const [even, odd] = x.split(' ');
        expect(PGP_WORDS_EVEN).toContain(even);
        expect(PGP_WORDS_ODD).toContain(odd);
      }
    }
  });

  it('refuses an empty SAS and a broken random source', () => {
    expect(() => sasChoices('', 'B32', random)).toThrow(TypeError);
    expect(() => sasChoices('yfmj', 'B32', (n) => new Uint8Array(n))).toThrow(/decoys/);
  });
});
