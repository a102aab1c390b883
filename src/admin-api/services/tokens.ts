import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer tokens: 256 random bits (node:crypto CSPRNG), base64url. Only their
 * SHA-256 is stored, so a copy of the database does not yield live sessions; a
 * fast hash is enough because the input already has 256 bits of entropy.
 */
export const TOKEN_BYTES = 32;

export function newToken(): { token: string; hash: string } {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, hash: tokenHash(token) };
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Parses "Bearer <token>"; undefined when absent or malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer ([A-Za-z0-9_-]{43})$/.exec(header.trim());
  return m?.[1];
}

/** Constant-time equality of two hex strings (ha1 comparisons). */
export function hexEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) return false;
  return timingSafeEqual(x, y);
}
