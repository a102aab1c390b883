/**
 * TURN REST API credentials (draft-uberti-behave-turn-rest-00 §2.2, as implemented by coturn's
 * `use-auth-secret`): username = "<expiry unix seconds>:<user>",
 * credential = base64(HMAC-SHA1(shared secret, username)). coturn recomputes the HMAC and refuses
 * an expired timestamp, so the admin API can mint them without talking to coturn.
 */
import { createHmac } from 'node:crypto';

export interface TurnCredentials {
  username: string;
  credential: string;
  ttl: number;
}

export function turnCredentials(secret: string, user: string, ttlSeconds: number, now: number = Date.now()): TurnCredentials {
  if (typeof secret !== 'string' || secret.length < 16) throw new TypeError('secret must be a string of at least 16 characters');
  if (typeof user !== 'string' || user === '' || user.includes(':')) throw new TypeError('user must be a non-empty string without ":"');
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError('ttlSeconds must be a positive integer');
  if (!Number.isFinite(now)) throw new RangeError('now must be a finite number of milliseconds');
  const expiry = Math.floor(now / 1000) + ttlSeconds;
  const username = `${expiry}:${user}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, ttl: ttlSeconds };
}

/** The user part of a TURN REST username ("<expiry>:<user>"), as coturn's CLI lists it. */
export function turnUserOf(username: string): string {
  const i = username.indexOf(':');
  return i < 0 ? username : username.slice(i + 1);
}
