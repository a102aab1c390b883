/**
 * REGISTER against the real Kamailio over SIP/TLS and SIP/WSS (issue #2): digest against
 * subscriber.ha1, 401 without credentials, 403 (not another 401) for a wrong password, 200 with
 * the right one; identity checks; the WebSocket handshake policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountRow } from '../../src/db/index.ts';
import { openSipTls, startTestStack, type TestStack } from '../support/stack.ts';
import { RawSipConnection, createPhone, rawRegister, parseChallenge } from '../support/sip-client.ts';

let t: TestStack;
let origin: string;
const conns: RawSipConnection[] = [];

beforeAll(async () => {
  t = await startTestStack();
  origin = `https://127.0.0.1:${t.config.ports.admin}`;
  await createAccountRow(t.stack.db, { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1', domain: t.config.domain });
  await createAccountRow(t.stack.db, { extension: '202', username: 'bob', displayName: 'Bob', password: 'bob-secret-2', domain: t.config.domain });
});
afterAll(async () => {
  for (const c of conns) c.close();
  await t?.stop();
});

const tls = () => openSipTls(t, conns);
async function wss() {
  const c = await RawSipConnection.openWss({ url: t.stack.urls.wss, ca: t.caPem, origin });
  conns.push(c);
  return c;
}

describe.each([['TLS', tls], ['WSS', wss]] as const)('REGISTER over %s', (_name, open) => {
  it('without credentials gets a 401 digest challenge for our realm', async () => {
    const r = await rawRegister(await open(), { ext: '201', domain: t.config.domain });
    expect(r.challengeStatus).toBe(401);
    const c = parseChallenge(r.challenge ?? '');
    expect(c['realm']).toBe(t.config.domain);
    expect(c['qop']).toContain('auth');
    expect(c['nonce']).toMatch(/\S{8,}/);
  });

  it('with the right password gets 200 and the binding is in usrloc', async () => {
    const r = await rawRegister(await open(), { ext: '201', domain: t.config.domain, password: 'alice-secret-1' });
    expect(r.status).toBe(200);
    const lookup = await t.stack.rpc.call<{ Contacts?: unknown[] }>('ul.lookup', ['location', `201@${t.config.domain}`]);
    expect(JSON.stringify(lookup)).toContain('201');
  });

  it('with a wrong password gets 403, not another challenge', async () => {
    const r = await rawRegister(await open(), { ext: '202', domain: t.config.domain, password: 'not-bobs-password' });
    expect(r.challengeStatus).toBe(401);
    expect(r.status).toBe(403);
  });

  it('for an unknown extension gets 403', async () => {
    const r = await rawRegister(await open(), { ext: '299', domain: t.config.domain, password: 'whatever-pass' });
    expect(r.status).toBe(403);
  });

  it("binding someone else's AOR with one's own credentials gets 403", async () => {
    // alice authenticates correctly but asks to register bob's extension
    const r = await rawRegister(await open(), { ext: '202', authUser: '201', domain: t.config.domain, password: 'alice-secret-1' });
    expect(r.status).toBe(403);
  });
});

describe('REGISTER with sip.js over WSS', () => {
  it('right password → 200, wrong password → 403', async () => {
    const good = await createPhone({ wssUrl: t.stack.urls.wss, domain: t.config.domain, ext: '202', password: 'bob-secret-2', ca: t.caPem, origin });
    const bad = await createPhone({ wssUrl: t.stack.urls.wss, domain: t.config.domain, ext: '201', password: 'wrong-password', ca: t.caPem, origin });
    try {
      expect(await good.register()).toBe(200);
      expect(await bad.register()).toBe(403);
    } finally {
      await good.stop();
      await bad.stop();
    }
  });
});

describe('WebSocket handshake policy', () => {
  it('refuses a foreign Origin', async () => {
    await expect(RawSipConnection.openWss({ url: t.stack.urls.wss, ca: t.caPem, origin: 'https://evil.example' })).rejects.toThrow(/403/);
  });
  it('refuses a missing Origin', async () => {
    await expect(RawSipConnection.openWss({ url: t.stack.urls.wss, ca: t.caPem })).rejects.toThrow(/403/);
  });
  it('refuses another path than /ws', async () => {
    await expect(RawSipConnection.openWss({ url: t.stack.urls.wss.replace('/ws', '/other'), ca: t.caPem, origin })).rejects.toThrow(/403/);
  });
});
