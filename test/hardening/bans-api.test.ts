/**
 * Issue #7 "Brute force": N failed digest authentications from one source → that source is banned
 * (Kamailio htable), the ban is visible through the admin API (list, lift) and legitimate users
 * from other sources are unaffected. Real Kamailio, real admin API over HTTPS. Two SIP sources on
 * loopback: 127.0.0.2 (the attacker) and 127.0.0.1 (a colleague).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHtableDump } from '../../src/admin-api/bans.ts';
import { createAccountRow } from '../../src/db/index.ts';
import { adminApiFor, type Api } from '../admin-api/live-rig.ts';
import { buildRequest, rawRegister, type RawSipConnection } from '../support/sip-client.ts';
import { openSipTls, startTestStack, type TestStack } from '../support/stack.ts';

const ATTACKER = '127.0.0.2';
const COLLEAGUE = '127.0.0.1';
const FAILS_MAX = 3;

let t: TestStack;
let api: Api;
const conns: RawSipConnection[] = [];

beforeAll(async () => {
  t = await startTestStack({ antiflood: { enabled: true, authFailsMax: FAILS_MAX, banSeconds: 120 } }, { kamailio: { antifloodLoopback: true } });
  await createAccountRow(t.stack.db, { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1', domain: t.config.domain });
  await createAccountRow(t.stack.db, { extension: '202', username: 'bob', displayName: 'Bob', password: 'bob-secret-22', domain: t.config.domain });
  api = await adminApiFor(t);
}, 60_000);
afterAll(async () => {
  for (const c of conns) c.close();
  await t?.stop();
});

async function tlsFrom(localAddress: string) {
  const c = await openSipTls(t, conns, localAddress);
  expect(c.localHost).toBe(localAddress);
  return c;
}

describe('SIP bans through the admin API', () => {
  it('needs an administrator', async () => {
    const r = await api.call('GET', '/api/v1/bans', undefined, 'not-a-token');
    expect(r.status).toBe(401);
    expect(['SUSURRO_API_UNAUTHENTICATED', 'SUSURRO_API_TOKEN_INVALID']).toContain(r.body.code);
  });

  it('lists nothing before any failure', async () => {
    const r = await api.call('GET', '/api/v1/bans');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ banSeconds: 120, authFailsMax: FAILS_MAX, bans: [] });
  });

  it(`${FAILS_MAX} failed authentications ban the source; the ban is listed; other sources are unaffected`, async () => {
    const attacker = await tlsFrom(ATTACKER);
    for (let i = 0; i < FAILS_MAX; i++) {
      const r = await rawRegister(attacker, { ext: '201', domain: t.config.domain, password: `guess-${i}` });
      expect(r.status).toBe(403);
    }
    // banned: even the right password is dropped without an answer, on a new connection too
    await expect(rawRegister(await tlsFrom(ATTACKER), { ext: '201', domain: t.config.domain, password: 'alice-secret-1' }))
      .rejects.toThrow(/no matching SIP message/);

    const list = await api.call('GET', '/api/v1/bans');
    expect(list.status).toBe(200);
    expect(list.body.bans).toEqual([{ ip: ATTACKER, failedAuthentications: FAILS_MAX }]);

    // a colleague on another source registers as usual, and one typo does not ban them
    const colleague = await tlsFrom(COLLEAGUE);
    expect((await rawRegister(colleague, { ext: '202', domain: t.config.domain, password: 'typo' })).status).toBe(403);
    expect((await rawRegister(colleague, { ext: '202', domain: t.config.domain, password: 'bob-secret-22' })).status).toBe(200);
    expect((await api.call('GET', '/api/v1/bans')).body.bans.map((b: { ip: string }) => b.ip)).toEqual([ATTACKER]);
  });

  it('validates the address and answers 404 for a source that is not banned', async () => {
    expect((await api.call('DELETE', '/api/v1/bans/not-an-ip')).status).toBe(400);
    expect((await api.call('DELETE', '/api/v1/bans/1.2.3.4.5')).status).toBe(400);
    const r = await api.call('DELETE', `/api/v1/bans/${COLLEAGUE}`);
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('SUSURRO_API_NOT_FOUND');
  });

  it('lifting the ban lets the source register again, forgets its failures, and is audited', async () => {
    const r = await api.call('DELETE', `/api/v1/bans/${ATTACKER}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ lifted: ATTACKER });
    expect((await api.call('GET', '/api/v1/bans')).body.bans).toEqual([]);

    const again = await tlsFrom(ATTACKER);
    expect((await rawRegister(again, { ext: '201', domain: t.config.domain, password: 'alice-secret-1' })).status).toBe(200);
    // the counter was reset: one more failure does not re-ban at once
    expect((await rawRegister(again, { ext: '201', domain: t.config.domain, password: 'one-typo' })).status).toBe(403);
    expect((await rawRegister(again, { ext: '201', domain: t.config.domain, password: 'alice-secret-1' })).status).toBe(200);

    const audit = await api.call('GET', `/api/v1/audit?action=ban.lift&target=${ATTACKER}`);
    expect(audit.status).toBe(200);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({ action: 'ban.lift', target: ATTACKER, outcome: 'ok', actor: t.stack.firstAdmin?.username });
  });

});

describe('flood (pike) bans through the admin API', () => {
  const FLOODER = '127.0.0.3';
  it('a source sending far more than 32 requests in 2 s is banned and listed (no auth failures); others are unaffected', async () => {
    const flooder = await tlsFrom(FLOODER);
    const options = (i: number) => buildRequest({
      method: 'OPTIONS', ruri: `sip:${t.config.domain}`, from: `sip:999@${t.config.domain}`, to: `sip:${t.config.domain}`,
      callId: `flood-${i}`, cseq: 1, transport: 'TLS', localHost: flooder.localHost, localPort: flooder.localPort, userAgent: 'flooder',
    });
    const first = await flooder.request(options(0), 2_000);
    expect(first.status).toBeGreaterThanOrEqual(200);
    for (let i = 1; i <= 80; i++) flooder.send(options(i)); // one burst, well above the pike density
    await new Promise((r) => setTimeout(r, 500));
    await expect(flooder.request(options(1000), 1_500)).rejects.toThrow(/no matching SIP message/);

    const bans = (await api.call('GET', '/api/v1/bans')).body.bans as { ip: string; failedAuthentications: number | null }[];
    expect(bans).toContainEqual({ ip: FLOODER, failedAuthentications: null });
    expect(bans.map((b) => b.ip)).not.toContain(COLLEAGUE);
    const colleague = await tlsFrom(COLLEAGUE);
    expect((await rawRegister(colleague, { ext: '202', domain: t.config.domain, password: 'bob-secret-22' })).status).toBe(200);

    expect((await api.call('DELETE', `/api/v1/bans/${FLOODER}`)).status).toBe(200);
  });
});

describe('parseHtableDump (the shape of Kamailio 5.6 htable.dump)', () => {
  it('reads names and values across buckets', () => {
    const m = parseHtableDump([
      { entry: 3, size: 1, slot: [{ name: '10.0.0.1', value: 1, type: 'int' }] },
      { entry: 5, size: 2, slot: [{ name: '10.0.0.2', value: 4, type: 'int' }, { name: '::1', value: 'x', type: 'str' }] },
    ]);
    expect([...m]).toEqual([['10.0.0.1', 1], ['10.0.0.2', 4], ['::1', 'x']]);
  });
  it('an empty table is empty; an unknown shape is refused rather than read as "no bans"', () => {
    expect(parseHtableDump([]).size).toBe(0);
    expect(() => parseHtableDump({ bans: [] })).toThrow(TypeError);
    expect(() => parseHtableDump([{ slot: [{ value: 1 }] }])).toThrow(TypeError);
    expect(() => parseHtableDump([{ slot: 'x' }])).toThrow(TypeError);
  });
});
