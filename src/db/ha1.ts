import { createHash } from 'node:crypto';

/**
 * Digest-auth secrets as Kamailio's auth_db stores them (RFC 2617 §3.2.2.2 "A1"):
 * ha1 = MD5(username:realm:password), so neither Kamailio nor the database holds
 * the clear-text password. The MD5 is the protocol's, not a choice of ours.
 */
export function ha1(user: string, realm: string, password: string): string {
  check(user, realm, password);
  return md5Hex(`${user}:${realm}:${password}`);
}

/**
 * ha1b: the variant for clients that send "user@domain" as the digest username
 * (auth_db's calculate_ha1 / use_domain); MD5("user@realm:realm:password").
 */
export function ha1b(user: string, realm: string, password: string): string {
  check(user, realm, password);
  return md5Hex(`${user}@${realm}:${realm}:${password}`);
}

function md5Hex(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex');
}

function check(user: string, realm: string, password: string): void {
  if (typeof user !== 'string' || typeof realm !== 'string' || typeof password !== 'string') {
    throw new TypeError('ha1: user, realm and password must be strings');
  }
  if (user.length === 0 || realm.length === 0) throw new RangeError('ha1: user and realm must not be empty');
  // ':' would make two different (user, realm) pairs hash the same A1 string.
  if (user.includes(':') || realm.includes(':')) throw new RangeError('ha1: user and realm must not contain ":"');
}
