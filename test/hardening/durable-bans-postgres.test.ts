/** Durable bans with the whole stack on PostgreSQL (the scenario: durable-bans-scenario.ts). */
import { afterAll, beforeAll } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';
import { durableBansSuite } from './durable-bans-scenario.ts';

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres('susurro_bans');
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

durableBansSuite('PostgreSQL', () => ({ database: { url: pg.url } }));
