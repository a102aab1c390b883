import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DbError, type DbKind } from './db.ts';

/**
 * Kamailio's own table definitions, read from the files Debian's kamailio package
 * ships (the ones `kamdbctl create` runs), so `kamctl`/`kamcli` and every module keep
 * working on our database. Order matters: `standard` creates the `version` table
 * the others insert into.
 */
export const KAMAILIO_SCHEMA_MODULES = ['standard', 'auth_db', 'usrloc', 'dialog', 'htable'] as const;
export type KamailioSchemaModule = (typeof KAMAILIO_SCHEMA_MODULES)[number];

export const KAMAILIO_SCHEMA_ROOT = '/usr/share/kamailio';

export function kamailioSchemaFile(kind: DbKind, module: KamailioSchemaModule, root = KAMAILIO_SCHEMA_ROOT): string {
  return join(root, kind === 'sqlite' ? 'db_sqlite' : 'postgres', `${module}-create.sql`);
}

export function readKamailioSchema(kind: DbKind, module: KamailioSchemaModule, root = KAMAILIO_SCHEMA_ROOT): string {
  const file = kamailioSchemaFile(kind, module, root);
  if (!existsSync(file)) {
    throw new DbError(
      'SUSURRO_DB_MIGRATION',
      `Kamailio schema file ${file} is missing: install the kamailio package (and kamailio-${kind === 'sqlite' ? 'sqlite' : 'postgres'}-modules)`,
    );
  }
  return readFileSync(file, 'utf8');
}

/** Table names a schema file creates, in order. */
export function createdTables(sql: string): string[] {
  return [...sql.matchAll(/CREATE TABLE\s+(?:IF NOT EXISTS\s+)?"?(\w+)"?/gi)].map((m) => m[1]!);
}
