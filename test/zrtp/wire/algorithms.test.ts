/**
 * Algorithm negotiation (RFC 6189 §4.1.2, §5.1): mandatory algorithms implied, key agreement
 * "faster of the two first choices" (symmetric, so both ends agree), other kinds in our order.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  hashLength,
  cipherKeyLength,
  isDhKeyAgreement,
  isSasAlgorithm,
  negotiate,
  withMandatory,
  DEFAULT_PREFERENCES,
  KEY_AGREEMENT_SPEED_ORDER,
  type AlgorithmPreferences,
  type KeyAgreementAlgorithm,
} from '../../../src/zrtp/algorithms.ts';

const peer = (p: Partial<Record<keyof AlgorithmPreferences, string[]>>) => ({ hash: [], cipher: [], authTag: [], keyAgreement: [], sas: [], ...p });

describe('negotiate (§4.1.2)', () => {
  it('same first choice on both sides wins', () => {
    expect(negotiate({ keyAgreement: ['DH3k', 'X255'] }, peer({ keyAgreement: ['DH3k', 'X255'] })).keyAgreement).toBe('DH3k');
  });

  it('different first choices: the faster one (X255 faster than DH3k), in both directions', () => {
    const a: Partial<AlgorithmPreferences> = { keyAgreement: ['DH3k', 'X255'] };
    const b: Partial<AlgorithmPreferences> = { keyAgreement: ['X255', 'DH3k'] };
    expect(negotiate(a, peer(b)).keyAgreement).toBe('X255');
    expect(negotiate(b, peer(a)).keyAgreement).toBe('X255');
    expect(negotiate({ keyAgreement: ['EC25', 'DH2k'] }, peer({ keyAgreement: ['DH2k', 'EC25'] })).keyAgreement).toBe('DH2k');
    // A peer's first choice we do not support does not count: its first COMMON choice does.
    expect(negotiate({ keyAgreement: ['EC25'] }, peer({ keyAgreement: ['DH2k', 'EC25'] })).keyAgreement).toBe('EC25');
  });

  it('the captured bzrtp Hello (DH3k, DH2k, Mult) against our defaults', () => {
    // Peer lists DH3k, DH2k, Mult. Common with ours: DH3k, DH2k. Our first common: DH3k; theirs: DH3k.
    const r = negotiate(DEFAULT_PREFERENCES, peer({ hash: ['S256'], cipher: ['AES1'], authTag: ['HS32', 'HS80'], keyAgreement: ['DH3k', 'DH2k', 'Mult'], sas: ['B32'] }));
    expect(r).toEqual({ hash: 'S256', cipher: 'AES1', authTag: 'HS80', keyAgreement: 'DH3k', sas: 'B32' });
  });

  it('is symmetric for key agreement over random preference lists', () => {
    const dh = fc.uniqueArray(fc.constantFrom<KeyAgreementAlgorithm>('DH3k', 'DH2k', 'EC25', 'X255', 'Mult'), { minLength: 0, maxLength: 5 });
    fc.assert(
      fc.property(dh, dh, (a, b) => {
        const ka = (x: KeyAgreementAlgorithm[]) => (x.length ? { keyAgreement: x } : {});
        const r1 = negotiate(ka(a), peer(withMandatory(ka(b)))).keyAgreement;
        const r2 = negotiate(ka(b), peer(withMandatory(ka(a)))).keyAgreement;
        return r1 === r2 && KEY_AGREEMENT_SPEED_ORDER.includes(r1);
      }),
      { numRuns: 500 },
    );
  });

  it('hash, cipher, auth tag, SAS: first of OUR list the peer also has', () => {
    const r = negotiate(
      { hash: ['S384', 'S256'], cipher: ['AES3', 'AES1'], authTag: ['HS32', 'HS80'], sas: ['B256', 'B32'] },
      peer({ hash: ['S256', 'S384'], cipher: ['AES1', 'AES3'], authTag: ['HS80'], sas: ['B32', 'B256'] }),
    );
    expect(r).toMatchObject({ hash: 'S384', cipher: 'AES3', authTag: 'HS32', sas: 'B256' });
  });

  it('mandatory algorithms are implied even when a Hello omits them (§5.1)', () => {
    const r = negotiate({ hash: ['S384'], cipher: ['AES3'], keyAgreement: ['EC25'], sas: ['B256'] }, peer({ hash: ['S999'], cipher: ['2FS3'], keyAgreement: ['EC38'] }));
    expect(r).toEqual({ hash: 'S256', cipher: 'AES1', authTag: 'HS80', keyAgreement: 'DH3k', sas: 'B32' });
  });

  it('unknown peer names are ignored, Mult never chosen for DH mode', () => {
    const r = negotiate({ keyAgreement: ['Mult', 'X255'] }, peer({ keyAgreement: ['Mult', 'KYB1', 'X255'] }));
    expect(r.keyAgreement).toBe('X255');
  });

  it('withMandatory completes and validates local preferences', () => {
    expect(withMandatory({ keyAgreement: ['X255'], authTag: ['HS80'] })).toMatchObject({ keyAgreement: ['X255', 'DH3k', 'Mult'], authTag: ['HS80', 'HS32'] });
    expect(withMandatory()).toEqual(DEFAULT_PREFERENCES);
    expect(() => withMandatory({ hash: ['MD5' as 'S256'] })).toThrow(/preferences\.hash/);
    expect(() => withMandatory({ sas: [] })).toThrow(RangeError);
    expect(() => withMandatory({ cipher: 'AES1' as unknown as ['AES1'] })).toThrow(TypeError);
    expect(() => negotiate({}, null as unknown as ReturnType<typeof peer>)).toThrow(TypeError);
    expect(() => negotiate({}, { ...peer({}), sas: 'B32' } as unknown as ReturnType<typeof peer>)).toThrow(/peer\.sas/);
  });
});

describe('algorithm helpers', () => {
  it('hash and key lengths (§5.1.2, §5.1.3)', () => {
    expect([hashLength('S256'), hashLength('S384')]).toEqual([32, 48]);
    expect([cipherKeyLength('AES1'), cipherKeyLength('AES3')]).toEqual([16, 32]);
    expect(() => hashLength('S512' as 'S256')).toThrow(RangeError);
    expect(() => cipherKeyLength('AES2' as 'AES1')).toThrow(RangeError);
  });
  it('type guards accept only the API names (SAS without wire padding, Mult is not DH)', () => {
    expect(isSasAlgorithm('B32')).toBe(true);
    expect(isSasAlgorithm('B32 ')).toBe(false);
    expect(isDhKeyAgreement('X255')).toBe(true);
    expect(isDhKeyAgreement('Mult')).toBe(false);
    expect(isDhKeyAgreement(42)).toBe(false);
  });
});
