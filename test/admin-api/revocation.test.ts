import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { RawSipConnection, rawRegister, type Phone } from '../support/sip-client.ts';
import { TurnUdpClient } from '../support/turn-client.ts';
import { adminApiFor, disconnected, establishCall, phoneFor, registeredPhone as registeredPhoneOn, terminated, type Api } from './live-rig.ts';

/**
 * Revocation against the REAL stack (Kamailio + coturn + the admin API over HTTPS):
 * a sip.js phone registered over WSS and in a call is cut off after revoke, its
 * peer's call ends, and re-registering is refused with 403.
 */
let t: TestStack;
let api: Api;
const phones: Phone[] = [];
const turnClients: TurnUdpClient[] = [];

beforeAll(async () => {
  t = await startTestStack();
  api = await adminApiFor(t);
});
afterAll(async () => {
  for (const p of phones) await p.stop().catch(() => {});
  for (const c of turnClients) c.close();
  await t?.stop();
});

async function account(ext: string, username: string): Promise<string> {
  const r = await api.call('POST', '/api/v1/accounts', { extension: ext, username, displayName: username });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.password;
}

const registeredPhone = (ext: string, password: string) => registeredPhoneOn(t, phones, ext, password);

describe('revoking an account with a live call', () => {
  it('closes its WebSocket, ends the call for the peer, removes the registration; re-register gets 403', async () => {
    const alicePw = await account('201', 'alice');
    const bobPw = await account('202', 'bob');
    const alice = await registeredPhone('201', alicePw);
    const bob = await registeredPhone('202', bobPw);
    const call = await establishCall(alice, bob, '202', t.config.domain);
    expect(JSON.stringify(await t.stack.rpc.call('dlg.list'))).toContain(call.incoming.request.callId);

    const aliceCut = disconnected(alice);
    const bobHungUp = terminated(call.incoming);
    const t0 = performance.now();
    const r = await api.call('POST', '/api/v1/accounts/201/disable');
    const tApi = performance.now();
    const [tCut, tPeer] = await Promise.all([aliceCut, bobHungUp]);
    console.log(
      `[revocation] API returned after ${(tApi - t0).toFixed(1)} ms; alice's WebSocket closed after ${(tCut - t0).toFixed(1)} ms; ` +
        `bob's call ended after ${(tPeer - t0).toFixed(1)} ms`,
    );

    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.disabled).toBe(true);
    expect(r.body.live).toMatchObject({ registrations: 'ok', websockets: 'ok', calls: 'ok', turn: 'ok' });
    expect(r.body.live.counts.calls).toBe(1);
    expect(r.body.live.counts.websockets).toBeGreaterThanOrEqual(1);
    expect(tCut - t0).toBeLessThan(1000);
    expect(tPeer - t0).toBeLessThan(1000);

    // Registration gone from usrloc, dialog gone, bob still registered and connected.
    await expect(t.stack.rpc.call('ul.lookup', ['location', `201@${t.config.domain}`])).rejects.toThrow();
    expect(JSON.stringify(await t.stack.rpc.call('dlg.list'))).not.toContain(call.incoming.request.callId);
    expect(JSON.stringify(await t.stack.rpc.call('ul.lookup', ['location', `202@${t.config.domain}`]))).toContain('202');

    // Re-registering with the (correct) old password: refused.
    const again = await phoneFor(t, '201', alicePw);
    phones.push(again);
    expect(await again.register()).toBe(403);

    // Softphone API agrees: no login, no TURN credentials.
    const login = await api.call('POST', '/api/v1/phone/login', { extension: '201', password: alicePw });
    expect([login.status, login.body.code]).toEqual([403, 'SUSURRO_API_ACCOUNT_DISABLED']);

    // Re-enable: the same password registers again.
    expect((await api.call('POST', '/api/v1/accounts/201/enable')).status).toBe(200);
    await registeredPhone('201', alicePw);
  });

  it('revoking an account that is offline succeeds with every live action ok', async () => {
    await account('203', 'carol');
    const r = await api.call('POST', '/api/v1/accounts/203/disable');
    expect(r.status).toBe(200);
    expect(r.body.live).toMatchObject({ registrations: 'ok', websockets: 'ok', calls: 'ok', turn: 'ok' });
    expect(r.body.live.counts).toMatchObject({ websockets: 0, calls: 0 });
  });

  it('cancels the TURN allocation made with credentials from the phone API, and mints no new ones', async () => {
    const pw = await account('204', 'dave');
    const login = await api.call('POST', '/api/v1/phone/login', { extension: '204', password: pw });
    expect(login.status).toBe(200);
    const { username, credential } = login.body.turn;
    const relay = await TurnUdpClient.open('127.0.0.1', t.config.ports.turn);
    turnClients.push(relay);
    expect((await relay.allocate(username, credential)).status).toBe(200);
    expect(await relay.refresh()).toBe(200);
    const phoneToken = login.body.token as string;
    expect((await api.call('POST', '/api/v1/phone/turn-credentials', undefined, phoneToken)).status).toBe(200);

    const r = await api.call('POST', '/api/v1/accounts/204/disable');
    expect(r.body.live.turn).toBe('ok');
    expect(r.body.live.counts.turn).toBe(1);
    // the allocation is cancelled and its credential deleted: coturn answers 401 (credential
    // checked first, RFC 8489 §9.2.4) where it answered 437 while the credential still existed
    expect(await relay.refresh()).toBe(401);
    expect(await t.stack.turnCli.listSessions('204')).toEqual([]);
    const fresh = await api.call('POST', '/api/v1/phone/turn-credentials', undefined, phoneToken);
    expect([fresh.status, fresh.body.code]).toEqual([401, 'SUSURRO_API_TOKEN_INVALID']);
  });

  it('a native SIP/TLS client loses its registration; its idle connection is reported, and it cannot register again', async () => {
    const pw = await account('205', 'erin');
    const conn = await RawSipConnection.openTls({ host: '127.0.0.1', port: t.config.ports.sipTls, ca: t.caPem });
    try {
      expect((await rawRegister(conn, { ext: '205', domain: t.config.domain, password: pw })).status).toBe(200);
      const r = await api.call('POST', '/api/v1/accounts/205/disable');
      expect(r.body.live).toMatchObject({ registrations: 'ok', websockets: 'ok', calls: 'ok', turn: 'ok' });
      expect(r.body.live.counts).toMatchObject({ websockets: 0, sipTlsLeftOpen: 1 });
      await expect(t.stack.rpc.call('ul.lookup', ['location', `205@${t.config.domain}`])).rejects.toThrow();
      // Same connection, right password: refused.
      expect((await rawRegister(conn, { ext: '205', domain: t.config.domain, password: pw })).status).toBe(403);
    } finally {
      conn.close();
    }
  });

  it('a phone that never registered but is in a call is cut off too (found through its dialog)', async () => {
    const pw = await account('206', 'fay');
    const peerPw = await account('207', 'gus');
    const fay = await phoneFor(t, '206', pw); // no REGISTER: INVITE only (proxy-authenticated)
    phones.push(fay);
    const gus = await registeredPhone('207', peerPw);
    const call = await establishCall(fay, gus, '207', t.config.domain);
    const cut = disconnected(fay);
    const ended = terminated(call.incoming);
    const r = await api.call('POST', '/api/v1/accounts/206/disable');
    expect(r.body.live).toMatchObject({ registrations: 'ok', websockets: 'ok', calls: 'ok' });
    expect(r.body.live.counts).toMatchObject({ registrations: 0, websockets: 1, calls: 1 });
    await Promise.all([cut, ended]);
  });

  // Folded in from the deleted src/signaling/revocation.ts helpers' test: the callee side, idempotency.
  it('revoking the callee ends the call on both sides; a second revoke finds nothing and is ok; the caller is untouched', async () => {
    const callerPw = await account('208', 'hal');
    const calleePw = await account('209', 'ivy');
    const caller = await registeredPhone('208', callerPw);
    const callee = await registeredPhone('209', calleePw);
    const call = await establishCall(caller, callee, '209', t.config.domain);
    const bothEnded = Promise.all([terminated(call.incoming), terminated(call.outgoing)]);
    const r = await api.call('POST', '/api/v1/accounts/209/disable');
    expect(r.body.live).toMatchObject({ registrations: 'ok', websockets: 'ok', calls: 'ok', turn: 'ok' });
    expect(r.body.live.counts).toMatchObject({ calls: 1, websockets: 1 });
    await Promise.race([bothEnded, new Promise((_, reject) => setTimeout(() => reject(new Error('BYE not received by both sides')), 5_000))]);
    const again = await api.call('POST', '/api/v1/accounts/209/disable');
    expect(again.body.live).toMatchObject({ registrations: 'ok', websockets: 'ok', calls: 'ok', turn: 'ok' });
    expect(again.body.live.counts).toMatchObject({ registrations: 0, websockets: 0, calls: 0 });
    expect(JSON.stringify(await t.stack.rpc.call('ul.lookup', ['location', `208@${t.config.domain}`]))).toContain('208');
  });
});
