import { describe, it, expect } from 'vitest';
import { spellSas } from '../../../softphone-web/src/i18n/sas-spelling.ts';
import { B32_ALPHABET } from '../../../src/zrtp/sas.ts';

describe('SAS spelling', () => {
  it('spells the confusable characters of issue #15 in English and Spanish', () => {
    expect(spellSas('qi1o', 'en')).toEqual([['q', 'quebec'], ['i', 'india'], ['1', 'one'], ['o', 'oscar']]);
    expect(spellSas('qi1o', 'es')).toEqual([['q', 'Querido'], ['i', 'Inés'], ['1', 'uno'], ['o', 'Oviedo']]);
  });

  it('has a distinct spoken form for every character of the RFC 6189 §5.1.6 alphabet, in each language', () => {
    for (const lang of ['en', 'es'] as const) {
      const spoken = spellSas(B32_ALPHABET, lang).map(([ch, word]) => {
        expect(word, `${lang} ${ch}`).not.toBe(ch);
        return word.toLowerCase();
      });
      expect(new Set(spoken).size).toBe(B32_ALPHABET.length);
    }
  });
});
