import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeQrPng } from '../support/qr-decode.ts';
import { tokenHash } from '../../src/admin-api/services/tokens.ts';
import { startHarness, turnRows, type Harness } from '../admin-api/harness.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';

/**
 * Provisioning links (issue 16) through the real admin service (Fastify inject, SQLite,
 * the real TURN credential store): lifecycle, authorisation, expiry, audit, hashed storage —
 * on SQLite and on a private PostgreSQL cluster (the migration runs on both).
 */
let h: Harness;
let pg: TestPostgres | undefined;
const DAY = 86_400_000;

async function account(ext: string, username: string) {
  const r = await h.call('POST', '/api/v1/accounts', { body: { extension: ext, username, displayName: `User ${ext}` } });
  expect(r.statusCode).toBe(201);
}
async function addPhone(ext: string, body: object = { label: 'Pixel' }) {
  const r = await h.call('POST', `/api/v1/accounts/${ext}/devices`, { body });
  expect(r.statusCode, r.body).toBe(201);
  return r.json() as { device: { id: number; status: string; expiresAt: string }; url: string; qrPng: string };
}
const tokenOf = (url: string) => new URL(url).pathname.split('/').pop()!;
const fetchXml = (url: string) => h.app.inject({ method: 'GET', url: new URL(url).pathname });
function entry(xml: string, section: string, name: string): string | undefined {
  const sec = new RegExp(`<section name="${section}">([\\s\\S]*?)</section>`).exec(xml)?.[1] ?? '';
  return new RegExp(`<entry name="${name}" overwrite="true">([^<]*)</entry>`).exec(sec)?.[1];
}

