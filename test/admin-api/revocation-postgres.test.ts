import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import type { Phone } from '../support/sip-client.ts';
import { adminApiFor, disconnected, establishCall, phoneFor, registeredPhone, terminated, type Api } from './live-rig.ts';

/**
 * The same revocation, with the whole stack on PostgreSQL (Kamailio's db_postgres reads
 * the subscriber table the admin API writes): same code, same migrations.
 */
let pg: TestPostgres;
let t: TestStack;
let api: Api;
const phones: Phone[] = [];

beforeAll(async () => {
  pg = await startTestPostgres('susurro_revoke');
  t = await startTestStack({ database: { url: pg.url } });
  api = await adminApiFor(t);
}, 120_000);
afterAll(async () => {
  for (const p of phones) await p.stop().catch(() => {});
  await t?.stop();
  await pg?.stop();
});

describe('revocation on PostgreSQL', () => {
  it('a phone in a call is cut off, the peer hangs up, re-register gets 403; enable restores it', async () => {
    expect(t.stack.db.kind).toBe('postgres');
    const pw: Record<string, string> = {};
    for (const [ext, user] of [['201', 'alice'], ['202', 'bob']] as const) {
      const r = await api.call('POST', '/api/v1/accounts', { extension: ext, username: user, displayName: user });
      expect(r.status).toBe(201);
      pw[ext] = r.body.password;
    }
    const alice = await registeredPhone(t, phones, '201', pw['201']!);
    const bob = await registeredPhone(t, phones, '202', pw['202']!);
    const call = await establishCall(alice, bob, '202', t.config.domain);
    const cut = disconnected(alice);
    const ended = terminated(call.incoming);
    const t0 = performance.now();
    const r = await api.call('POST', '/api/v1/accounts/201/disable');
    const [tc] = await Promise.all([cut, ended]);
    console.log(`[revocation:postgres] WebSocket closed ${(tc - t0).toFixed(1)} ms after the API call`);
    expect(r.body.live).toMatchObject({ registrations: 'ok', websockets: 'ok', calls: 'ok', turn: 'ok' });
    expect(tc - t0).toBeLessThan(1000);

    const again = await phoneFor(t, '201', pw['201']!);
    phones.push(again);
    expect(await again.register()).toBe(403);
    expect((await api.call('POST', '/api/v1/accounts/201/enable')).status).toBe(200);
    await registeredPhone(t, phones, '201', pw['201']!);
  });
});
