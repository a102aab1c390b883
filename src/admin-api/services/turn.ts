import { createHmac } from 'node:crypto';
import type { SusurroConfig } from '../../config/index.ts';

/**
 * TURN REST credentials (draft-uberti-behave-turn-rest-00 §2.2, what coturn's
 * use-auth-secret implements): username "<expiry unix seconds>:<user>", password
 * base64(HMAC-SHA1(secret, username)). The admin API mints them only for ACTIVE
 * accounts, so a revoked account gets none; those already handed out expire after
 * ttl and their sessions are cancelled on revoke.
 */
export function turnCredentials(secret: string, user: string, ttlSeconds: number, now = Date.now()) {
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('turnCredentials: secret must be a non-empty string');
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError('turnCredentials: ttlSeconds must be a positive integer');
  const username = `${Math.floor(now / 1000) + ttlSeconds}:${user}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, ttl: ttlSeconds };
}

/** turn: URLs clients are given (UDP, TCP, and TLS on the turns port). */
export function turnUrls(config: SusurroConfig): string[] {
  const h = config.publicHost.includes(':') ? `[${config.publicHost}]` : config.publicHost;
  return [
    `turn:${h}:${config.ports.turn}?transport=udp`,
    `turn:${h}:${config.ports.turn}?transport=tcp`,
    `turns:${h}:${config.ports.turnTls}?transport=tcp`,
  ];
}
