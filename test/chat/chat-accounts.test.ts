/**
 * Issue 17 core: real Prosody (Debian 0.12) run by the stack, accounts only through the admin
 * API, a real XMPP client library (xmpp.js) over TLS with SCRAM-SHA-1.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from '../../src/stack/index.ts';
import { adminApiFor, establishCall, registeredPhone, terminated, type Api } from '../admin-api/live-rig.ts';
import type { Phone } from '../support/sip-client.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { TurnUdpClient } from '../support/turn-client.ts';
import { xmppLogin, xmppLoginRefused, type XmppSession } from '../support/xmpp.ts';

let t: TestStack;
let api: Api;
const opened: XmppSession[] = [];
const phones: Phone[] = [];
const PW = { a: 'violet-harbour-lantern-93', b: 'quiet-meadow-copper-17', c: 'amber-falcon-river-52', d: 'silver-orchard-tide-48' };

/** Prosody's internal storage of the chat host: <dataDir>/chat/<host with "." as %2e>/<store>/<user>.{dat,list} */
function storeFiles(store: string): string[] {
  const dir = join(t.config.dataDir, 'chat', t.config.chat!.domain.replace(/\./g, '%2e'), store);
  return existsSync(dir) ? readdirSync(dir) : [];
}

async function login(user: string, password: string, opts: { directTls?: boolean; resource?: string } = {}) {
  const s = await xmppLogin(t, user, password, opts);
  opened.push(s);
  return s;
}

beforeAll(async () => {
  t = await startTestStack();
  api = await adminApiFor(t);
}, 60_000);

afterAll(async () => {
  for (const s of opened) await s.stop().catch(() => {});
  for (const p of phones) await p.stop().catch(() => {});
  await t?.stop();
});

