import type { Db } from './db.ts';
import { DbError } from './db.ts';
import { KAMAILIO_SCHEMA_MODULES, createdTables, readKamailioSchema } from './kamailio-schema.ts';
import { PROJECT_MIGRATIONS } from './project-schema.ts';

/**
 * Brings a database to the current schema; idempotent and safe to run from two
 * processes at once (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped
 * advisory lock). Everything happens in ONE transaction, so a crash mid-way leaves
 * the previous schema, never half of the new one.
 *
 * Kamailio's tables are created only where missing, so a database made earlier by
 * `kamdbctl create` is adopted rather than broken.
 */
export async function migrate(db: Db, opts: { kamailioSchemaRoot?: string } = {}): Promise<void> {
  await db.transaction(async (tx) => {
    if (tx.kind === 'postgres') {
      // Arbitrary constant key: "susurro" in ASCII, truncated to an int8.
      await tx.run('SELECT pg_advisory_xact_lock(?)', [0x7375737572726f]);
    }
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS susurro_migration (id VARCHAR(64) PRIMARY KEY NOT NULL, applied_at VARCHAR(32) NOT NULL)',
    );
    const done = new Set((await tx.all<{ id: string }>('SELECT id FROM susurro_migration')).map((r) => r.id));
    const record = (id: string) =>
      tx.run('INSERT INTO susurro_migration (id, applied_at) VALUES (?, ?)', [id, new Date().toISOString()]);

    for (const module of KAMAILIO_SCHEMA_MODULES) {
      const id = `kamailio:${module}`;
      if (done.has(id)) continue;
      const sql = readKamailioSchema(tx.kind, module, opts.kamailioSchemaRoot);
      const tables = createdTables(sql);
      const present = await Promise.all(tables.map((t) => tableExists(tx, t)));
      if (present.every(Boolean)) {
        await record(id);
        continue;
      }
      if (present.some(Boolean)) {
        throw new DbError(
          'SUSURRO_DB_MIGRATION',
          `Kamailio module ${module}: some of its tables (${tables.join(', ')}) exist and some do not; fix the schema by hand`,
        );
      }
      await tx.exec(sql);
      await record(id);
    }

    for (const m of PROJECT_MIGRATIONS) {
      if (done.has(m.id)) continue;
      await tx.exec(m.sql(tx.kind));
      await record(m.id);
    }
  });
}

export async function tableExists(db: Db, table: string): Promise<boolean> {
  const row =
    db.kind === 'sqlite'
      ? await db.get("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", [table])
      : await db.get(
          'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?',
          [table],
        );
  return row !== undefined;
}
