import type { Db } from './db.ts';
import { ha1, ha1b } from './ha1.ts';
import { scramSha1 } from './scram.ts';

/**
 * Accounts live in two tables that must agree: Kamailio's `subscriber` (what SIP
 * digest auth checks) and `susurro_account` (metadata, and the ha1/ha1b kept while
 * an account is disabled so re-enabling needs no password). Every function that
 * changes an account changes both inside ONE transaction.
 *
 * subscriber.username is the EXTENSION ("201"); subscriber.domain is the SIP domain.
 */
export type AccountStatus = 'active' | 'disabled';

export interface AccountRow {
  id: number;
  extension: string;
  username: string;
  displayName: string;
  domain: string;
  status: AccountStatus;
  createdAt: string;
  updatedAt: string;
  disabledAt: string | null;
}

/** Row shape including the digest secrets; never leaves the service. */
export interface AccountSecretRow extends AccountRow {
  ha1: string;
  ha1b: string;
}

export interface NewAccount {
  extension: string;
  username: string;
  displayName: string;
  password: string;
  domain: string;
}

const COLUMNS =
  'id, extension, username, display_name AS "displayName", domain, status, created_at AS "createdAt", updated_at AS "updatedAt", disabled_at AS "disabledAt"';

function normalise<T extends AccountRow>(row: T): T {
  return { ...row, id: Number(row.id) };
}

/**
 * The account row, locked for the rest of the transaction: PostgreSQL runs READ
 * COMMITTED, so a concurrent disable and enable of one account must queue on the row
 * (SQLite's BEGIN IMMEDIATE already serialises all writers).
 */
async function lockAccount(tx: Db, extension: string, withSecrets = false): Promise<AccountSecretRow | undefined> {
  const row = await tx.get<AccountSecretRow>(
    `SELECT ${COLUMNS}${withSecrets ? ', ha1, ha1b' : ''} FROM susurro_account WHERE extension = ?${tx.kind === 'postgres' ? ' FOR UPDATE' : ''}`,
    [extension],
  );
  return row && normalise(row);
}