describe.each(['sqlite', 'postgres'] as const)('provisioning links on %s', (backend) => {
  beforeAll(async () => {
    if (backend === 'postgres') pg = await startTestPostgres('susurro_devices');
    h = await startHarness(backend === 'postgres' ? () => pg!.url : null);
    await account('201', 'alice');
    await account('202', 'bob');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await pg?.stop();
  });

  it('create returns the URL once, a QR code that decodes to it, and stores only the hash', async () => {
    const r = await addPhone('201');
    expect(r.url).toMatch(new RegExp(`^https://${h.config.publicHost}:${h.config.ports.admin}/provisioning/[A-Za-z0-9_-]{43}$`));
    expect(r.device.status).toBe('active');
    // default expiry: 30 days (docs/native-phones.md)
    expect(Date.parse(r.device.expiresAt) - h.clock.now).toBe(30 * DAY);
    expect(decodeQrPng(r.qrPng)).toBe(r.url);

    const token = tokenOf(r.url);
    const rows = await h.db.all<Record<string, unknown>>('SELECT * FROM susurro_provisioning_token');
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(token);
    expect(rows.some((row) => row['token_hash'] === tokenHash(token))).toBe(true);
    // the list never shows the token or its hash
    const list = await h.call('GET', '/api/v1/accounts/201/devices');
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(token);
    expect(list.body).not.toContain(tokenHash(token));
    expect(list.json().items.map((d: { id: number }) => d.id)).toContain(r.device.id);
  });

  it('the token alone fetches exactly that device’s Linphone config, with a fresh TURN credential', async () => {
    const r = await addPhone('202', { label: 'desk', ttlDays: 2 });
    const res = await fetchXml(r.url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/xml/);
    expect(res.headers['cache-control']).toBe('no-store');
    const xml = res.body;
    expect(xml.startsWith('<?xml')).toBe(true);
    expect(xml).toContain('<config xmlns="http://www.linphone.org/xsds/lpconfig.xsd">');
    expect(entry(xml, 'proxy_0', 'reg_identity')).toBe(`&quot;User 202&quot; &lt;sip:202@${h.config.domain}&gt;`);
    expect(entry(xml, 'proxy_0', 'reg_proxy')).toBe(`&lt;sip:${h.config.publicHost}:${h.config.ports.sipTls};transport=tls&gt;`);
    expect(entry(xml, 'sip', 'media_encryption')).toBe('zrtp');
    expect(entry(xml, 'sip', 'media_encryption_mandatory')).toBe('1');
    expect(entry(xml, 'misc', 'config-uri')).toBe(r.url);
    const ha1 = (await h.db.get<{ ha1: string }>("SELECT ha1 FROM susurro_account WHERE extension = '202'"))!.ha1;
    expect(entry(xml, 'auth_info_0', 'ha1')).toBe(ha1);
    expect(entry(xml, 'auth_info_0', 'username')).toBe('202');
    expect(xml).not.toContain('201'); // nothing of another account
    const turnUser = entry(xml, 'nat_policy_0', 'stun_server_username')!;
    expect(entry(xml, 'auth_info_1', 'username')).toBe(turnUser);
    expect(turnRows(h, turnUser)).toEqual([
      expect.objectContaining({ account: '202', scope: `device:${r.device.id}`, expires_at: Math.floor(h.clock.now / 1000) + 7 * 24 * 3600 }),
    ]);
    // a re-fetch replaces the device's TURN credential
    const again = await fetchXml(r.url);
    const turnUser2 = entry(again.body, 'nat_policy_0', 'stun_server_username')!;
    expect(turnUser2).not.toBe(turnUser);
    expect(turnRows(h, turnUser)).toEqual([]);
    expect(turnRows(h, turnUser2)).toHaveLength(1);
    const listed = (await h.call('GET', '/api/v1/accounts/202/devices')).json().items.find((d: { id: number }) => d.id === r.device.id);
    expect(listed.lastFetchedAt).toBe(new Date(h.clock.now).toISOString());
  });

  it('revoking the device: URL 403, its TURN credential deleted, other devices unaffected, audited', async () => {
    const a = await addPhone('201', { label: 'lost phone' });
    const b = await addPhone('201', { label: 'laptop' });
    const turnA = entry((await fetchXml(a.url)).body, 'nat_policy_0', 'stun_server_username')!;
    const turnB = entry((await fetchXml(b.url)).body, 'nat_policy_0', 'stun_server_username')!;
    const rev = await h.call('DELETE', `/api/v1/devices/${a.device.id}`);
    expect(rev.statusCode).toBe(200);
    expect(rev.json().device.status).toBe('revoked');
    // no coturn control channel in this harness: the live cancel is reported, never hidden
    expect(rev.json().turn).toBe('failed: no coturn control channel');
    const denied = await fetchXml(a.url);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('SUSURRO_API_PROVISIONING_DENIED');
    expect(turnRows(h, turnA)).toEqual([]);
    // positive control: the sibling device still works
    expect(turnRows(h, turnB)).toHaveLength(1);
    expect((await fetchXml(b.url)).statusCode).toBe(200);
    const auditRows = (await h.call('GET', '/api/v1/audit?target=201')).json().items as Array<{ action: string; detail: Record<string, unknown> }>;
    expect(auditRows.map((x) => x.action)).toEqual(expect.arrayContaining(['device.create', 'device.revoke']));
    expect(auditRows.find((x) => x.action === 'device.revoke')!.detail).toMatchObject({ device: a.device.id, turnCredentials: 1 });
    expect(JSON.stringify(auditRows)).not.toContain(tokenOf(a.url));
  });

  it('expiry: the link answers 403 once expired', async () => {
    const r = await addPhone('201', { label: 'short', ttlDays: 1 });
    const start = h.clock.now;
    h.clock.now += DAY - 1000;
    expect((await fetchXml(r.url)).statusCode).toBe(200);
    h.clock.now += 1000;
    expect((await fetchXml(r.url)).statusCode).toBe(403);
    const relogin = await h.call('POST', '/api/v1/admin/login', { token: null, body: h.first }); // the 8 h admin session expired too
    const d = (await h.call('GET', '/api/v1/accounts/201/devices', { token: relogin.json().token })).json().items.find((x: { id: number }) => x.id === r.device.id);
    expect(d.status).toBe('expired');
    h.clock.now = start;
    h.adminToken = relogin.json().token;
  });

  it('disabling the account stops every device; enabling restores them', async () => {
    await account('203', 'carol');
    const r = await addPhone('203');
    const first = await fetchXml(r.url);
    expect(first.statusCode).toBe(200);
    const turnUser = entry(first.body, 'nat_policy_0', 'stun_server_username')!;
    expect(turnRows(h, turnUser)).toHaveLength(1);
    expect((await h.call('POST', '/api/v1/accounts/203/disable')).statusCode).toBe(200);
    expect((await fetchXml(r.url)).statusCode).toBe(403);
    expect(turnRows(h, turnUser)).toEqual([]); // the device's relay credential went with the account
    const cannotAdd = await h.call('POST', '/api/v1/accounts/203/devices', { body: { label: 'x' } });
    expect(cannotAdd.statusCode).toBe(403);
    expect(cannotAdd.json().code).toBe('SUSURRO_API_ACCOUNT_DISABLED');
    expect((await h.call('POST', '/api/v1/accounts/203/enable')).statusCode).toBe(200);
    expect((await fetchXml(r.url)).statusCode).toBe(200);
  });

  it('authorisation: admin routes need an admin session; phone tokens and provisioning tokens do not count', async () => {
    const r = await addPhone('201');
    for (const token of [null, tokenOf(r.url)]) {
      expect((await h.call('GET', '/api/v1/accounts/201/devices', { token })).statusCode).toBe(401);
      expect((await h.call('POST', '/api/v1/accounts/201/devices', { token, body: { label: 'x' } })).statusCode).toBe(401);
      expect((await h.call('DELETE', `/api/v1/devices/${r.device.id}`, { token })).statusCode).toBe(401);
    }
    const login = await h.app.inject({ method: 'POST', url: '/api/v1/accounts/201/reset-password', headers: { authorization: `Bearer ${h.adminToken}` } });
    const password = login.json().password as string;
    const phone = await h.app.inject({ method: 'POST', url: '/api/v1/phone/login', payload: { extension: '201', password } });
    expect(phone.statusCode).toBe(200);
    expect((await h.call('GET', '/api/v1/accounts/201/devices', { token: phone.json().token })).statusCode).toBe(401);
    // unknown and malformed tokens: one answer, no oracle
    expect((await h.app.inject({ method: 'GET', url: `/provisioning/${'A'.repeat(43)}` })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: '/provisioning/short' })).statusCode).toBe(400);
    // validation: unknown fields and out-of-range expiry refused
    expect((await h.call('POST', '/api/v1/accounts/201/devices', { body: { label: 'x', ttlDays: 366 } })).statusCode).toBe(400);
    expect((await h.call('POST', '/api/v1/accounts/201/devices', { body: { label: 'x', extra: 1 } })).statusCode).toBe(400);
    expect((await h.call('POST', '/api/v1/accounts/299/devices', { body: { label: 'x' } })).statusCode).toBe(404);
  });
});
