import { describe, it, expect } from 'vitest';
import { en } from '../../../softphone-web/src/i18n/en.ts';
import { es } from '../../../softphone-web/src/i18n/es.ts';
import { pickLanguage, translator } from '../../../softphone-web/src/i18n/index.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n', () => {
  it('Spanish has exactly the English keys, with the same placeholders, all translated', () => {
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(es[key]), key).toEqual(placeholders(en[key]));
      if (key !== 'app.name') expect(es[key], key).not.toBe(en[key]);
      expect(es[key].trim(), key).not.toBe('');
    }
  });

  it('picks the saved language, else the first supported browser language, else English', () => {
    expect(pickLanguage('es', ['en-US'])).toBe('es');
    expect(pickLanguage(null, ['fr-FR', 'es-AR', 'en'])).toBe('es');
    expect(pickLanguage('de', ['pt-BR'])).toBe('en');
    expect(pickLanguage(null, [])).toBe('en');
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    const t = translator('es');
    expect(t('end.486', { name: 'Bob' })).toBe('Bob está ocupado en otra llamada.');
    expect(t('end.486')).toContain('{name}');
  });
});
