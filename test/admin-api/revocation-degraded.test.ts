import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KamailioRpc } from '../../src/signaling/index.ts';
import { TurnCli } from '../../src/media-relay/index.ts';
import { freePorts } from '../support/ports.ts';
import { startHarness, type Harness } from './harness.ts';

/**
 * Kamailio and coturn unreachable (real clients pointed at closed loopback ports):
 * revocation still disables the account at once, and the answer names every live
 * action that failed — no silent partial revocation. And a database that went away
 * gives 503, not 500.
 */
let h: Harness;
beforeAll(async () => {
  const [rpcPort, cliPort] = (await freePorts(2)) as [number, number];
  h = await startHarness(null, {
    deps: {
      rpc: new KamailioRpc(`http://127.0.0.1:${rpcPort}/RPC`, { token: 'unused-token-0123456789', timeoutMs: 500 }),
      turnCli: new TurnCli(cliPort, 'unused-password', { timeoutMs: 500 }),
    },
  });
});
afterAll(async () => {
  await h?.close();
});

describe('revocation while Kamailio and coturn are down', () => {
  it('disables in the database and reports each failed live action', async () => {
    const created = await h.call('POST', '/api/v1/accounts', { body: { extension: '201', username: 'alice', displayName: 'Alice' } });
    const password = created.json().password as string;
    const t0 = Date.now();
    const r = await h.call('POST', '/api/v1/accounts/201/disable');
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(r.statusCode).toBe(200);
    const { live, account, disabled } = r.json();
    expect([disabled, account.status]).toEqual([true, 'disabled']);
    for (const k of ['registrations', 'websockets', 'calls']) expect(live[k]).toMatch(/^failed: .*(ECONNREFUSED|connect|fetch failed)/i);
    expect(live.turn).toMatch(/^failed: /);
    expect(await h.db.get('SELECT id FROM subscriber WHERE username = ?', ['201'])).toBeUndefined();
    const login = await h.call('POST', '/api/v1/phone/login', { token: null, body: { extension: '201', password } });
    expect(login.statusCode).toBe(403);
    const audit = (await h.call('GET', '/api/v1/audit?action=account.disable')).json().items[0];
    expect(audit.outcome).toBe('partial');
    expect(audit.detail.registrations).toMatch(/^failed: /);
  });

  it('a database that went away answers 503 SUSURRO_API_UNAVAILABLE, not 500', async () => {
    const other = await startHarness(null);
    try {
      await other.db.close();
      const r = await other.call('GET', '/api/v1/accounts');
      expect([r.statusCode, r.json().code]).toEqual([503, 'SUSURRO_API_UNAVAILABLE']);
      const health = await other.call('GET', '/health', { token: null });
      expect(health.statusCode).toBe(503);
    } finally {
      await other.app.close();
      rmSync(other.dir, { recursive: true, force: true });
    }
  });
});
