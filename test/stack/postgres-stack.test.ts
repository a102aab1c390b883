/**
 * The stack on PostgreSQL (multi-node setting, docs/operations.md): migrate creates Kamailio's
 * Postgres schema, Kamailio's db_postgres authenticates against the same subscriber table, and
 * health reports the database. A REGISTER over TLS proves the whole path.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountRow } from '../../src/db/index.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { RawSipConnection, rawRegister } from '../support/sip-client.ts';

let pg: TestPostgres;
let t: TestStack;
let conn: RawSipConnection | undefined;

beforeAll(async () => {
  pg = await startTestPostgres('susurro_stack');
  t = await startTestStack({ database: { url: pg.url } });
  await createAccountRow(t.stack.db, { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1', domain: t.config.domain });
}, 120_000);
afterAll(async () => {
  conn?.close();
  await t?.stop();
  await pg?.stop();
});

describe('stack on PostgreSQL', () => {
  it('kamailio runs with db_postgres and health reports a postgres database', async () => {
    expect(t.stack.db.kind).toBe('postgres');
    // core.modules is not on the JSON-RPC allow-list: the rendered defs select db_postgres
    expect(readFileSync(t.stack.kamailioFiles.defsFile, 'utf8')).toMatch(/^#!define WITH_POSTGRES$/m);
    expect(await t.stack.rpc.call<string>('core.version')).toMatch(/^kamailio 5\.6/);
    const h = await t.stack.health();
    expect(h.find((c) => c.name === 'database')).toEqual({ name: 'database', up: true, detail: 'postgres' });
    expect(h.every((c) => c.up)).toBe(true);
  });

  it('REGISTER over TLS authenticates against the postgres subscriber table', async () => {
    conn = await RawSipConnection.openTls({ host: '127.0.0.1', port: t.config.ports.sipTls, ca: t.caPem });
    expect((await rawRegister(conn, { ext: '201', domain: t.config.domain, password: 'alice-secret-1' })).status).toBe(200);
    expect((await rawRegister(conn, { ext: '201', domain: t.config.domain, password: 'wrong-one' })).status).toBe(403);
  });
});
