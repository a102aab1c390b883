/**
 * The one database seam of susurro. Kamailio reads the same database (auth_db's
 * `subscriber`, usrloc's `location`), so the admin service writes Kamailio's own
 * schema beside the project's `susurro_*` tables. SQL is written once with `?`
 * placeholders; the PostgreSQL adapter rewrites them to `$1..$n`.
 */
export type DbKind = 'sqlite' | 'postgres';

export interface Db {
  readonly kind: DbKind;
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T | undefined>;
  run(sql: string, params?: unknown[]): Promise<{ changes: number }>;
  /** Several statements, no parameters (schema files). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` in one transaction: commit when it resolves, roll back when it throws.
   * SQLite: BEGIN IMMEDIATE (writers serialised, so read-then-write is safe).
   * PostgreSQL: one pooled client, READ COMMITTED plus the schema's unique constraints.
   * Nested calls on `tx` use savepoints.
   */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Stable codes for database failures the API maps to HTTP statuses. */
export type DbErrorCode = 'SUSURRO_DB_URL' | 'SUSURRO_DB_UNIQUE' | 'SUSURRO_DB_CLOSED' | 'SUSURRO_DB_MIGRATION';

export class DbError extends Error {
  readonly code: DbErrorCode;
  constructor(code: DbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DbError';
    this.code = code;
  }
}

/**
 * True when `err` is a unique-constraint violation from either driver
 * (SQLite: SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY, named by src/db/sqlite.ts; pg: SQLSTATE 23505).
 */
export function isUniqueViolation(err: unknown): boolean {
  if (err instanceof DbError) return err.code === 'SUSURRO_DB_UNIQUE';
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** Opens "sqlite:/abs/file.db" (also "sqlite:///abs/file.db") or "postgres://…". */
export async function openDatabase(url: string): Promise<Db> {
  if (typeof url !== 'string') throw new TypeError('openDatabase: url must be a string');
  if (url.startsWith('sqlite:')) {
    const { openSqlite } = await import('./sqlite.ts');
    return openSqlite(sqlitePath(url));
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { openPostgres } = await import('./postgres.ts');
    return openPostgres(url);
  }
  throw new DbError('SUSURRO_DB_URL', 'database url must start with "sqlite:" or "postgres://"');
}

/** The absolute file path inside a sqlite URL. */
export function sqlitePath(url: string): string {
  // "sqlite:/a", "sqlite:///a" and Kamailio's "sqlite:////a" all name the file /a.
  const path = url.replace(/^sqlite:(\/\/)?/, '').replace(/^\/+/, '/');
  if (!path.startsWith('/')) {
    throw new DbError('SUSURRO_DB_URL', 'sqlite url needs an absolute path, e.g. sqlite:/var/lib/susurro/susurro.db');
  }
  return path;
}

/**
 * The db_url Kamailio's modules expect. db_sqlite (5.6) parses "sqlite://host/database",
 * so "sqlite:///abs/file.db" would name the RELATIVE file "abs/file.db" (found by STACK,
 * verified with 5.6.3): an absolute path needs a fourth slash, "sqlite:////abs/file.db".
 * db_postgres takes the postgres URL as is.
 */
export function kamailioDbUrl(url: string): string {
  if (url.startsWith('sqlite:')) return `sqlite:///${sqlitePath(url)}`;
  if (url.startsWith('postgresql://')) return `postgres://${url.slice('postgresql://'.length)}`;
  if (url.startsWith('postgres://')) return url;
  throw new DbError('SUSURRO_DB_URL', 'database url must start with "sqlite:" or "postgres://"');
}
