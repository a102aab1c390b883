/**
 * Plain (unencrypted) SIP is off by default; `ports.sipUdp` enables a UDP+TCP listener for a
 * LAN, which runs the same policy (digest authentication) as the TLS/WSS listeners.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountRow } from '../../src/db/index.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { freePort } from '../support/ports.ts';
import { RawSipConnection, rawRegister } from '../support/sip-client.ts';

const run = promisify(execFile);

/**
 * The sockets the running Kamailio listens on, as "<tcp|udp>:<address>:<port>" (from `ss`;
 * corex.list_sockets is not on the JSON-RPC allow-list). TLS listeners show as tcp.
 */
async function kamailioSockets(t: TestStack): Promise<string[]> {
  const pid = t.stack.kamailio.pid;
  if (pid === null) throw new Error('kamailio is not running');
  // the TCP listeners belong to Kamailio's tcp_main child, the UDP ones to every process
  const children = (await run('ps', ['-o', 'pid=', '--ppid', String(pid)])).stdout.split(/\s+/).filter(Boolean);
  const pids = [String(pid), ...children];
  const { stdout } = await run('ss', ['-H', '-l', '-n', '-t', '-u', '-p']);
  const found = new Set<string>();
  for (const line of stdout.split('\n')) {
    if (!pids.some((p) => line.includes(`pid=${p},`))) continue;
    const [proto, , , , local] = line.trim().split(/\s+/);
    found.add(`${proto}:${local}`);
  }
  return [...found].sort();
}

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
    expect(await kamailioSockets(off)).toEqual([
      `tcp:127.0.0.1:${off.config.ports.jsonrpc}`,
      `tcp:127.0.0.1:${off.config.ports.sipTls}`,
      `tcp:127.0.0.1:${off.config.ports.wss}`,
    ].sort());
  });

  it('with ports.sipUdp: UDP REGISTER is challenged and authenticated like on TLS', async () => {
    expect(await kamailioSockets(on)).toEqual(expect.arrayContaining([`udp:127.0.0.1:${udpPort}`, `tcp:127.0.0.1:${udpPort}`]));
    const c = await RawSipConnection.openUdp({ host: '127.0.0.1', port: udpPort });
    conns.push(c);
    const noCreds = await rawRegister(c, { ext: '201', domain: on.config.domain });
    expect(noCreds.challengeStatus).toBe(401);
    expect((await rawRegister(c, { ext: '201', domain: on.config.domain, password: 'wrong-pass' })).status).toBe(403);
    expect((await rawRegister(c, { ext: '201', domain: on.config.domain, password: 'alice-secret-1' })).status).toBe(200);
  });
});