/** Creates an active account: subscriber row + metadata, one transaction. */
export async function createAccountRow(db: Db, a: NewAccount, now = new Date()): Promise<AccountRow> {
  const h1 = ha1(a.extension, a.domain, a.password);
  const h1b = ha1b(a.extension, a.domain, a.password);
  const sc = scramSha1(a.password);
  const at = now.toISOString();
  return db.transaction(async (tx) => {
    const row = await tx.get<AccountRow>(
      `INSERT INTO susurro_account (extension, username, display_name, domain, status, ha1, ha1b,
         scram_salt, scram_iterations, scram_stored_key, scram_server_key, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
      [a.extension, a.username, a.displayName, a.domain, h1, h1b, sc.salt, sc.iterationCount, sc.storedKey, sc.serverKey, at, at],
    );
    await tx.run('INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (?, ?, \'\', ?, ?)', [
      a.extension,
      a.domain,
      h1,
      h1b,
    ]);
    return normalise(row!);
  });
}

export async function findAccount(db: Db, extension: string): Promise<AccountRow | undefined> {
  const row = await db.get<AccountRow>(`SELECT ${COLUMNS} FROM susurro_account WHERE extension = ?`, [extension]);
  return row && normalise(row);
}

export async function findAccountSecrets(db: Db, extension: string): Promise<AccountSecretRow | undefined> {
  const row = await db.get<AccountSecretRow>(
    `SELECT ${COLUMNS}, ha1, ha1b FROM susurro_account WHERE extension = ?`,
    [extension],
  );
  return row && normalise(row);
}

export interface ListQuery {
  limit: number;
  offset: number;
  /** Case-insensitive substring of extension, username or display name. */
  search?: string;
  status?: AccountStatus;
}

export async function listAccounts(db: Db, q: ListQuery): Promise<{ total: number; items: AccountRow[] }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.search) {
    // Escape LIKE metacharacters so a search for "50%" means the text "50%".
    const pattern = `%${q.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push("(LOWER(extension) LIKE ? ESCAPE '\\' OR LOWER(username) LIKE ? ESCAPE '\\' OR LOWER(display_name) LIKE ? ESCAPE '\\')");
    params.push(pattern, pattern, pattern);
  }
  if (q.status) {
    where.push('status = ?');
    params.push(q.status);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = await db.get<{ n: number }>(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM susurro_account ${clause}`, params);
  const items = await db.all<AccountRow>(
    `SELECT ${COLUMNS} FROM susurro_account ${clause} ORDER BY extension LIMIT ? OFFSET ?`,
    [...params, q.limit, q.offset],
  );
  return { total: Number(total?.n ?? 0), items: items.map(normalise) };
}

/** New password: both tables (subscriber only while active). */
export async function setAccountPassword(db: Db, extension: string, password: string, now = new Date()): Promise<AccountRow | undefined> {
  return db.transaction(async (tx) => {
    const acc = await lockAccount(tx, extension);
    if (!acc) return undefined;
    const h1 = ha1(acc.extension, acc.domain, password);
    const h1b = ha1b(acc.extension, acc.domain, password);
    const sc = scramSha1(password);
    const at = now.toISOString();
    await tx.run(
      'UPDATE susurro_account SET ha1 = ?, ha1b = ?, scram_salt = ?, scram_iterations = ?, scram_stored_key = ?, scram_server_key = ?, updated_at = ? WHERE id = ?',
      [h1, h1b, sc.salt, sc.iterationCount, sc.storedKey, sc.serverKey, at, acc.id],
    );
    if (acc.status === 'active') {
      await tx.run('UPDATE subscriber SET ha1 = ?, ha1b = ? WHERE username = ? AND domain = ?', [h1, h1b, acc.extension, acc.domain]);
    }
    // A new password ends every softphone session started with the old one.
    await tx.run('DELETE FROM susurro_phone_token WHERE account_id = ?', [acc.id]);
    return { ...acc, updatedAt: at };
  });
}

/**
 * Disable = remove the subscriber row (Kamailio then refuses REGISTER/INVITE with
 * 403/401) and every phone token; metadata keeps ha1/ha1b for a later enable.
 * Returns undefined for an unknown extension; `changed` is false when already disabled.
 */
export async function disableAccountRow(db: Db, extension: string, now = new Date()): Promise<{ account: AccountRow; changed: boolean } | undefined> {
  return db.transaction(async (tx) => {
    const acc = await lockAccount(tx, extension);
    if (!acc) return undefined;
    // Delete the subscriber row even when already disabled: repairs drift, costs nothing.
    await tx.run('DELETE FROM subscriber WHERE username = ? AND domain = ?', [acc.extension, acc.domain]);
    await tx.run('DELETE FROM susurro_phone_token WHERE account_id = ?', [acc.id]);
    if (acc.status === 'disabled') return { account: acc, changed: false };
    const at = now.toISOString();
    await tx.run("UPDATE susurro_account SET status = 'disabled', disabled_at = ?, updated_at = ? WHERE id = ?", [at, at, acc.id]);
    return { account: { ...acc, status: 'disabled', disabledAt: at, updatedAt: at }, changed: true };
  });
}

export async function enableAccountRow(db: Db, extension: string, now = new Date()): Promise<{ account: AccountRow; changed: boolean } | undefined> {
  return db.transaction(async (tx) => {
    const acc = await lockAccount(tx, extension, true);
    if (!acc) return undefined;
    const { ha1: h1, ha1b: h1b, ...pub } = acc;
    if (acc.status === 'active') return { account: pub, changed: false };
    const at = now.toISOString();
    await tx.run('DELETE FROM subscriber WHERE username = ? AND domain = ?', [acc.extension, acc.domain]);
    await tx.run("INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (?, ?, '', ?, ?)", [acc.extension, acc.domain, h1, h1b]);
    await tx.run("UPDATE susurro_account SET status = 'active', disabled_at = NULL, updated_at = ? WHERE id = ?", [at, acc.id]);
    return { account: { ...pub, status: 'active', disabledAt: null, updatedAt: at }, changed: true };
  });
}

/** Removes both rows (phone tokens go by ON DELETE CASCADE and explicitly). */
export async function deleteAccountRow(db: Db, extension: string): Promise<AccountRow | undefined> {
  return db.transaction(async (tx) => {
    const acc = await lockAccount(tx, extension);
    if (!acc) return undefined;
    await tx.run('DELETE FROM subscriber WHERE username = ? AND domain = ?', [acc.extension, acc.domain]);
    await tx.run('DELETE FROM susurro_phone_token WHERE account_id = ?', [acc.id]);
    await tx.run('DELETE FROM susurro_account WHERE id = ?', [acc.id]);
    return acc;
  });
}

/**
 * Rows that break the two-table invariant (crash-safety checks, `admin doctor`):
 * subscriber rows without metadata, active accounts without a subscriber row or
 * with different secrets, disabled accounts that still have one.
 */
export async function accountInconsistencies(db: Db): Promise<string[]> {
  const problems: string[] = [];
  const orphans = await db.all<{ username: string; domain: string }>(
    'SELECT s.username, s.domain FROM subscriber s LEFT JOIN susurro_account a ON a.extension = s.username AND a.domain = s.domain WHERE a.id IS NULL',
  );
  for (const o of orphans) problems.push(`subscriber ${o.username}@${o.domain} has no susurro_account row`);
  const rows = await db.all<{ extension: string; status: string; a1: string; b1: string; s1: string | null; sb: string | null }>(
    'SELECT a.extension, a.status, a.ha1 AS a1, a.ha1b AS b1, s.ha1 AS s1, s.ha1b AS sb FROM susurro_account a LEFT JOIN subscriber s ON s.username = a.extension AND s.domain = a.domain',
  );
  for (const r of rows) {
    if (r.status === 'active' && r.s1 === null) problems.push(`active account ${r.extension} has no subscriber row`);
    if (r.status === 'active' && r.s1 !== null && (r.s1 !== r.a1 || r.sb !== r.b1)) problems.push(`account ${r.extension}: subscriber secrets differ`);
    if (r.status === 'disabled' && r.s1 !== null) problems.push(`disabled account ${r.extension} still has a subscriber row`);
  }
  return problems;
}
