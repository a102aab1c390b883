import type { DbKind } from './db.ts';

/**
 * The project's own tables, beside Kamailio's. Written once; `pk` and the trigger
 * syntax are the only dialect differences. Times are ISO-8601 UTC strings
 * (`Date#toISOString`), which sort correctly as text on both databases.
 *
 * Invariant kept by src/db/accounts-repo.ts: an account is `active` exactly when a
 * `subscriber` row (username = extension) exists with the same ha1/ha1b.
 */
export interface ProjectMigration {
  id: string;
  sql(kind: DbKind): string;
}

const pk = (kind: DbKind) => (kind === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'SERIAL PRIMARY KEY');

/** Audit rows are never changed or removed: enforced by the database, not only by the API. */
function appendOnly(kind: DbKind, table: string): string {
  if (kind === 'sqlite') {
    return `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
  BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
  BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;`;
  }
  return `
CREATE FUNCTION ${table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN RAISE EXCEPTION '${table} is append-only'; END; $fn$;
CREATE TRIGGER ${table}_no_update BEFORE UPDATE OR DELETE ON ${table}
  FOR EACH ROW EXECUTE FUNCTION ${table}_append_only();`;
}

export const PROJECT_MIGRATIONS: readonly ProjectMigration[] = [
  {
    id: 'susurro:001-core',
    sql: (kind) => `
CREATE TABLE susurro_account (
  id ${pk(kind)},
  extension VARCHAR(32) NOT NULL,
  username VARCHAR(64) NOT NULL,
  display_name VARCHAR(128) NOT NULL,
  domain VARCHAR(64) NOT NULL,
  status VARCHAR(16) NOT NULL CHECK (status IN ('active', 'disabled')),
  ha1 VARCHAR(128) NOT NULL,
  ha1b VARCHAR(128) NOT NULL,
  created_at VARCHAR(32) NOT NULL,
  updated_at VARCHAR(32) NOT NULL,
  disabled_at VARCHAR(32),
  CONSTRAINT susurro_account_extension_key UNIQUE (extension),
  CONSTRAINT susurro_account_username_key UNIQUE (username)
);

CREATE TABLE susurro_admin (
  id ${pk(kind)},
  username VARCHAR(64) NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  status VARCHAR(16) NOT NULL CHECK (status IN ('active', 'disabled')),
  created_at VARCHAR(32) NOT NULL,
  created_by VARCHAR(64),
  updated_at VARCHAR(32) NOT NULL,
  password_changed_at VARCHAR(32),
  CONSTRAINT susurro_admin_username_key UNIQUE (username)
);

CREATE TABLE susurro_admin_session (
  token_hash VARCHAR(64) PRIMARY KEY NOT NULL,
  admin_id INTEGER NOT NULL REFERENCES susurro_admin (id) ON DELETE CASCADE,
  created_at VARCHAR(32) NOT NULL,
  expires_at VARCHAR(32) NOT NULL,
  source_ip VARCHAR(64)
);
CREATE INDEX susurro_admin_session_admin_idx ON susurro_admin_session (admin_id);

CREATE TABLE susurro_phone_token (
  token_hash VARCHAR(64) PRIMARY KEY NOT NULL,
  account_id INTEGER NOT NULL REFERENCES susurro_account (id) ON DELETE CASCADE,
  created_at VARCHAR(32) NOT NULL,
  expires_at VARCHAR(32) NOT NULL
);
CREATE INDEX susurro_phone_token_account_idx ON susurro_phone_token (account_id);

CREATE TABLE susurro_audit (
  id ${pk(kind)},
  at VARCHAR(32) NOT NULL,
  actor VARCHAR(64) NOT NULL,
  action VARCHAR(64) NOT NULL,
  target VARCHAR(128),
  source_ip VARCHAR(64),
  outcome VARCHAR(16) NOT NULL,
  detail TEXT
);
CREATE INDEX susurro_audit_at_idx ON susurro_audit (at);
${appendOnly(kind, 'susurro_audit')}
`,
  },
  {
    // Issue 16: per-device provisioning tokens for native phones (src/provisioning/).
    // Only the SHA-256 of the token is stored (like susurro_phone_token); revoked rows stay
    // (revoked_at set) so the list shows what was handed out; deleting the account removes them.
    id: 'susurro:002-provisioning-token',
    sql: (kind) => `
CREATE TABLE susurro_provisioning_token (
  id ${pk(kind)},
  token_hash VARCHAR(64) NOT NULL,
  account_id INTEGER NOT NULL REFERENCES susurro_account (id) ON DELETE CASCADE,
  label VARCHAR(64) NOT NULL,
  created_at VARCHAR(32) NOT NULL,
  created_by VARCHAR(64) NOT NULL,
  expires_at VARCHAR(32) NOT NULL,
  revoked_at VARCHAR(32),
  last_fetched_at VARCHAR(32),
  CONSTRAINT susurro_provisioning_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX susurro_provisioning_token_account_idx ON susurro_provisioning_token (account_id);
`,
  },
  {
    // Chat beside voice (issue 17): the account's SCRAM-SHA-1 credentials for Prosody (src/db/scram.ts),
    // set with ha1/ha1b at create and password reset; NULL for accounts made before this migration
    // (they reach Prosody at their next password reset).
    id: 'susurro:003-chat-scram',
    sql: () => ['scram_salt VARCHAR(64)', 'scram_iterations INTEGER', 'scram_stored_key VARCHAR(64)', 'scram_server_key VARCHAR(64)']
      .map((col) => `ALTER TABLE susurro_account ADD COLUMN ${col};`).join('\n'),
  },
  {
    // Issue 19: durable bans. Kamailio's htable "ipban" loads this table at start (htable
    // dbtable, db_expires: the standard htable column names) and route[BAN_SOURCE] in
    // kamailio.cfg inserts a row per ban; expires is the absolute Unix time the ban ends.
    // The admin API deletes the row when it lifts a ban (src/admin-api/bans.ts).
    id: 'susurro:004-ban',
    sql: (kind) => `
CREATE TABLE susurro_ban (
  id ${pk(kind)},
  key_name VARCHAR(64) NOT NULL,
  key_type INTEGER NOT NULL DEFAULT 0,
  value_type INTEGER NOT NULL DEFAULT 1,
  key_value VARCHAR(16) NOT NULL DEFAULT '1',
  expires INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX susurro_ban_key_idx ON susurro_ban (key_name);
`,
  },
];
