/** Durable bans on SQLite (the scenario: durable-bans-scenario.ts). */
import { durableBansSuite } from './durable-bans-scenario.ts';

durableBansSuite('SQLite', () => ({}));
