import type { Db } from '../../db/index.ts';
import { newToken, tokenHash } from './tokens.ts';

/**
 * Softphone bearer tokens. A token is valid only while its account is ACTIVE:
 * the lookup joins the account's status, and disable/reset/delete also delete
 * the rows (src/db/accounts-repo.ts), so revocation needs no cache invalidation.
 */
export async function createPhoneToken(db: Db, accountId: number, ttlSeconds: number, now: Date) {
  const { token, hash } = newToken();
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
  await db.run('INSERT INTO susurro_phone_token (token_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [
    hash,
    accountId,
    now.toISOString(),
    expiresAt,
  ]);
  return { token, expiresAt };
}

export interface PhoneSession {
  accountId: number;
  extension: string;
  username: string;
  displayName: string;
}

export async function resolvePhoneToken(db: Db, token: string, now: Date): Promise<PhoneSession | undefined> {
  const row = await db.get<PhoneSession & { expiresAt: string; status: string }>(
    `SELECT a.id AS "accountId", a.extension, a.username, a.display_name AS "displayName", a.status, t.expires_at AS "expiresAt"
       FROM susurro_phone_token t JOIN susurro_account a ON a.id = t.account_id WHERE t.token_hash = ?`,
    [tokenHash(token)],
  );
  if (!row || row.status !== 'active' || row.expiresAt <= now.toISOString()) return undefined;
  return { accountId: Number(row.accountId), extension: row.extension, username: row.username, displayName: row.displayName };
}
