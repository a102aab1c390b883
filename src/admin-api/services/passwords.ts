import { randomInt } from 'node:crypto';

/**
 * Generated passwords: 20 symbols from a 32-symbol alphabet = 100 bits (issue: ≥ 80),
 * shown in groups of five so a person can read them aloud or type them on a phone.
 * The alphabet is Crockford's base32 in lower case: no i, l, o or u, so 0/1 cannot
 * be misread as letters.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
export const GENERATED_PASSWORD_BITS = 20 * Math.log2(32);

export function generatePassword(): string {
  if (ALPHABET.length !== 32) throw new Error('password alphabet must have 32 symbols');
  let out = '';
  for (let i = 0; i < 20; i++) {
    if (i > 0 && i % 5 === 0) out += '-';
    out += ALPHABET[randomInt(ALPHABET.length)];
  }
  return out;
}

/** Short list of passwords every cracker tries first; a start, not a dictionary. */
const COMMON = new Set([
  'password', 'passw0rd', 'password1', 'password123', '123456789012', 'qwertyuiop', 'letmein', 'iloveyou',
  'administrator', 'welcome', 'changeme', 'susurro', 'trustno1', 'correcthorsebatterystaple',
]);

/**
 * Strength rule for supplied passwords, written so a person can follow it:
 * at least 12 characters, at most 128; at least 3 of {lower, upper, digit, other}
 * unless 20 or more characters (passphrases); not a common password; must not
 * contain the user name or extension; not one repeated character.
 * Returns the reason it is refused, or null when accepted.
 */
export function passwordWeakness(password: string, context: string[] = []): string | null {
  if (password.length < 12) return 'use at least 12 characters';
  if (password.length > 128) return 'use at most 128 characters';
  const lower = password.toLowerCase();
  if (COMMON.has(lower.replace(/[^a-z0-9]/g, ''))) return 'this is a commonly used password';
  if (/^(.)\1+$/.test(password)) return 'a single repeated character is not a password';
  for (const c of context) {
    if (c.length >= 3 && lower.includes(c.toLowerCase())) return 'must not contain the user name or extension';
  }
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((r) => r.test(password)).length;
  if (password.length < 20 && classes < 3) {
    return 'mix at least three of lower case, upper case, digits and symbols, or use 20+ characters';
  }
  return null;
}
