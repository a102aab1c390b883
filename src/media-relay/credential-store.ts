/**
 * Revocable TURN credentials: one row per issued credential in coturn's own user database
 * (coturn `userdb` SQLite file, `lt-cred-mech`, RFC 8489 §9.2 long-term credentials).
 *
 * Why not the TURN REST shared secret (draft-uberti-behave-turn-rest-00) any more: coturn can
 * check such a credential with nothing but the secret, so nothing can take one back before it
 * expires; a revoked account kept relaying for up to the TTL (issue 13, item 3).
 *
 * Here the admin service, the only writer, inserts a row per credential into
 * `susurro_turn_credential`; coturn reads the key through the VIEW `turnusers_lt` (the table name
 * and columns coturn 4.6 queries: `select hmackey from turnusers_lt where name=? and realm=?`),
 * which shows only unexpired rows, so coturn itself enforces the expiry even when the admin
 * service is down. Measured with coturn 4.6.1 (test/hardening/turn-revocation.test.ts): coturn
 * reads the key from the database for every Allocate from a new 5-tuple (no cache across
 * allocations), but keeps the key of an existing allocation in memory, so Refresh and
 * CreatePermission on it keep working after the row is gone: revocation therefore also cancels
 * the account's sessions through coturn's CLI, and the sweep cancels sessions of expired rows.
 *
 * The file lives in the secrets directory with mode 0600 (WAL and shared-memory files inherit
 * the mode from it): a row's hmackey = MD5(username ":" realm ":" password) is what an attacker
 * would need to use the credential.
 */
import { DatabaseSync } from 'node:sqlite';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SusurroConfig } from '../config/index.ts';

/** One issued credential, as handed to a client (RTCIceServer username/credential). */
export interface IssuedTurnCredential {
  username: string;
  credential: string;
  /** Seconds the credential is valid from issue. */
  ttl: number;
  /** Unix seconds after which coturn refuses it. */
  expiresAt: number;
}

export interface TurnCredentialRequest {
  /** The account (extension) the credential belongs to: revoking the account revokes it. */
  account: string;
  ttlSeconds: number;
  /** What it was issued for (e.g. "softphone", "device:<id>", "xmpp"), so one can be revoked alone. */
  scope?: string;
}

/** What the rest of the product needs: issue, revoke, sweep. */
export interface TurnCredentialIssuer {
  issue(req: TurnCredentialRequest): IssuedTurnCredential;
  /** Deletes every credential of the account (of one scope only, if given); returns their usernames. */
  revoke(sel: { account: string; scope?: string }): string[];
  /** Deletes expired credentials; returns their usernames (their live allocations still need cancelling). */
  sweepExpired(): string[];
}

/** Longest TTL the store accepts: 7 days (a native phone's provisioning re-fetch interval fits). */
export const MAX_TURN_CREDENTIAL_TTL_SECONDS = 7 * 24 * 3600;

const NAME_PART = /^[A-Za-z0-9_.+-]{1,64}$/;
const SCOPE = /^[A-Za-z0-9_.:+-]{1,64}$/;

/** Opens config.turn.credentialsDb (default <dataDir>/secrets/turn-credentials.db) for realm config.domain. */
export function openTurnCredentialStore(config: SusurroConfig): TurnCredentialStore {
  return TurnCredentialStore.open(config.turn.credentialsDb, config.domain);
}

