import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { DbError, type Db } from './db.ts';

/**
 * SQLite adapter over Node's built-in node:sqlite (synchronous, one connection per process;
 * no native add-on to compile).
 *
 * Because the driver is synchronous but the Db interface is async, a transaction
 * body may `await` between statements; a mutex makes every other caller wait until
 * it ends, so no foreign statement slips into an open transaction.
 */
export function openSqlite(path: string): Db {
  mkdirSync(dirname(path), { recursive: true });
  // node:sqlite turns foreign keys on and double-quoted string literals off by default;
  // both are stated here so the connection does not depend on those defaults.
  const conn = new DatabaseSync(path, { enableForeignKeyConstraints: true, enableDoubleQuotedStringLiterals: false });
  // WAL: Kamailio's db_sqlite reads the same file while we write; busy_timeout lets
  // either side wait for the other's lock instead of failing with SQLITE_BUSY.
  conn.exec('PRAGMA journal_mode = WAL');
  conn.exec('PRAGMA busy_timeout = 5000');
  // An acknowledged account must survive a crash of the process or of the machine.
  conn.exec('PRAGMA synchronous = FULL');
  return new SqliteDb(conn);
}

class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const prev = this.tail;
    this.tail = prev.then(() => next);
    await prev;
    return release;
  }
}

function bind(params: unknown[] | undefined): SQLInputValue[] {
  // node:sqlite refuses undefined (and booleans are not portable); normalise the portable subset.
  return (params ?? []).map((p) => (p === undefined ? null : typeof p === 'boolean' ? (p ? 1 : 0) : p)) as SQLInputValue[];
}

/**
 * SQLite result codes (https://sqlite.org/rescode.html) by number: node:sqlite reports
 * `code: 'ERR_SQLITE_ERROR'` with the numeric extended code in `errcode`; the rest of
 * susurro (503 on busy/read-only, 409 on a unique violation) matches SQLite's names.
 */
const RESULT_CODES: Record<number, string> = {
  5: 'SQLITE_BUSY', 6: 'SQLITE_LOCKED', 8: 'SQLITE_READONLY', 10: 'SQLITE_IOERR', 11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL', 14: 'SQLITE_CANTOPEN', 19: 'SQLITE_CONSTRAINT',
  1555: 'SQLITE_CONSTRAINT_PRIMARYKEY', 2067: 'SQLITE_CONSTRAINT_UNIQUE', 787: 'SQLITE_CONSTRAINT_FOREIGNKEY',
};

/** The driver's error with `code` set to SQLite's own name for it (extended if known, else primary). */
function sqliteError(err: unknown): unknown {
  const errcode = (err as { errcode?: unknown } | null)?.errcode;
  if (typeof errcode !== 'number') return err;
  const name = RESULT_CODES[errcode] ?? RESULT_CODES[errcode & 0xff];
  if (name) Object.assign(err as object, { code: name });
  return err;
}

function driver<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw sqliteError(err);
  }
}

class SqliteDb implements Db {
  readonly kind = 'sqlite' as const;
  private readonly mutex = new Mutex();
  private closed = false;
  constructor(private readonly conn: DatabaseSync) {}

  private async locked<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.closed) throw new DbError('SUSURRO_DB_CLOSED', 'database is closed');
    const release = await this.mutex.lock();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  all<T>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.locked(() => rawAll<T>(this.conn, sql, params));
  }
  get<T>(sql: string, params?: unknown[]): Promise<T | undefined> {
    return this.locked(() => rawAll<T>(this.conn, sql, params)[0]);
  }
  run(sql: string, params?: unknown[]): Promise<{ changes: number }> {
    return this.locked(() => rawRun(this.conn, sql, params));
  }
  exec(sql: string): Promise<void> {
    return this.locked(() => driver(() => this.conn.exec(sql)));
  }
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.locked(() => runTransaction(this.conn, fn, 0));
  }
  async close(): Promise<void> {
    if (this.closed) return;
    const release = await this.mutex.lock();
    try {
      this.closed = true;
      this.conn.close();
    } finally {
      release();
    }
  }
}

function rawAll<T>(conn: DatabaseSync, sql: string, params?: unknown[]): T[] {
  return driver(() => {
    const stmt = conn.prepare(sql);
    if (stmt.columns().length === 0) {
      stmt.run(...bind(params));
      return [];
    }
    // Rows come with a null prototype; callers get plain objects, as from the pg adapter.
    return stmt.all(...bind(params)).map((row) => ({ ...row }) as T);
  });
}

function rawRun(conn: DatabaseSync, sql: string, params?: unknown[]): { changes: number } {
  return driver(() => ({ changes: Number(conn.prepare(sql).run(...bind(params)).changes) }));
}

/** The view of the connection a transaction body gets: no mutex (it already holds it). */
class SqliteTx implements Db {
  readonly kind = 'sqlite' as const;
  constructor(
    private readonly conn: DatabaseSync,
    private readonly depth: number,
  ) {}
  async all<T>(sql: string, params?: unknown[]): Promise<T[]> {
    return rawAll<T>(this.conn, sql, params);
  }
  async get<T>(sql: string, params?: unknown[]): Promise<T | undefined> {
    return rawAll<T>(this.conn, sql, params)[0];
  }
  async run(sql: string, params?: unknown[]): Promise<{ changes: number }> {
    return rawRun(this.conn, sql, params);
  }
  async exec(sql: string): Promise<void> {
    driver(() => this.conn.exec(sql));
  }
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return runTransaction(this.conn, fn, this.depth + 1);
  }
  async close(): Promise<void> {
    throw new TypeError('close() is not available inside a transaction');
  }
}

async function runTransaction<T>(conn: DatabaseSync, fn: (tx: Db) => Promise<T>, depth: number): Promise<T> {
  const savepoint = `sp_${depth}`;
  // BEGIN IMMEDIATE takes the write lock up front: two writers never both read
  // "extension free" and then both insert (SQLite's deferred BEGIN would allow that).
  driver(() => conn.exec(depth === 0 ? 'BEGIN IMMEDIATE' : `SAVEPOINT ${savepoint}`));
  try {
    const result = await fn(new SqliteTx(conn, depth));
    driver(() => conn.exec(depth === 0 ? 'COMMIT' : `RELEASE ${savepoint}`));
    return result;
  } catch (err) {
    if (depth === 0) {
      if (conn.isTransaction) conn.exec('ROLLBACK');
    } else {
      conn.exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
    }
    throw err;
  }
}
