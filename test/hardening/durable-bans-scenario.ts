/**
 * Issue #19 "Durable state": a ban survives a Kamailio crash. Two sources are banned by failed
 * authentications, one ban is lifted through the admin API, Kamailio is killed with SIGKILL and
 * restarted by the supervisor: the remaining ban is still enforced (the right password gets no
 * answer) and still listed, and the lifted one does not come back (its row was deleted).
 * Real Kamailio and admin API over HTTPS, on the database the caller names (SQLite, PostgreSQL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeepPartial, SusurroConfig } from '../../src/config/index.ts';
import { createAccountRow } from '../../src/db/index.ts';
import { adminApiFor, type Api } from '../admin-api/live-rig.ts';
import { rawRegister, type RawSipConnection } from '../support/sip-client.ts';
import { openSipTls, startTestStack, type TestStack } from '../support/stack.ts';
import { until } from '../support/until.ts';
import { restartKamailio, weaken } from './weakened-kamailio.ts';

const KEPT = '127.0.0.2';
const LIFTED = '127.0.0.4';
const FAILS_MAX = 2;

export function durableBansSuite(name: string, overrides: () => DeepPartial<SusurroConfig>) {
  let t: TestStack;
  let api: Api;
  const conns: RawSipConnection[] = [];

  beforeAll(async () => {
    t = await startTestStack(
      { ...overrides(), antiflood: { enabled: true, authFailsMax: FAILS_MAX, banSeconds: 600 } },
      { kamailio: { antifloodLoopback: true }, restart: { initialBackoffMs: 100 } },
    );
    await createAccountRow(t.stack.db, { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1', domain: t.config.domain });
    api = await adminApiFor(t);
  }, 60_000);
  afterAll(async () => {
    for (const c of conns) c.close();
    await t?.stop();
  });

  const register = async (from: string, password: string) =>
    rawRegister(await openSipTls(t, conns, from), { ext: '201', domain: t.config.domain, password });
  const listed = async () => ((await api.call('GET', '/api/v1/bans')).body.bans as { ip: string }[]).map((b) => b.ip);

  async function ban(from: string) {
    for (let i = 0; i < FAILS_MAX; i++) expect((await register(from, `guess-${i}`)).status).toBe(403);
    await expect(register(from, 'alice-secret-1')).rejects.toThrow(/no matching SIP message/);
  }

  describe(`durable bans (${name})`, () => {
    it('a ban survives kill -9 and the supervisor restart; a lifted ban stays lifted', async () => {
      await ban(KEPT);
      await ban(LIFTED);
      expect(await listed()).toEqual(expect.arrayContaining([KEPT, LIFTED]));
      expect((await api.call('DELETE', `/api/v1/bans/${LIFTED}`)).status).toBe(200);
      expect((await register(LIFTED, 'alice-secret-1')).status).toBe(200);

      const oldPid = t.stack.kamailio.pid as number;
      process.kill(oldPid, 'SIGKILL');
      await until('kamailio restarted', () => (t.stack.kamailio.pid && t.stack.kamailio.pid !== oldPid ? true : undefined));
      await until('kamailio answering JSON-RPC', async () => (await t.stack.rpc.call('core.version').then(() => true, () => undefined)));
      expect(t.stack.kamailio.restarts).toBeGreaterThanOrEqual(1);

      // still enforced: even the right password gets no answer from the banned source
      await expect(register(KEPT, 'alice-secret-1')).rejects.toThrow(/no matching SIP message/);
      expect(await listed()).toEqual([KEPT]);
      // the lifted source, and an unrelated one, register normally
      expect((await register(LIFTED, 'alice-secret-1')).status).toBe(200);
      expect((await register('127.0.0.1', 'alice-secret-1')).status).toBe(200);
      // the ban kept its end time (600 s from when it was raised), it did not restart at 600 s
      const row = await t.stack.db.get<{ expires: number }>('SELECT expires FROM susurro_ban WHERE key_name = ?', [KEPT]);
      expect(Number(row?.expires)).toBeLessThanOrEqual(Date.now() / 1000 + 600);
      expect(Number(row?.expires)).toBeGreaterThan(Date.now() / 1000 + 500);
    });

    it('control: without the database backing (ipban not loaded from susurro_ban) the restart forgets the ban', async () => {
      await restartKamailio(t, (cfg) => weaken(cfg, 'dbtable=susurro_ban;'));
      expect((await register(KEPT, 'alice-secret-1')).status).toBe(200);
      expect(await listed()).toEqual([]);
      // the real script loads it again from the row
      await restartKamailio(t);
      await expect(register(KEPT, 'alice-secret-1')).rejects.toThrow(/no matching SIP message/);
      expect(await listed()).toEqual([KEPT]);
    });
  });
}