/** The account of a username this store issued ("<account>:<id>"), as coturn's CLI lists it. */
export function turnAccountOf(username: string): string {
  const i = username.indexOf(':');
  return i < 0 ? username : username.slice(0, i);
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS susurro_turn_credential (
  name TEXT PRIMARY KEY,
  realm TEXT NOT NULL,
  hmackey TEXT NOT NULL,
  account TEXT NOT NULL,
  scope TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS susurro_turn_credential_account ON susurro_turn_credential (account, scope);
CREATE INDEX IF NOT EXISTS susurro_turn_credential_expiry ON susurro_turn_credential (expires_at);
CREATE VIEW IF NOT EXISTS turnusers_lt AS
  SELECT realm, name, hmackey FROM susurro_turn_credential
  WHERE expires_at > CAST(strftime('%s', 'now') AS INTEGER);
`;

export class TurnCredentialStore implements TurnCredentialIssuer {
  readonly file: string;
  readonly #db: DatabaseSync;
  readonly #realm: string;
  readonly #now: () => number;

  private constructor(file: string, db: DatabaseSync, realm: string, now: () => number) {
    this.file = file;
    this.#db = db;
    this.#realm = realm;
    this.#now = now;
  }

  /**
   * Opens (creating when missing, mode 0600) the credential database. Must run before coturn
   * starts: coturn would otherwise create `turnusers_lt` as a plain table.
   */
  static open(file: string, realm: string, opts: { now?: () => number } = {}): TurnCredentialStore {
    if (typeof realm !== 'string' || realm === '') throw new TypeError('realm must be a non-empty string');
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    if (!existsSync(file)) closeSync(openSync(file, 'wx', 0o600));
    chmodSync(file, 0o600);
    const db = new DatabaseSync(file);
    db.exec('PRAGMA journal_mode = WAL'); // coturn reads while we write, never blocked
    db.exec('PRAGMA busy_timeout = 2000');
    const existing = db.prepare("SELECT type FROM sqlite_master WHERE name = 'turnusers_lt'").get() as { type: string } | undefined;
    // a coturn started on this file before us made a real table: its rows are none of ours
    if (existing?.type === 'table') db.exec('DROP TABLE turnusers_lt');
    db.exec(SCHEMA);
    for (const suffix of ['-wal', '-shm']) if (existsSync(file + suffix)) chmodSync(file + suffix, 0o600);
    return new TurnCredentialStore(file, db, realm, opts.now ?? Date.now);
  }

  issue(req: TurnCredentialRequest): IssuedTurnCredential {
    const { account, ttlSeconds } = req;
    const scope = req.scope ?? 'default';
    if (typeof account !== 'string' || !NAME_PART.test(account)) throw new TypeError('account must be 1..64 of [A-Za-z0-9_.+-]');
    if (typeof scope !== 'string' || !SCOPE.test(scope)) throw new TypeError('scope must be 1..64 of [A-Za-z0-9_.:+-]');
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_TURN_CREDENTIAL_TTL_SECONDS) {
      throw new RangeError(`ttlSeconds must be an integer in 1..${MAX_TURN_CREDENTIAL_TTL_SECONDS}`);
    }
    const username = `${account}:${randomBytes(12).toString('base64url')}`;
    const credential = randomBytes(24).toString('base64url');
    const expiresAt = Math.floor(this.#now() / 1000) + ttlSeconds;
    // RFC 8489 §9.2.2: key = MD5(username ":" realm ":" password); coturn stores it hex-encoded
    const hmackey = createHash('md5').update(`${username}:${this.#realm}:${credential}`).digest('hex');
    this.#db
      .prepare('INSERT INTO susurro_turn_credential (name, realm, hmackey, account, scope, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(username, this.#realm, hmackey, account, scope, expiresAt);
    return { username, credential, ttl: ttlSeconds, expiresAt };
  }

  revoke(sel: { account: string; scope?: string }): string[] {
    if (typeof sel.account !== 'string' || sel.account === '') throw new TypeError('account must be a non-empty string');
    const rows = (sel.scope === undefined
      ? this.#db.prepare('DELETE FROM susurro_turn_credential WHERE account = ? RETURNING name').all(sel.account)
      : this.#db.prepare('DELETE FROM susurro_turn_credential WHERE account = ? AND scope = ? RETURNING name').all(sel.account, sel.scope)
    ) as { name: string }[];
    return rows.map((r) => r.name);
  }

  sweepExpired(): string[] {
    const rows = this.#db
      .prepare('DELETE FROM susurro_turn_credential WHERE expires_at <= ? RETURNING name')
      .all(Math.floor(this.#now() / 1000)) as { name: string }[];
    return rows.map((r) => r.name);
  }

  /** Credentials currently stored (expired ones until the next sweep). */
  count(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM susurro_turn_credential').get() as { n: number }).n;
  }

  close(): void {
    this.#db.close();
  }
}