describe('chat beside voice: Prosody in lockstep with susurro accounts', () => {
  it('reports chat in /health and runs with the privacy defaults', async () => {
    const chat = (await t.stack.health()).find((c) => c.name === 'chat');
    expect(chat).toMatchObject({ up: true });
    expect(chat!.detail).toMatch(/^prosody 0\.12\./);
    const cfg = readFileSync(t.stack.chat.files.cfgFile, 'utf8');
    expect(cfg).toContain('allow_registration = false');
    expect(cfg).toContain('c2s_require_encryption = true');
    expect(cfg).not.toMatch(/"mam"/);
  });

  it('an account created through the admin API logs in over STARTTLS and direct TLS with SCRAM; a message is delivered', async () => {
    for (const [ext, username, name, password] of [['1001', 'ana', 'Ana', PW.a], ['1002', 'bea', 'Bea', PW.b]] as const) {
      const r = await api.call('POST', '/api/v1/accounts', { extension: ext, username, displayName: name, password });
      expect(r.status).toBe(201);
      expect(r.body.chat).toBe('ok');
    }
    const ana = await login('1001', PW.a);
    const bea = await login('1002', PW.b, { directTls: true });
    expect(ana.mechanism).toBe('SCRAM-SHA-1');
    expect(ana.jid).toMatch(/^1001@susurro\.local\//);
    const domain = t.config.chat!.domain;
    await ana.send(`1002@${domain}`, 'hola Bea');
    const got = await bea.nextMessage();
    expect(got.body).toBe('hola Bea');
    expect(got.from).toMatch(/^1001@susurro\.local\//);
    // the directory roster: every active colleague, under the display name
    expect(await ana.roster()).toContainEqual({ jid: `1002@${domain}`, name: 'Bea' });
    // a wrong password is refused (the positive control of the login above)
    expect(await xmppLoginRefused(t, '1001', PW.b)).toMatch(/not-authorized/);
  });

  it('XEP-0215: a chat client gets TURN credentials that allocate a relay on the project\'s coturn, and revocation takes them back', async () => {
    expect((await api.call('POST', '/api/v1/accounts', { extension: '1009', username: 'hal', displayName: 'Hal', password: PW.d })).body.chat).toBe('ok');
    const hal = await login('1009', PW.d);
    const services = await hal.services('turn');
    const udp = services.find((s) => s.transport === 'udp');
    expect(udp).toMatchObject({ type: 'turn', host: t.config.publicHost, port: String(t.config.ports.turn) });
    expect(udp!['username']).toMatch(/1009/);
    const c = await TurnUdpClient.open('127.0.0.1', t.config.ports.turn);
    try {
      expect((await c.allocate(udp!['username']!, udp!['password']!)).status).toBe(200);
    } finally {
      c.close();
    }
    // positive control of the refusal below: a wrong password is refused by the same client
    const w = await TurnUdpClient.open('127.0.0.1', t.config.ports.turn);
    try {
      expect((await w.allocate(udp!['username']!, `${udp!['password']}x`)).status).toBe(401);
    } finally {
      w.close();
    }
    expect((await api.call('POST', '/api/v1/accounts/1009/disable')).body.live.turn).toBe('ok');
    const after = await TurnUdpClient.open('127.0.0.1', t.config.ports.turn);
    try {
      expect((await after.allocate(udp!['username']!, udp!['password']!)).status).toBe(401);
    } finally {
      after.close();
    }
    // the route Prosody asks refuses anyone without the chat service token
    const forged = await api.call('POST', '/api/v1/chat/turn-credentials', { account: '1001' });
    expect(forged.status).toBe(401);
  });

  it('keeps no archive of a delivered message; an offline message is kept only until delivery', async () => {
    // delivered above: nothing of it on disk
    expect(storeFiles('archive')).toEqual([]);
    expect(storeFiles('offline')).toEqual([]);
    // positive control: the same inspection sees a stored message while the recipient is offline
    expect((await api.call('POST', '/api/v1/accounts', { extension: '1003', username: 'cai', displayName: 'Cai', password: PW.c })).body.chat).toBe('ok');
    const ana = opened[0]!;
    await ana.send(`1003@${t.config.chat!.domain}`, 'for later');
    const deadline = Date.now() + 3_000;
    while (storeFiles('offline').length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(storeFiles('offline')).toEqual(['1003.list']);
    const cai = await login('1003', PW.c);
    // offline delivery happens at the first presence (RFC 6121 §8.5.3 / XEP-0160)
    expect((await cai.nextMessage()).body).toBe('for later');
    expect(storeFiles('offline')).toEqual([]);
    expect(storeFiles('archive')).toEqual([]);
  });

  it('a password reset changes the chat login and closes the sessions of the old one', async () => {
    const before = await login('1003', PW.c, { directTls: true });
    const r = await api.call('POST', '/api/v1/accounts/1003/reset-password', { password: PW.d });
    expect(r.status).toBe(200);
    expect(r.body.chat).toBe('ok');
    await before.closed(2_000);
    expect(await xmppLoginRefused(t, '1003', PW.c)).toMatch(/not-authorized/);
    const after = await login('1003', PW.d);
    expect(after.mechanism).toBe('SCRAM-SHA-1');
  });

  it('revoke during a live XMPP session closes the stream within 1 s and refuses the login after', async () => {
    const live = await login('1002', PW.b, { resource: 'phone' });
    const t0 = performance.now();
    const r = await api.call('POST', '/api/v1/accounts/1002/disable');
    expect(r.status).toBe(200);
    expect(r.body.chat).toBe('ok');
    const closedAt = await live.closed(2_000);
    const ms = closedAt - t0;
    console.log(`revoke → XMPP stream closed: ${ms.toFixed(0)} ms (stream error ${live.streamError})`);
    expect(ms).toBeLessThan(1_000);
    expect(live.streamError).toBe('not-authorized');
    expect(await xmppLoginRefused(t, '1002', PW.b)).toMatch(/not-authorized/);
    // the revoked colleague leaves the directory roster
    const ana = await login('1001', PW.a, { resource: 'roster-check' });
    expect((await ana.roster()).map((i) => i.jid)).not.toContain(`1002@${t.config.chat!.domain}`);
    // enable: the same password works again (the admin service kept the SCRAM credentials)
    expect((await api.call('POST', '/api/v1/accounts/1002/enable')).body.chat).toBe('ok');
    await login('1002', PW.b);
  });

  it('revoke during a live XMPP session and a live call: both cut within 1 s (measured)', async () => {
    for (const [ext, username, password] of [['1006', 'fay', PW.a], ['1007', 'gus', PW.b]] as const) {
      expect((await api.call('POST', '/api/v1/accounts', { extension: ext, username, displayName: username, password })).body.chat).toBe('ok');
    }
    const fay = await registeredPhone(t, phones, '1006', PW.a);
    const gus = await registeredPhone(t, phones, '1007', PW.b);
    const { outgoing, incoming } = await establishCall(fay, gus, '1007', t.config.domain);
    const chat = await login('1006', PW.a);
    const t0 = performance.now();
    const callEnded = terminated(incoming, 3_000);
    const r = await api.call('POST', '/api/v1/accounts/1006/disable');
    expect(r.body.chat).toBe('ok');
    expect(r.body.live.calls).toBe('ok');
    const [xmppMs, callMs] = [(await chat.closed(3_000)) - t0, (await callEnded) - t0];
    console.log(`revoke → XMPP stream closed ${xmppMs.toFixed(0)} ms, peer's call ended ${callMs.toFixed(0)} ms`);
    expect(xmppMs).toBeLessThan(1_000);
    expect(callMs).toBeLessThan(1_000);
    await terminated(outgoing, 3_000);
    expect(await xmppLoginRefused(t, '1006', PW.a)).toMatch(/not-authorized/);
  });

  it('a display name with quotes, brackets, "=" and non-ASCII reaches the roster intact (the "=" of mod_groups\' file format as a space)', async () => {
    const name = 'Zoë "Z" [ops] = \\ 🙂';
    const r = await api.call('POST', '/api/v1/accounts', { extension: '1008', username: 'zoe', displayName: name, password: PW.c });
    expect(r.body.chat).toBe('ok');
    const ana = await login('1001', PW.a, { resource: 'names' });
    expect(await ana.roster()).toContainEqual({ jid: `1008@${t.config.chat!.domain}`, name: name.replace('=', ' ') });
  });

  it('deleting an account purges it from Prosody', async () => {
    const r = await api.call('DELETE', '/api/v1/accounts/1003');
    expect(r.body.chat).toBe('ok');
    expect(await t.stack.chat.control.users()).not.toContain('1003');
    expect(await xmppLoginRefused(t, '1003', PW.d)).toMatch(/not-authorized/);
  });

  it('kill -9 of Prosody: the supervisor restarts it, the accounts are intact', async () => {
    const pid = t.stack.chat.process.pid!;
    const restarted = new Promise<number>((resolve) => t.stack.chat.process.once('restart', (i) => resolve(i.pid)));
    process.kill(pid, 'SIGKILL');
    const newPid = await restarted;
    expect(newPid).not.toBe(pid);
    const deadline = Date.now() + 10_000;
    let up = false;
    while (!up && Date.now() < deadline) {
      up = (await t.stack.health()).find((c) => c.name === 'chat')!.up;
      if (!up) await new Promise((r) => setTimeout(r, 100));
    }
    expect(up).toBe(true);
    const ana = await login('1001', PW.a);
    expect(ana.mechanism).toBe('SCRAM-SHA-1');
  });

  it('a create while Prosody is down is reported, then retried until it lands (no restart needed)', async () => {
    await t.stack.chat.process.stop();
    const r = await api.call('POST', '/api/v1/accounts', { extension: '1005', username: 'eli', displayName: 'Eli', password: PW.c });
    expect(r.status).toBe(201);
    expect(r.body.chat).toMatch(/^failed: .*ECONNREFUSED|ENOENT.*retrying$/);
    expect(t.stack.admin.app.susurro.chat.pending).toEqual(['1005']);
    await t.stack.chat.process.start();
    const deadline = Date.now() + 20_000;
    while (t.stack.admin.app.susurro.chat.pending.length > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    expect(t.stack.admin.app.susurro.chat.pending).toEqual([]);
    await login('1005', PW.c);
  }, 30_000);

  it('a change made while Prosody is down is reported, and the reconcile on the next start repairs it', async () => {
    await t.stack.chat.process.stop();
    const created = await api.call('POST', '/api/v1/accounts', { extension: '1004', username: 'dan', displayName: 'Dan', password: PW.d });
    expect(created.status).toBe(201);
    expect(created.body.chat).toMatch(/^failed: .*retrying$/);
    const disabled = await api.call('POST', '/api/v1/accounts/1001/disable');
    expect(disabled.body.chat).toMatch(/^failed: .*retrying$/);
    expect(t.stack.admin.app.susurro.chat.pending.sort()).toEqual(['1001', '1004']);
    const audit = await api.call('GET', '/api/v1/audit?limit=5');
    expect(audit.body.items.find((i: { action: string }) => i.action === 'account.create')?.outcome).toBe('partial');

    // the whole stack restarts on the same data: Prosody still holds 1001's credentials, lacks 1004
    await t.stack.stop();
    t.stack = await startStack(t.config, { restart: { initialBackoffMs: 200 } });
    api = await adminApiFor(t);
    expect(await t.stack.chat.control.users()).toContain('1004');
    expect(await t.stack.chat.control.users()).not.toContain('1001');
    await login('1004', PW.d);
    expect(await xmppLoginRefused(t, '1001', PW.a)).toMatch(/not-authorized/);
  }, 60_000);
});
