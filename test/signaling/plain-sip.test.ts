/**
 * Plain (unencrypted) SIP is off by default; `ports.sipUdp` enables a UDP+TCP listener for a
 * LAN, which runs the same policy (digest authentication) as the TLS/WSS listeners.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountRow } from '../../src/db/index.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { freePort } from '../support/ports.ts';
import { RawSipConnection, rawRegister } from '../support/sip-client.ts';

interface SocketInfo { PROTO: string; NAME: string; PORT: string }

let off: TestStack;
let on: TestStack;
let udpPort: number;
const conns: RawSipConnection[] = [];

beforeAll(async () => {
  udpPort = await freePort();
  [off, on] = await Promise.all([startTestStack(), startTestStack({ ports: { sipUdp: udpPort } })]);
  await createAccountRow(on.stack.db, { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1', domain: on.config.domain });
});
afterAll(async () => {
  for (const c of conns) c.close();
  await Promise.all([off?.stop(), on?.stop()]);
});

describe('plain SIP', () => {
  it('is off by default: only the TLS listeners and the loopback JSON-RPC TCP listener exist', async () => {
    const sockets = await off.stack.rpc.call<SocketInfo[]>('corex.list_sockets');
    const list = sockets.map((s) => `${s.PROTO}:${s.NAME}:${s.PORT}`).sort();
    expect(list).toEqual([
      `tcp:127.0.0.1:${off.config.ports.jsonrpc}`,
      `tls:127.0.0.1:${off.config.ports.sipTls}`,
      `tls:127.0.0.1:${off.config.ports.wss}`,
    ].sort());
  });

  it('with ports.sipUdp: UDP REGISTER is challenged and authenticated like on TLS', async () => {
    const sockets = await on.stack.rpc.call<SocketInfo[]>('corex.list_sockets');
    expect(sockets.map((s) => `${s.PROTO}:${s.PORT}`)).toEqual(expect.arrayContaining([`udp:${udpPort}`, `tcp:${udpPort}`]));
    const c = await RawSipConnection.openUdp({ host: '127.0.0.1', port: udpPort });
    conns.push(c);
    const noCreds = await rawRegister(c, { ext: '201', domain: on.config.domain });
    expect(noCreds.challengeStatus).toBe(401);
    expect((await rawRegister(c, { ext: '201', domain: on.config.domain, password: 'wrong-pass' })).status).toBe(403);
    expect((await rawRegister(c, { ext: '201', domain: on.config.domain, password: 'alice-secret-1' })).status).toBe(200);
  });
});
