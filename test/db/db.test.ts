import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountInconsistencies,
  createAccountRow,
  disableAccountRow,
  enableAccountRow,
  setAccountPassword,
  isUniqueViolation,
  kamailioDbUrl,
  sqlitePath,
  migrate,
  openDatabase,
  tableExists,
  type Db,
} from '../../src/db/index.ts';
import { toPositional } from '../../src/db/postgres.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';

const dir = mkdtempSync(join(tmpdir(), 'susurro-db-'));
let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres('susurro_db');
});
afterAll(async () => {
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('urls', () => {
  it('kamailioDbUrl gives db_sqlite an absolute path (four slashes) and passes postgres through', () => {
    expect(kamailioDbUrl('sqlite:/var/lib/s.db')).toBe('sqlite:////var/lib/s.db');
    expect(kamailioDbUrl('sqlite:///var/lib/s.db')).toBe('sqlite:////var/lib/s.db');
    expect(kamailioDbUrl('sqlite:////var/lib/s.db')).toBe('sqlite:////var/lib/s.db');
    expect(sqlitePath('sqlite:////var/lib/s.db')).toBe('/var/lib/s.db');
    expect(kamailioDbUrl('postgres://u:p@h:5/d')).toBe('postgres://u:p@h:5/d');
    expect(kamailioDbUrl('postgresql://u@h/d')).toBe('postgres://u@h/d');
    expect(() => kamailioDbUrl('mysql://x')).toThrow(/sqlite/);
    expect(() => kamailioDbUrl('sqlite:relative.db')).toThrow(/absolute/);
  });
  it('toPositional rewrites ? outside literals and comments only', () => {
    expect(toPositional("SELECT ? , '?', \"a?\" -- ?\n, ?")).toBe("SELECT $1 , '?', \"a?\" -- ?\n, $2");
  });
  it('openDatabase refuses unknown schemes', async () => {
    await expect(openDatabase('mysql://x')).rejects.toMatchObject({ code: 'SUSURRO_DB_URL' });
  });
});

const backends = [
  { name: 'sqlite', url: () => `sqlite:${join(dir, 'a.db')}` },
  { name: 'postgres', url: () => pg.url },
];

describe.each(backends)('$name', ({ name, url }) => {
  let db: Db;
  beforeAll(async () => {
    db = await openDatabase(url());
  });
  afterAll(async () => {
    await db?.close();
  });

  it('migrate creates Kamailio\'s standard tables with their version rows, and ours; twice (even concurrently) is harmless', async () => {
    await Promise.all([migrate(db), migrate(db)]);
    await migrate(db);
    for (const t of ['version', 'subscriber', 'location', 'location_attrs', 'dialog', 'dialog_vars', 'htable', 'susurro_account', 'susurro_admin', 'susurro_audit']) {
      expect([t, await tableExists(db, t)]).toEqual([t, true]);
    }
    const versions = await db.all<{ table_name: string; table_version: number }>('SELECT table_name, table_version FROM version ORDER BY table_name');
    // The versions Kamailio 5.6's modules check at start-up (db_check_table_version).
    expect(Object.fromEntries(versions.map((v) => [v.table_name, Number(v.table_version)]))).toMatchObject({
      subscriber: 7,
      location: 9,
      dialog: 7,
      dialog_vars: 1,
      htable: 2,
      version: 1,
    });
    expect(versions.filter((v) => v.table_name === 'subscriber')).toHaveLength(1);
  });

  it('transaction rolls back both tables when the second insert fails', async () => {
    await createAccountRow(db, { extension: '501', username: 'u501', displayName: 'A', password: 'p', domain: 'd.test' });
    // Same username: the metadata insert fails; nothing of the new extension may remain.
    const err = await createAccountRow(db, { extension: '502', username: 'u501', displayName: 'B', password: 'p', domain: 'd.test' }).catch((e) => e);
    expect(isUniqueViolation(err)).toBe(true);
    expect(await db.get('SELECT id FROM subscriber WHERE username = ?', ['502'])).toBeUndefined();
    // Subscriber clash (row created outside susurro): the account row is rolled back too.
    await db.run("INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES ('503', 'd.test', '', 'x', 'y')");
    const err2 = await createAccountRow(db, { extension: '503', username: 'u503', displayName: 'C', password: 'p', domain: 'd.test' }).catch((e) => e);
    expect(isUniqueViolation(err2)).toBe(true);
    expect(await db.get('SELECT id FROM susurro_account WHERE extension = ?', ['503'])).toBeUndefined();
    expect(await accountInconsistencies(db)).toEqual(['subscriber 503@d.test has no susurro_account row']);
    await db.run("DELETE FROM subscriber WHERE username = '503'");
  });

  it('nested transactions use savepoints; an outer rollback undoes the inner commit', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.transaction(async (inner) => {
          await inner.run("INSERT INTO htable (key_name, key_value) VALUES ('k1', 'v')");
        });
        throw new Error('abort outer');
      }),
    ).rejects.toThrow('abort outer');
    expect(await db.get("SELECT id FROM htable WHERE key_name = 'k1'")).toBeUndefined();
    await db.transaction(async (tx) => {
      await tx.transaction(async (inner) => {
        await inner.run("INSERT INTO htable (key_name, key_value) VALUES ('k2', 'v')");
        throw new Error('inner only');
      }).catch(() => {});
      await tx.run("INSERT INTO htable (key_name, key_value) VALUES ('k3', 'v')");
    });
    expect((await db.all<{ key_name: string }>("SELECT key_name FROM htable WHERE key_name IN ('k2','k3')")).map((r) => r.key_name)).toEqual(['k3']);
  });

  it('concurrent transactions do not interleave (read-then-write counter)', async () => {
    await db.run("INSERT INTO htable (key_name, key_value) VALUES ('counter', '0')");
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction(async (tx) => {
          if (tx.kind === 'postgres') await tx.run("SELECT key_value FROM htable WHERE key_name = 'counter' FOR UPDATE");
          const r = await tx.get<{ key_value: string }>("SELECT key_value FROM htable WHERE key_name = 'counter'");
          await new Promise((res) => setTimeout(res, 1));
          await tx.run("UPDATE htable SET key_value = ? WHERE key_name = 'counter'", [String(Number(r!.key_value) + 1)]);
        }),
      ),
    );
    expect((await db.get<{ key_value: string }>("SELECT key_value FROM htable WHERE key_name = 'counter'"))?.key_value).toBe('20');
  });

  it('disable removes the subscriber row, enable restores it identically', async () => {
    await createAccountRow(db, { extension: '510', username: 'u510', displayName: 'D', password: 'pw', domain: 'd.test' });
    const before = await db.get('SELECT username, domain, ha1, ha1b FROM subscriber WHERE username = ?', ['510']);
    expect((await disableAccountRow(db, '510'))?.changed).toBe(true);
    expect((await disableAccountRow(db, '510'))?.changed).toBe(false);
    expect(await db.get('SELECT id FROM subscriber WHERE username = ?', ['510'])).toBeUndefined();
    expect(await accountInconsistencies(db)).toEqual([]);
    expect((await enableAccountRow(db, '510'))?.changed).toBe(true);
    expect(await db.get('SELECT username, domain, ha1, ha1b FROM subscriber WHERE username = ?', ['510'])).toEqual(before);
    expect(await disableAccountRow(db, '599')).toBeUndefined();
  });

  it('concurrent disable/enable/reset of one account never breaks the two-table invariant', async () => {
    await createAccountRow(db, { extension: '520', username: 'u520', displayName: 'E', password: 'pw0', domain: 'd.test' });
    const ops = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0 ? disableAccountRow(db, '520') : i % 3 === 1 ? enableAccountRow(db, '520') : setAccountPassword(db, '520', `pw${i}`),
    );
    await Promise.all(ops);
    expect(await accountInconsistencies(db)).toEqual([]);
  });

  if (name === 'sqlite') {
    it('uses WAL and a busy timeout (Kamailio reads the same file)', async () => {
      expect(await db.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
      expect(await db.get('PRAGMA busy_timeout')).toEqual({ timeout: 5000 });
    });
  }
});

