import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DbError, type Db } from './db.ts';

/**
 * SQLite adapter over better-sqlite3 (synchronous, one connection per process).
 *
 * Because the driver is synchronous but the Db interface is async, a transaction
 * body may `await` between statements; a mutex makes every other caller wait until
 * it ends, so no foreign statement slips into an open transaction.
 */
export function openSqlite(path: string): Db {
  mkdirSync(dirname(path), { recursive: true });
  const conn = new Database(path);
  // WAL: Kamailio's db_sqlite reads the same file while we write; busy_timeout lets
  // either side wait for the other's lock instead of failing with SQLITE_BUSY.
  conn.pragma('journal_mode = WAL');
  conn.pragma('busy_timeout = 5000');
  // An acknowledged account must survive a crash of the process or of the machine.
  conn.pragma('synchronous = FULL');
  conn.pragma('foreign_keys = ON');
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

function bind(params: unknown[] | undefined): unknown[] {
  // better-sqlite3 refuses booleans and undefined; normalise the portable subset.
  return (params ?? []).map((p) => (p === undefined ? null : typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

class SqliteDb implements Db {
  readonly kind = 'sqlite' as const;
  private readonly mutex = new Mutex();
  private closed = false;
  constructor(private readonly conn: Database.Database) {}

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
    return this.locked(() => void this.conn.exec(sql));
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

function rawAll<T>(conn: Database.Database, sql: string, params?: unknown[]): T[] {
  const stmt = conn.prepare(sql);
  if (!stmt.reader) {
    stmt.run(...bind(params));
    return [];
  }
  return stmt.all(...bind(params)) as T[];
}

function rawRun(conn: Database.Database, sql: string, params?: unknown[]): { changes: number } {
  const info = conn.prepare(sql).run(...bind(params));
  return { changes: info.changes };
}

/** The view of the connection a transaction body gets: no mutex (it already holds it). */
class SqliteTx implements Db {
  readonly kind = 'sqlite' as const;
  constructor(
    private readonly conn: Database.Database,
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
    this.conn.exec(sql);
  }
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return runTransaction(this.conn, fn, this.depth + 1);
  }
  async close(): Promise<void> {
    throw new TypeError('close() is not available inside a transaction');
  }
}

async function runTransaction<T>(conn: Database.Database, fn: (tx: Db) => Promise<T>, depth: number): Promise<T> {
  const savepoint = `sp_${depth}`;
  // BEGIN IMMEDIATE takes the write lock up front: two writers never both read
  // "extension free" and then both insert (SQLite's deferred BEGIN would allow that).
  conn.exec(depth === 0 ? 'BEGIN IMMEDIATE' : `SAVEPOINT ${savepoint}`);
  try {
    const result = await fn(new SqliteTx(conn, depth));
    conn.exec(depth === 0 ? 'COMMIT' : `RELEASE ${savepoint}`);
    return result;
  } catch (err) {
    if (depth === 0) {
      if (conn.inTransaction) conn.exec('ROLLBACK');
    } else {
      conn.exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
    }
    throw err;
  }
}
