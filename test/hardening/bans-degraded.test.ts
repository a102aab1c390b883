/**
 * The bans API when Kamailio cannot be asked: a real KamailioRpc pointed at a closed loopback
 * port, and an app built without RPC. Both answer 503 SUSURRO_API_UNAVAILABLE with a message —
 * an unreadable ban list must not look like "no bans" — and nothing is audited as lifted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KamailioRpc } from '../../src/signaling/index.ts';
import { startHarness, type Harness } from '../admin-api/harness.ts';
import { freePort } from '../support/ports.ts';

let down: Harness;
let none: Harness;

beforeAll(async () => {
  const port = await freePort();
  down = await startHarness(null, { deps: { rpc: new KamailioRpc(`http://127.0.0.1:${port}/RPC`, { token: 'unused-token-0123456789', timeoutMs: 500 }) } });
  none = await startHarness(null, { deps: { rpc: null } });
});
afterAll(async () => {
  await down?.close();
  await none?.close();
});

describe('bans API without a reachable Kamailio', () => {
  it('GET /api/v1/bans answers 503 with a message, not an empty list', async () => {
    for (const h of [down, none]) {
      const r = await h.call('GET', '/api/v1/bans');
      expect(r.statusCode).toBe(503);
      expect(r.json()).toMatchObject({ code: 'SUSURRO_API_UNAVAILABLE', message: expect.stringMatching(/Kamailio/) });
    }
  });

  it('DELETE /api/v1/bans/:ip answers 503 and audits nothing', async () => {
    const r = await down.call('DELETE', '/api/v1/bans/10.1.2.3');
    expect(r.statusCode).toBe(503);
    expect(r.json().code).toBe('SUSURRO_API_UNAVAILABLE');
    const audit = await down.call('GET', '/api/v1/audit?action=ban.lift');
    expect(audit.json().items).toEqual([]);
  });

  it('still requires an administrator first (401 before any Kamailio call)', async () => {
    const r = await down.call('GET', '/api/v1/bans', { token: null });
    expect(r.statusCode).toBe(401);
  });
});
