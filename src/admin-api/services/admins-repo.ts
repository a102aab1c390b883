import { hash, verify } from '@node-rs/argon2';
import type { Db } from '../../db/index.ts';
import { generatePassword } from './passwords.ts';
import { newToken, tokenHash } from './tokens.ts';

/**
 * Administrators and their sessions. Passwords: argon2id (RFC 9106) with
 * @node-rs/argon2's defaults (m = 19 MiB, t = 2, p = 1, OWASP's minimum);
 * sessions: random 256-bit tokens stored as SHA-256, with an expiry.
 */
export interface AdminRow {
  id: number;
  username: string;
  status: 'active' | 'disabled';
  createdAt: string;
  createdBy: string | null;
  passwordChangedAt: string | null;
}

const COLS = 'id, username, status, created_at AS "createdAt", created_by AS "createdBy", password_changed_at AS "passwordChangedAt"';
// @node-rs/argon2 exports Algorithm as a `const enum`, which isolatedModules cannot
// inline; 2 is Algorithm.Argon2id.
const ARGON2ID = 2 as const;

export function hashAdminPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID as never });
}

/** A hash of a random password, verified against when the user does not exist, so
 * "no such admin" and "wrong password" take the same time. */
let dummyHash: Promise<string> | undefined;

export async function verifyAdminPassword(db: Db, username: string, password: string): Promise<AdminRow | undefined> {
  const row = await db.get<AdminRow & { passwordHash: string }>(
    `SELECT ${COLS}, password_hash AS "passwordHash" FROM susurro_admin WHERE username = ?`,
    [username],
  );
  if (!row) {
    dummyHash ??= hashAdminPassword(generatePassword());
    await verify(await dummyHash, password).catch(() => false);
    return undefined;
  }
  const ok = await verify(row.passwordHash, password).catch(() => false);
  if (!ok) return undefined;
  const { passwordHash: _ignored, ...admin } = row;
  return { ...admin, id: Number(admin.id) };
}

export async function createAdmin(db: Db, username: string, password: string, createdBy: string | null, now: Date): Promise<AdminRow> {
  const h = await hashAdminPassword(password);
  const at = now.toISOString();
  const row = await db.get<AdminRow>(
    `INSERT INTO susurro_admin (username, password_hash, status, created_at, created_by, updated_at) VALUES (?, ?, 'active', ?, ?, ?) RETURNING ${COLS}`,
    [username, h, at, createdBy, at],
  );
  return { ...row!, id: Number(row!.id) };
}

export async function findAdmin(db: Db, username: string): Promise<AdminRow | undefined> {
  const row = await db.get<AdminRow>(`SELECT ${COLS} FROM susurro_admin WHERE username = ?`, [username]);
  return row && { ...row, id: Number(row.id) };
}

