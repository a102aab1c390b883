import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import saslprep from 'saslprep';

/**
 * SCRAM-SHA-1 server credentials (RFC 5802 §3) as Prosody 0.12's mod_auth_internal_hashed stores
 * them: StoredKey = H(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword,
 * "Server Key"), SaltedPassword = PBKDF2-HMAC-SHA-1(SASLprep(password), salt, i). Like ha1 for
 * Kamailio, neither Prosody nor the database holds the clear-text password, and the admin
 * service can give Prosody the same credentials again (reconcile) without knowing it.
 * SHA-1 is Prosody 0.12's default hash (password_hash), the mechanism every XMPP client offers.
 */
export interface ScramCredentials {
  /** Prosody keeps the salt as a text string (it uses a UUID); ours is 16 random bytes, base64url. */
  salt: string;
  iterationCount: number;
  /** lower-case hex, as Prosody stores it */
  storedKey: string;
  serverKey: string;
}

/** Prosody's default_iteration_count. */
export const SCRAM_ITERATIONS = 10_000;

export function scramSha1(password: string, salt: string = randomBytes(16).toString('base64url'), iterationCount = SCRAM_ITERATIONS): ScramCredentials {
  const salted = pbkdf2Sync(saslprep(password), Buffer.from(salt, 'utf8'), iterationCount, 20, 'sha1');
  const clientKey = createHmac('sha1', salted).update('Client Key').digest();
  return {
    salt,
    iterationCount,
    storedKey: createHash('sha1').update(clientKey).digest('hex'),
    serverKey: createHmac('sha1', salted).update('Server Key').digest('hex'),
  };
}
