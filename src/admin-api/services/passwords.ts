import { randomInt } from 'node:crypto';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';
import * as zxcvbnEn from '@zxcvbn-ts/language-en';
import * as zxcvbnEsEs from '@zxcvbn-ts/language-es-es';

/**
 * Generated passwords: 20 symbols from a 32-symbol alphabet = 100 bits (issue: ≥ 80),
 * shown in groups of five so a person can read them aloud or type them on a phone.
 * The alphabet is Crockford's base32 in lower case: no i, l, o or u, so 0/1 cannot
 * be misread as letters. They are the default everywhere a password is created.
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

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * Minimum zxcvbn score for a password a person chooses: 4, the estimator's top grade
 * (≥ 10^10 guesses for an attacker who knows the dictionaries and patterns).
 * Why not 3: phone passwords become MD5 digest HA1 values (RFC 3261 §22.4) — a fast hash, so a
 * leaked database is attacked offline at GPU speed; zxcvbn's score 3 (10^8..10^10 guesses) is
 * meant for slow hashes. The review's accepted "Summer2024!!" scores 3 (10^8 guesses), every other
 * one 0–1. Score 4 is a floor, not a promise: generated passwords (100 bits) stay the default.
 */
export const PASSWORD_MIN_SCORE = 4;

/**
 * zxcvbn's matching is super-linear in the length (a 128-character mixed password took 7.6 s of
 * CPU on the build machine), and the check runs on the event loop: only the first 64 characters
 * are estimated. 64 characters are room enough for a score-4 passphrase; a longer password whose
 * first 64 characters are guessable is refused, with that reason.
 */
export const ESTIMATED_LENGTH = 64;

/**
 * One estimator, built once (the dictionaries take ~100 ms to load): common passwords and keyboard
 * graphs (language-common), English and European Spanish words and names.
 */
const estimator = new ZxcvbnFactory({
  dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEn.dictionary, ...zxcvbnEsEs.dictionary },
  graphs: zxcvbnCommon.adjacencyGraphs,
  translations: zxcvbnEn.translations,
  maxLength: ESTIMATED_LENGTH,
});

/**
 * Strength rule for a password a person chooses (phone accounts, administrators).
 * `userInputs` are the words an attacker knows about this account (extension, user name,
 * display name, SIP domain): zxcvbn treats them as a dictionary of their own.
 * Returns the reason it is refused, in words a person can act on, or null when accepted.
 */
export function passwordWeakness(password: string, userInputs: string[] = []): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `use at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `use at most ${PASSWORD_MAX_LENGTH} characters`;
  const inputs = userInputs.flatMap((s) => [s, ...s.split(/[\s.@_-]+/)]).filter((s) => s.length >= 2);
  const result = estimator.check(password.slice(0, ESTIMATED_LENGTH), inputs);
  if (result.score >= PASSWORD_MIN_SCORE) return null;
  const hints = [result.feedback.warning, ...result.feedback.suggestions].filter((s): s is string => Boolean(s));
  const over = password.length > ESTIMATED_LENGTH ? ` (its first ${ESTIMATED_LENGTH} characters)` : '';
  return `easy to guess${over} (estimated strength ${result.score} of 4, ${PASSWORD_MIN_SCORE} required).` +
    `${hints.length ? ` ${hints.join(' ')}` : ''} Or leave the password out to get a generated one.`;
}
