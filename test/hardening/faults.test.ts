/**
 * Issue #7 "Faults", with the real stack (Kamailio, coturn, SQLite, admin API over HTTPS):
 *  - kill -9 of Kamailio during a call: the supervisor restarts it (new PID); the media path,
 *    which never traverses Kamailio, keeps flowing (a relayed UDP flow between two TURN
 *    allocations, standing in for the call's relay/relay ICE pair); the phones reconnect their
 *    WebSocket, register again and can place a new call;
 *  - kill -9 of coturn: the relayed flow stops, the supervisor restarts coturn, a new allocation
 *    relays again;
 *  - the database read-only (SQLite query_only): 503, nothing written;
 *  - the database locked by another writer (a long EXCLUSIVE transaction from a second
 *    node:sqlite connection): the admin API answers 503 with a message, nothing is
 *    half-written, and the same request succeeds once the lock is gone.
 */
import { DatabaseSync } from 'node:sqlite';
import { SessionState } from 'sip.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountRow } from '../../src/db/index.ts';
import { adminApiFor, establishCall, registeredPhone, type Api } from '../admin-api/live-rig.ts';
import type { Phone } from '../support/sip-client.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { TurnUdpClient } from '../support/turn-client.ts';
import { until } from '../support/until.ts';

let t: TestStack;
let api: Api;
const phones: Phone[] = [];
const clients: TurnUdpClient[] = [];
const timers: NodeJS.Timeout[] = [];

