/**
 * The stack on an IPv6 listener (listen.address "::1", publicHost "::1"): bracketed addresses
 * in the rendered configs and URLs, health probes over IPv6, SIP over TLS and WSS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountRow } from '../../src/db/index.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { RawSipConnection, rawRegister } from '../support/sip-client.ts';

let t: TestStack;
const conns: RawSipConnection[] = [];
beforeAll(async () => {
  t = await startTestStack({ listen: { address: '::1' }, publicHost: '::1' });
  await createAccountRow(t.stack.db, { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1', domain: t.config.domain });
});
afterAll(async () => {
  for (const c of conns) c.close();
  await t?.stop();
});

describe('IPv6 listener', () => {
  it('publishes bracketed URLs and every component is up', async () => {
    expect(t.stack.urls.wss).toBe(`wss://[::1]:${t.config.ports.wss}/ws`);
    expect(t.stack.urls.turn[0]).toBe(`turn:[::1]:${t.config.ports.turn}?transport=udp`);
    expect((await t.stack.health()).every((c) => c.up)).toBe(true);
  });

  it('REGISTER over TLS and over WSS on ::1', async () => {
    const tls = await RawSipConnection.openTls({ host: '::1', port: t.config.ports.sipTls, ca: t.caPem });
    conns.push(tls);
    expect((await rawRegister(tls, { ext: '201', domain: t.config.domain, password: 'alice-secret-1' })).status).toBe(200);
    const wss = await RawSipConnection.openWss({ url: t.stack.urls.wss, ca: t.caPem, origin: `https://[::1]:${t.config.ports.admin}` });
    conns.push(wss);
    expect((await rawRegister(wss, { ext: '201', domain: t.config.domain, password: 'alice-secret-1' })).status).toBe(200);
  });
});
