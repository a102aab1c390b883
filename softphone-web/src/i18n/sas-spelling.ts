import type { Language } from './index.ts';

/**
 * Spoken forms of the B32 SAS characters (the z-base-32 alphabet of RFC 6189 §5.1.6:
 * "ybndrfg8ejkmcpqxot1uwisza345h769"), so a code like "qi1o" is read "quebec india one
 * oscar" and not mis-heard. English: the ICAO/NATO alphabet; Spanish: the traditional
 * Spanish spelling alphabet (Antonio, Burgos, Carmen…) with the digits in words.
 * B256 codes are PGP words already and need no spelling.
 */
const SPOKEN: Record<Language, Record<string, string>> = {
  en: {
    a: 'alfa', b: 'bravo', c: 'charlie', d: 'delta', e: 'echo', f: 'foxtrot', g: 'golf', h: 'hotel',
    i: 'india', j: 'juliett', k: 'kilo', m: 'mike', n: 'november', o: 'oscar', p: 'papa', q: 'quebec',
    r: 'romeo', s: 'sierra', t: 'tango', u: 'uniform', w: 'whiskey', x: 'x-ray', y: 'yankee', z: 'zulu',
    '1': 'one', '3': 'three', '4': 'four', '5': 'five', '6': 'six', '7': 'seven', '8': 'eight', '9': 'nine',
  },
  es: {
    a: 'Antonio', b: 'Burgos', c: 'Carmen', d: 'Dolores', e: 'Enrique', f: 'Francia', g: 'Gerona', h: 'Historia',
    i: 'Inés', j: 'José', k: 'Kilo', m: 'Madrid', n: 'Navarra', o: 'Oviedo', p: 'París', q: 'Querido',
    r: 'Ramón', s: 'Sábado', t: 'Tarragona', u: 'Ulises', w: 'Washington', x: 'Xilófono', y: 'Yegua', z: 'Zaragoza',
    '1': 'uno', '3': 'tres', '4': 'cuatro', '5': 'cinco', '6': 'seis', '7': 'siete', '8': 'ocho', '9': 'nueve',
  },
};

/** Each character of a B32 code with its spoken form, e.g. "q1" → [["q","quebec"],["1","one"]]. */
export function spellSas(code: string, lang: Language): Array<[char: string, spoken: string]> {
  const table = SPOKEN[lang] ?? SPOKEN.en;
  return [...code].map((ch) => [ch, table[ch] ?? ch]);
}