beforeAll(async () => {
  t = await startTestStack();
  await createAccountRow(t.stack.db, { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1', domain: t.config.domain });
  await createAccountRow(t.stack.db, { extension: '202', username: 'bob', displayName: 'Bob', password: 'bob-secret-22', domain: t.config.domain });
  api = await adminApiFor(t);
}, 60_000);
afterAll(async () => {
  for (const x of timers) clearInterval(x);
  for (const p of phones) await p.stop().catch(() => {});
  for (const c of clients) c.close();
  await t?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Two allocations relaying to each other (A's relay → B's relay), 50 packets/s like a voice
 * stream; returns a counter of what B received.
 */
async function relayedFlow() {
  const open = async (user: string) => {
    const c = await TurnUdpClient.open('127.0.0.1', t.config.ports.turn);
    clients.push(c);
    const cred = t.stack.turnCredentials.issue({ account: user, ttlSeconds: 600 });
    const r = await c.allocate(cred.username, cred.credential);
    expect(r.status).toBe(200);
    expect(await c.createPermission('127.0.0.1')).toBe(200);
    return { c, relayed: r.relayed as { ip: string; port: number } };
  };
  const a = await open('201');
  const b = await open('202');
  let seq = 0;
  const timer = setInterval(() => {
    const frame = Buffer.alloc(160);
    frame.writeUInt32BE(seq++, 0);
    a.c.sendIndication(b.relayed.ip, b.relayed.port, frame);
  }, 20);
  timers.push(timer);
  return {
    sent: () => seq,
    received: () => b.c.dataIndications.filter((d) => d.from.port === a.relayed.port).length,
    stop: () => clearInterval(timer),
  };
}

describe('kill -9 of Kamailio during a call', () => {
  it('the supervisor restarts it; media keeps flowing meanwhile; phones re-register and call again', async () => {
    const alice = await registeredPhone(t, phones, '201', 'alice-secret-1');
    const bob = await registeredPhone(t, phones, '202', 'bob-secret-22');
    const call = await establishCall(alice, bob, '202', t.config.domain);
    const flow = await relayedFlow();
    await until('media flowing', () => flow.received() >= 10);

    const oldPid = t.stack.kamailio.pid as number;
    const [sentBefore, receivedBefore] = [flow.sent(), flow.received()];
    process.kill(oldPid, 'SIGKILL');
    // while Kamailio is down or restarting, media keeps flowing through coturn: what was sent
    // in that second arrives (timer slack on a busy machine changes how much is sent, not this)
    await sleep(1_000);
    const sentDuring = flow.sent() - sentBefore;
    await sleep(100); // packets in flight
    const receivedDuring = flow.received() - receivedBefore;
    expect(sentDuring).toBeGreaterThanOrEqual(20);
    expect(receivedDuring).toBeGreaterThanOrEqual(sentDuring * 0.95);
    await until('kamailio restarted', () => (t.stack.kamailio.pid && t.stack.kamailio.pid !== oldPid ? true : undefined));
    await until('kamailio answering JSON-RPC', async () => (await t.stack.rpc.call('core.version').then(() => true, () => undefined)));
    expect(t.stack.kamailio.restarts).toBeGreaterThanOrEqual(1);
    // the established call was not torn down by the outage on either side
    expect(call.outgoing.state).toBe(SessionState.Established);
    expect(call.incoming.state).toBe(SessionState.Established);
    const stillFlowing = flow.received();
    await sleep(400);
    expect(flow.received()).toBeGreaterThan(stillFlowing);
    flow.stop();

    // phones reconnect their WebSocket (as the softphone does) and register again
    for (const p of [alice, bob]) {
      await until('WebSocket reconnected', async () => (await p.ua.reconnect().then(() => true, () => undefined)), 10_000);
      expect(await p.register()).toBe(200);
    }
    await call.outgoing.bye().catch(() => {}); // may fail: the old dialog's connections are gone
    const again = await establishCall(bob, alice, '201', t.config.domain);
    expect(again.outgoing.state).toBe(SessionState.Established);
    await again.outgoing.bye();
  }, 60_000);
});

describe('kill -9 of coturn', () => {
  it('the relayed flow stops, the supervisor restarts coturn, a new allocation relays again', async () => {
    const flow = await relayedFlow();
    await until('media flowing', () => flow.received() >= 10);
    const oldPid = t.stack.turn.pid as number;
    process.kill(oldPid, 'SIGKILL');
    await sleep(300);
    const afterKill = flow.received();
    await sleep(1_000);
    expect(flow.received() - afterKill).toBe(0);
    flow.stop();
    await until('coturn restarted', () => (t.stack.turn.pid && t.stack.turn.pid !== oldPid ? true : undefined));
    const fresh = await until('a new allocation after the restart', async () => {
      try {
        return await relayedFlow();
      } catch {
        return undefined;
      }
    });
    await until('new media flowing', () => fresh.received() >= 10, 5_000);
    fresh.stop();
    expect(t.stack.turn.restarts).toBeGreaterThanOrEqual(1);
  }, 60_000);
});

describe('database locked by another writer', () => {
  it('the admin API answers 503 with a message; nothing is half-written; it works once unlocked', async () => {
    const file = t.config.database.url.replace(/^sqlite:/, '');
    const other = new DatabaseSync(file, { timeout: 100 });
    try {
      other.exec('BEGIN EXCLUSIVE');
      const t0 = Date.now();
      const r = await api.call('POST', '/api/v1/accounts', { extension: '203', username: 'carol', displayName: 'Carol' });
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(r.status, JSON.stringify(r.body)).toBe(503);
      expect(r.body.code).toBe('SUSURRO_API_UNAVAILABLE');
      expect(r.body.message).toMatch(/database/i);
    } finally {
      if (other.isTransaction) other.exec('ROLLBACK');
      other.close();
    }
    // nothing half-written: neither the project row nor Kamailio's subscriber row exists
    expect(await t.stack.db.get('SELECT extension FROM susurro_account WHERE extension = ?', ['203'])).toBeUndefined();
    expect(await t.stack.db.get('SELECT username FROM subscriber WHERE username = ?', ['203'])).toBeUndefined();
    // and the same request succeeds afterwards
    const ok = await api.call('POST', '/api/v1/accounts', { extension: '203', username: 'carol', displayName: 'Carol' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(await t.stack.db.get('SELECT username FROM subscriber WHERE username = ?', ['203'])).toEqual({ username: '203' });
  }, 30_000);
});

describe('database read-only', () => {
  it('the admin API answers 503 with a message; nothing is written; it works once writable again', async () => {
    // SQLite's own read-only mode on the service's connection: every write fails with
    // SQLITE_READONLY, as on a read-only mount (which root-run tests cannot get from chmod)
    await t.stack.db.run('PRAGMA query_only = 1');
    try {
      const r = await api.call('POST', '/api/v1/accounts', { extension: '204', username: 'dave', displayName: 'Dave' });
      expect(r.status, JSON.stringify(r.body)).toBe(503);
      expect(r.body.code).toBe('SUSURRO_API_UNAVAILABLE');
      expect(r.body.message).toMatch(/database/i);
    } finally {
      await t.stack.db.run('PRAGMA query_only = 0');
    }
    expect(await t.stack.db.get('SELECT extension FROM susurro_account WHERE extension = ?', ['204'])).toBeUndefined();
    expect(await t.stack.db.get('SELECT username FROM subscriber WHERE username = ?', ['204'])).toBeUndefined();
    const ok = await api.call('POST', '/api/v1/accounts', { extension: '204', username: 'dave', displayName: 'Dave' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
  }, 30_000);
});

