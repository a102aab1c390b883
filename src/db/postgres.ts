import pg from 'pg';
import { DbError, type Db } from './db.ts';

/**
 * PostgreSQL adapter over a pg.Pool. SQL is written with `?` placeholders (the
 * SQLite spelling); `toPositional` rewrites them to `$1..$n` outside string
 * literals, quoted identifiers and comments.
 */
export function openPostgres(url: string): Db {
  const pool = new pg.Pool({ connectionString: url, max: 8, idleTimeoutMillis: 10_000 });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => {});
  return new PostgresDb(pool);
}

export function toPositional(sql: string): string {
  let out = '';
  let n = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === '?') {
      out += `$${++n}`;
    } else {
      out += c;
    }
  }
  return out;
}

type Queryable = pg.Pool | pg.PoolClient;

async function query<T>(q: Queryable, sql: string, params?: unknown[]): Promise<pg.QueryResult & { rows: T[] }> {
  return (await q.query(toPositional(sql), params ?? [])) as pg.QueryResult & { rows: T[] };
}

class PostgresDb implements Db {
  readonly kind = 'postgres' as const;
  private closed = false;
  constructor(private readonly pool: pg.Pool) {}
  private check(): void {
    if (this.closed) throw new DbError('SUSURRO_DB_CLOSED', 'database is closed');
  }
  async all<T>(sql: string, params?: unknown[]): Promise<T[]> {
    this.check();
    return (await query<T>(this.pool, sql, params)).rows;
  }
  async get<T>(sql: string, params?: unknown[]): Promise<T | undefined> {
    this.check();
    return (await query<T>(this.pool, sql, params)).rows[0];
  }
  async run(sql: string, params?: unknown[]): Promise<{ changes: number }> {
    this.check();
    return { changes: (await query(this.pool, sql, params)).rowCount ?? 0 };
  }
  async exec(sql: string): Promise<void> {
    this.check();
    await this.pool.query(sql);
  }
  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    this.check();
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      try {
        const result = await fn(new PostgresTx(client, 0));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

class PostgresTx implements Db {
  readonly kind = 'postgres' as const;
  constructor(
    private readonly client: pg.PoolClient,
    private readonly depth: number,
  ) {}
  async all<T>(sql: string, params?: unknown[]): Promise<T[]> {
    return (await query<T>(this.client, sql, params)).rows;
  }
  async get<T>(sql: string, params?: unknown[]): Promise<T | undefined> {
    return (await query<T>(this.client, sql, params)).rows[0];
  }
  async run(sql: string, params?: unknown[]): Promise<{ changes: number }> {
    return { changes: (await query(this.client, sql, params)).rowCount ?? 0 };
  }
  async exec(sql: string): Promise<void> {
    await this.client.query(sql);
  }
  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const sp = `sp_${this.depth + 1}`;
    await this.client.query(`SAVEPOINT ${sp}`);
    try {
      const result = await fn(new PostgresTx(this.client, this.depth + 1));
      await this.client.query(`RELEASE SAVEPOINT ${sp}`);
      return result;
    } catch (err) {
      await this.client.query(`ROLLBACK TO SAVEPOINT ${sp}`);
      throw err;
    }
  }
  async close(): Promise<void> {
    throw new TypeError('close() is not available inside a transaction');
  }
}
