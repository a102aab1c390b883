import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENERATED_PASSWORD_BITS, generatePassword, passwordWeakness } from '../../../src/admin-api/services/passwords.ts';
import { bearerToken, hexEqual, newToken, tokenHash } from '../../../src/admin-api/services/tokens.ts';

describe('generated passwords', () => {
  it('have ≥ 80 bits: 20 symbols of a 32-symbol alphabet, grouped by five', () => {
    expect(GENERATED_PASSWORD_BITS).toBe(100);
    for (let i = 0; i < 50; i++) expect(generatePassword()).toMatch(/^[0-9a-hjkmnp-tv-z]{5}(-[0-9a-hjkmnp-tv-z]{5}){3}$/);
  });
  it('use every symbol about equally (chi-square over 2000 passwords) and never repeat', () => {
    const counts = new Map<string, number>();
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const p = generatePassword();
      seen.add(p);
      for (const ch of p.replace(/-/g, '')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    expect(seen.size).toBe(2000);
    expect(counts.size).toBe(32);
    const expected = (2000 * 20) / 32;
    const chi2 = [...counts.values()].reduce((s, n) => s + (n - expected) ** 2 / expected, 0);
    // 31 degrees of freedom: P(chi2 > 70) < 1e-4 for a uniform source.
    expect(chi2).toBeLessThan(70);
  });
  it('pass the strength rule they are exempt from anyway', () => {
    expect(passwordWeakness(generatePassword())).toBeNull();
  });
});

describe('strength rule for supplied passwords (zxcvbn score ≥ PASSWORD_MIN_SCORE)', () => {
  const ctx = ['201', 'alice', 'Alice Example', 'voice.example.org'];
  // issue 13 item 5: the weak passwords the outside review saw accepted — every one refused.
  const REVIEW_WEAK = ['Password1234', 'P@ssw0rd1234', 'Qwerty123456', 'Welcome12345', 'Summer2024!!', '12345678901234567890', 'passwordpasswordpass'];
  for (const pw of REVIEW_WEAK) {
    it(`${JSON.stringify(pw)} (issue 13) → refused with the estimator's reason`, () => {
      expect(passwordWeakness(pw, ctx)).toMatch(/^easy to guess \(estimated strength [0-3] of 4, 4 required\)\..*generated one\.$/);
    });
  }
  const cases: Array<[string, string[], RegExp | null]> = [
    ['Short1!', [], /at least 12/],
    ['x'.repeat(129), [], /at most 128/],
    ['Password123!', [], /commonly used/],
    ['aaaaaaaaaaaaaaaaaaaaa', [], /[Rr]epeated/],
    ['Abcdefgh12345', [], /strength 3 of 4/],
    ['correct horse battery staple', [], null], // zxcvbn scores it 4 (≈10^19 guesses)
    ['purple lantern quietly sings', [], null],
    ['Tr0ub4dor&3-long', ctx, null],
    // Only the first 64 characters are estimated (zxcvbn is super-linear in the length).
    [`${'a'.repeat(64)}Lantern-Oyster-Canyon-58`, [], /^easy to guess \(its first 64 characters\)/],
    [`Lantern-Oyster-Canyon-58-Granite-Willow-Falcon-26-${'z'.repeat(60)}`, [], null],
  ];
  for (const [pw, inputs, expected] of cases) {
    it(`${JSON.stringify(pw.length > 30 ? `${pw.slice(0, 10)}…` : pw)} → ${expected ?? 'accepted'}`, () => {
      const r = passwordWeakness(pw, inputs);
      if (expected === null) expect(r).toBeNull();
      else expect(r).toMatch(expected);
    });
  }
  it('counts what an attacker knows about the account: the same password passes without those user inputs', () => {
    const pw = 'Alice Example voice.example.org';
    expect(passwordWeakness(pw, [])).toBeNull(); // positive control: strong as plain words
    expect(passwordWeakness(pw, ctx)).toMatch(/^easy to guess/);
  });
});

describe('tokens', () => {
  it('are 256 random bits in base64url, stored as their SHA-256', () => {
    const { token, hash } = newToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(tokenHash(token)).toBe(hash);
    expect(newToken().token).not.toBe(token);
  });
  it('bearerToken accepts exactly "Bearer <43 base64url chars>"', () => {
    const t = 'a'.repeat(43);
    expect(bearerToken(`Bearer ${t}`)).toBe(t);
    expect(bearerToken(`  Bearer ${t}  `)).toBe(t);
    for (const h of [undefined, '', `bearer ${t}`, `Bearer ${t}x`, `Bearer ${'a'.repeat(42)}`, `Basic ${t}`, `Bearer ${t.slice(1)}=`, `Bearer  ${t}`]) {
      expect([h, bearerToken(h)]).toEqual([h, undefined]);
    }
  });
  it('hexEqual compares in constant time and handles length mismatch', () => {
    expect(hexEqual('abcd', 'abcd')).toBe(true);
    expect(hexEqual('abcd', 'abce')).toBe(false);
    expect(hexEqual('abcd', 'abc')).toBe(false);
  });
});