export async function listAdmins(db: Db): Promise<AdminRow[]> {
  const rows = await db.all<AdminRow>(`SELECT ${COLS} FROM susurro_admin ORDER BY username`);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export async function countActiveAdmins(db: Db): Promise<number> {
  const r = await db.get<{ n: number }>("SELECT CAST(COUNT(*) AS INTEGER) AS n FROM susurro_admin WHERE status = 'active'");
  return Number(r?.n ?? 0);
}

/**
 * A disabled admin's sessions stay in the table so its requests get 403 (not a
 * confusing 401) while disabled; re-enabling deletes them, so an old token never
 * comes back to life.
 */
export async function setAdminStatus(db: Db, username: string, status: 'active' | 'disabled', now: Date): Promise<AdminRow | undefined> {
  return db.transaction(async (tx) => {
    const admin = await findAdmin(tx, username);
    if (!admin) return undefined;
    await tx.run('UPDATE susurro_admin SET status = ?, updated_at = ? WHERE id = ?', [status, now.toISOString(), admin.id]);
    if (status === 'active' && admin.status !== 'active') await tx.run('DELETE FROM susurro_admin_session WHERE admin_id = ?', [admin.id]);
    return { ...admin, status };
  });
}

/** New password; every other session of this admin ends. */
export async function setAdminPassword(db: Db, adminId: number, password: string, keepSessionHash: string | null, now: Date): Promise<void> {
  const h = await hashAdminPassword(password);
  await db.transaction(async (tx) => {
    const at = now.toISOString();
    await tx.run('UPDATE susurro_admin SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?', [h, at, at, adminId]);
    await tx.run('DELETE FROM susurro_admin_session WHERE admin_id = ? AND token_hash <> ?', [adminId, keepSessionHash ?? '']);
  });
}

export async function createAdminSession(db: Db, adminId: number, ttlSeconds: number, sourceIp: string | null, now: Date) {
  const { token, hash: h } = newToken();
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
  await db.run('INSERT INTO susurro_admin_session (token_hash, admin_id, created_at, expires_at, source_ip) VALUES (?, ?, ?, ?, ?)', [
    h,
    adminId,
    now.toISOString(),
    expiresAt,
    sourceIp,
  ]);
  return { token, expiresAt };
}

export type SessionLookup =
  | { kind: 'ok'; admin: AdminRow; tokenHash: string; expiresAt: string }
  | { kind: 'invalid' }
  | { kind: 'disabled'; admin: AdminRow };

export async function resolveAdminSession(db: Db, token: string, now: Date): Promise<SessionLookup> {
  const h = tokenHash(token);
  const row = await db.get<AdminRow & { expiresAt: string }>(
    `SELECT a.id, a.username, a.status, a.created_at AS "createdAt", a.created_by AS "createdBy", a.password_changed_at AS "passwordChangedAt", s.expires_at AS "expiresAt"
       FROM susurro_admin_session s JOIN susurro_admin a ON a.id = s.admin_id WHERE s.token_hash = ?`,
    [h],
  );
  if (!row || row.expiresAt <= now.toISOString()) return { kind: 'invalid' };
  const { expiresAt, ...admin } = row;
  const a = { ...admin, id: Number(admin.id) };
  if (a.status !== 'active') return { kind: 'disabled', admin: a };
  return { kind: 'ok', admin: a, tokenHash: h, expiresAt };
}

export async function deleteAdminSession(db: Db, hashOfToken: string): Promise<void> {
  await db.run('DELETE FROM susurro_admin_session WHERE token_hash = ?', [hashOfToken]);
}

/** Housekeeping: expired admin sessions and phone tokens. */
export async function purgeExpiredTokens(db: Db, now: Date): Promise<void> {
  const at = now.toISOString();
  await db.run('DELETE FROM susurro_admin_session WHERE expires_at <= ?', [at]);
  await db.run('DELETE FROM susurro_phone_token WHERE expires_at <= ?', [at]);
}

export const FIRST_ADMIN_USERNAME = 'admin';

/**
 * Creates the first administrator ("admin", generated password) when none exists.
 * Returns its credentials once, or null when an admin already exists. Safe when two
 * processes race: the unique username makes the loser's insert fail, and it
 * reports null.
 */
export async function ensureFirstAdmin(db: Db, now = new Date()): Promise<{ username: string; password: string } | null> {
  const existing = await db.get<{ n: number }>('SELECT CAST(COUNT(*) AS INTEGER) AS n FROM susurro_admin');
  if (Number(existing?.n ?? 0) > 0) return null;
  const password = generatePassword();
  try {
    await createAdmin(db, FIRST_ADMIN_USERNAME, password, null, now);
  } catch (err) {
    if (await findAdmin(db, FIRST_ADMIN_USERNAME)) return null;
    throw err;
  }
  await db.run(
    'INSERT INTO susurro_audit (at, actor, action, target, source_ip, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [now.toISOString(), 'system', 'admin.create', FIRST_ADMIN_USERNAME, null, 'ok', JSON.stringify({ firstAdmin: true })],
  );
  return { username: FIRST_ADMIN_USERNAME, password };
}
