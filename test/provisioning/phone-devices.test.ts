import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeQrPng } from '../support/qr-decode.ts';
import { startHarness, type Harness } from '../admin-api/harness.ts';

/**
 * "Add a phone" from the softphone (issue 16): /api/v1/phone/devices with the staff member's
 * own session token, through the real admin service (Fastify inject, SQLite, real TURN store).
 * Attacks: another staff member's device id, a disabled account's token, no token.
 */
let h: Harness;
const PW = 'correct horse battery staple 7';

async function staff(ext: string, username: string): Promise<string> {
  const r = await h.call('POST', '/api/v1/accounts', { body: { extension: ext, username, displayName: `User ${ext}`, password: PW } });
  expect(r.statusCode, r.body).toBe(201);
  const login = await h.call('POST', '/api/v1/phone/login', { token: null, body: { extension: ext, password: PW } });
  expect(login.statusCode, login.body).toBe(200);
  return login.json().token as string;
}
const fetchXml = (url: string) => h.app.inject({ method: 'GET', url: new URL(url).pathname });

describe('staff self-service provisioning links', () => {
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    h = await startHarness(null);
    alice = await staff('201', 'alice');
    bob = await staff('202', 'bob');
  }, 60_000);
  afterAll(async () => h?.close());

  it('creates my device: link once, QR decodes to it, XML 200, no-store, audited with me as actor', async () => {
    const r = await h.call('POST', '/api/v1/phone/devices', { token: alice, body: { label: 'my Pixel' } });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.headers['cache-control']).toBe('no-store');
    const body = r.json() as { device: { id: number; extension: string; status: string }; url: string; qrPng: string };
    expect(body.device).toMatchObject({ extension: '201', status: 'active' });
    expect(decodeQrPng(body.qrPng)).toBe(body.url);
    expect((await fetchXml(body.url)).statusCode).toBe(200);
    const list = await h.call('GET', '/api/v1/phone/devices', { token: alice });
    expect(list.headers['cache-control']).toBe('no-store');
    expect(list.json().items.map((d: { id: number }) => d.id)).toEqual([body.device.id]);
    expect(list.body).not.toContain(new URL(body.url).pathname.split('/').pop()!);
    const rows = (await h.call('GET', '/api/v1/audit?target=201')).json().items as Array<{ actor: string; action: string; detail: Record<string, unknown> }>;
    expect(rows.find((x) => x.action === 'device.create')).toMatchObject({ actor: 'staff:201', detail: { device: body.device.id, by: 'self' } });
  });

  it("cannot see or revoke another staff member's device (404, device still works); positive control: the owner can", async () => {
    const b = (await h.call('POST', '/api/v1/phone/devices', { token: bob, body: { label: 'bob phone' } })).json() as { device: { id: number }; url: string };
    expect((await h.call('GET', '/api/v1/phone/devices', { token: alice })).json().items.map((d: { id: number }) => d.id)).not.toContain(b.device.id);
    const attack = await h.call('DELETE', `/api/v1/phone/devices/${b.device.id}`, { token: alice });
    expect(attack.statusCode).toBe(404);
    expect(attack.json().code).toBe('SUSURRO_API_NOT_FOUND');
    expect((await fetchXml(b.url)).statusCode).toBe(200);
    // same device, its owner: revoked, URL 403, audited
    const own = await h.call('DELETE', `/api/v1/phone/devices/${b.device.id}`, { token: bob });
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json().device.status).toBe('revoked');
    expect((await fetchXml(b.url)).statusCode).toBe(403);
    // the device's TURN credential survived the attack and was cut only by its owner's revoke
    const rows = (await h.call('GET', '/api/v1/audit?target=202')).json().items as Array<{ actor: string; action: string; detail: Record<string, unknown> }>;
    expect(rows.find((x) => x.action === 'device.revoke')).toMatchObject({ actor: 'staff:202', detail: { turnCredentials: 1, alreadyRevoked: false } });
  });

  it('no token → 401; a disabled account’s session token is refused', async () => {
    expect((await h.call('GET', '/api/v1/phone/devices', { token: null })).statusCode).toBe(401);
    const carol = await staff('203', 'carol');
    expect((await h.call('GET', '/api/v1/phone/devices', { token: carol })).statusCode).toBe(200); // positive control
    expect((await h.call('POST', '/api/v1/accounts/203/disable')).statusCode).toBe(200);
    const r = await h.call('POST', '/api/v1/phone/devices', { token: carol, body: { label: 'x' } });
    expect(r.statusCode).toBe(401);
    expect((await h.db.all("SELECT id FROM susurro_provisioning_token WHERE label = 'x'")).length).toBe(0);
  });

  it('schema-first: an unknown field or a control character in the label is refused (400)', async () => {
    for (const body of [{ label: 'a', ttlDays: 365 }, { label: 'a\u0007' }, {}]) {
      expect((await h.call('POST', '/api/v1/phone/devices', { token: alice, body })).statusCode).toBe(400);
    }
  });
});