describe('adopting a database made by Kamailio\'s own schema files', () => {
  it('migrate keeps existing Kamailio tables and rows (sqlite3 CLI created them first)', async () => {
    const file = join(dir, 'kam.db');
    const sql = ['standard', 'auth_db'].map((m) => `.read /usr/share/kamailio/db_sqlite/${m}-create.sql`).join('\n');
    execFileSync('sqlite3', [file], { input: `${sql}\nINSERT INTO subscriber (username, domain, ha1) VALUES ('100', 'old.test', 'abc');\n` });
    const db = await openDatabase(`sqlite:${file}`);
    try {
      await migrate(db);
      expect(await db.get("SELECT ha1 FROM subscriber WHERE username = '100'")).toEqual({ ha1: 'abc' });
      expect(await tableExists(db, 'location')).toBe(true);
      const n = await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM version WHERE table_name = 'subscriber'");
      expect(n?.n).toBe(1);
    } finally {
      await db.close();
    }
  });
});

describe('migration failures are explicit', () => {
  it('refuses a database where a Kamailio module is half present', async () => {
    const db = await openDatabase(`sqlite:${join(dir, 'half.db')}`);
    try {
      // usrloc creates location and location_attrs; only one of them exists here.
      await db.exec('CREATE TABLE location (id INTEGER PRIMARY KEY)');
      await expect(migrate(db)).rejects.toMatchObject({ code: 'SUSURRO_DB_MIGRATION', message: expect.stringContaining('usrloc') });
      // One transaction: nothing of the attempted migration remains.
      expect(await tableExists(db, 'subscriber')).toBe(false);
      expect(await tableExists(db, 'susurro_migration')).toBe(false);
    } finally {
      await db.close();
    }
  });
  it('names the missing Debian schema files', async () => {
    const db = await openDatabase(`sqlite:${join(dir, 'nofiles.db')}`);
    try {
      await expect(migrate(db, { kamailioSchemaRoot: join(dir, 'no-such-dir') })).rejects.toMatchObject({
        code: 'SUSURRO_DB_MIGRATION',
        message: expect.stringContaining('standard-create.sql is missing'),
      });
    } finally {
      await db.close();
    }
  });
});
