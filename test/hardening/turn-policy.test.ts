/**
 * Issue #7 "TURN": the real coturn of the stack, as configured by src/media-relay/turn-config.ts.
 *  - outside local trial (here: public host voice.example.org) relaying to loopback and private
 *    ranges is denied: CreatePermission for such a peer gets 403 (RFC 8656 §9.1 "Forbidden"),
 *    so a TURN user cannot reach internal services;
 *  - in local trial (the defaults: public host and listen address 127.0.0.1, src/config/
 *    local-trial.ts) the relay's own address 127.0.0.1 is accepted and nothing else: other
 *    loopback addresses and private ranges stay 403, and TCP relays (RFC 6062) are refused, so
 *    loopback TCP services (JSON-RPC, coturn CLI) cannot be reached through the relay;
 *  - per-credential allocation quota: the (N+1)th concurrent allocation on one credential gets 486
 *    (RFC 8656 §7.2 "Allocation Quota Reached") while another user still allocates;
 *  - bandwidth cap per session (max-bps): a flood through one allocation is cut to about the
 *    cap, a voice-sized flow passes whole;
 *  - credentials are time-limited: an expired issued credential gets 401 (also in test/media-relay).
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TURN_MAX_BYTES_PER_SECOND } from '../../src/media-relay/turn-config.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { TurnCredentialStore } from '../../src/media-relay/credential-store.ts';
import { TurnUdpClient } from '../support/turn-client.ts';

const USER_QUOTA = 12; // user-quota in turn-config.ts

let closed: TestStack; // a real public host: no loopback peers
let open: TestStack;   // local trial: the defaults' loopback public host
const clients: TurnUdpClient[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  [closed, open] = await Promise.all([
    // listen.address stays 127.0.0.1 (tests send only to loopback); the public host decides
    startTestStack({ publicHost: 'voice.example.org' }),
    startTestStack(),
  ]);
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of sockets) s.close();
  await Promise.all([closed?.stop(), open?.stop()]);
});

/** One issued credential per (stack, user): coturn's user-quota counts per TURN username. */
const issued = new Map<string, { username: string; credential: string }>();
async function allocated(t: TestStack, user: string) {
  const c = await TurnUdpClient.open('127.0.0.1', t.config.ports.turn);
  clients.push(c);
  const key = `${t.dir}|${user}`;
  if (!issued.has(key)) issued.set(key, t.stack.turnCredentials.issue({ account: user, ttlSeconds: 600 }));
  const cred = issued.get(key)!;
  const r = await c.allocate(cred.username, cred.credential);
  return { c, r };
}

async function udpPeer() {
  const s = createSocket('udp4');
  sockets.push(s);
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  return s;
}

/**
 * Allocates for `user`, asks permission for a UDP peer on 127.0.0.1 and sends it 5 Send
 * indications whatever the answer: what reached the peer (waits up to 500 ms).
 */
async function loopbackProbe(t: TestStack, user: string): Promise<{ permission: number; received: number }> {
  const { c, r } = await allocated(t, user);
  expect(r.status).toBe(200);
  const peer = await udpPeer();
  let received = 0;
  peer.on('message', () => received++);
  const permission = await c.createPermission('127.0.0.1');
  for (let i = 0; i < 5; i++) c.sendIndication('127.0.0.1', (peer.address() as { port: number }).port, Buffer.from('probe'));
  for (let i = 0; i < 10 && received < 5; i++) await new Promise((r2) => setTimeout(r2, 50));
  return { permission, received };
}

describe('TURN peer address policy', () => {
  it('the production default refuses loopback, private, link-local and metadata peers with 403', async () => {
    const { c, r } = await allocated(closed, '301');
    expect(r.status).toBe(200);
    const denied = ['127.0.0.1', '127.9.9.9', '10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.1'];
    const got: Record<string, number> = {};
    for (const ip of denied) got[ip] = await c.createPermission(ip);
    expect(got).toEqual(Object.fromEntries(denied.map((ip) => [ip, 403])));
    // a public address is permitted (no packet is sent to it)
    expect(await c.createPermission('198.41.0.4')).toBe(200);
  });

  it('the loopback peer denied by the default is not reached even by a Send indication', async () => {
    expect(await loopbackProbe(closed, '302')).toEqual({ permission: 403, received: 0 });
  });

  it('local trial accepts the relay address 127.0.0.1 and nothing else', async () => {
    expect(readFileSync(join(closed.dir, 'run', 'turnserver.conf'), 'utf8')).not.toContain('allow-loopback-peers');
    const conf = readFileSync(join(open.dir, 'run', 'turnserver.conf'), 'utf8');
    expect(conf).toMatch(/^allow-loopback-peers$/m);
    const { c, r } = await allocated(open, '303');
    expect(r.status).toBe(200);
    expect(r.relayed?.ip).toBe('127.0.0.1');
    expect(await c.createPermission('127.0.0.1')).toBe(200);
    const denied = ['127.0.0.2', '127.9.9.9', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.1'];
    const got: Record<string, number> = {};
    for (const ip of denied) got[ip] = await c.createPermission(ip);
    expect(got).toEqual(Object.fromEntries(denied.map((ip) => [ip, 403])));
  });

  it('local trial relays a Send indication to a loopback peer (the same probe the real public host drops)', async () => {
    expect(await loopbackProbe(open, '304')).toEqual({ permission: 200, received: 5 });
  });

  it('local trial refuses TCP relays (RFC 6062), which the real public host grants', async () => {
    const tcpAllocation = async (t: TestStack, user: string) => {
      const c = await TurnUdpClient.openStream('127.0.0.1', t.config.ports.turn);
      clients.push(c);
      const cred = t.stack.turnCredentials.issue({ account: user, ttlSeconds: 600 });
      return (await c.allocate(cred.username, cred.credential, 'tcp')).status;
    };
    expect(await tcpAllocation(closed, '305')).toBe(200); // positive control: the probe works
    expect(await tcpAllocation(open, '306')).toBe(442);   // RFC 8656 §18.3 Unsupported Transport Protocol
  });
});

describe('TURN quotas and credentials', () => {
  it(`one user gets ${USER_QUOTA} concurrent allocations, the next one 486; another user is unaffected; releasing frees one`, async () => {
    const mine: TurnUdpClient[] = [];
    for (let i = 0; i < USER_QUOTA; i++) {
      const { c, r } = await allocated(closed, '310');
      expect(r.status, `allocation ${i + 1}`).toBe(200);
      mine.push(c);
    }
    expect((await allocated(closed, '310')).r.status).toBe(486);
    expect((await allocated(closed, '311')).r.status).toBe(200);
    expect(await mine[0]?.release()).toBe(200);
    // coturn frees the quota slot when the released session is torn down: poll, bounded
    let status = 0;
    for (let i = 0; i < 20 && status !== 200; i++) {
      status = (await allocated(closed, '310')).r.status;
      if (status !== 200) await new Promise((r2) => setTimeout(r2, 250));
    }
    expect(status).toBe(200);
  });

  it('an expired credential is refused with 401', async () => {
    const c = await TurnUdpClient.open('127.0.0.1', closed.config.ports.turn);
    clients.push(c);
    const past = TurnCredentialStore.open(closed.config.turn.credentialsDb, closed.config.domain, { now: () => Date.now() - 120_000 });
    const cred = past.issue({ account: '312', ttlSeconds: 60 });
    past.close();
    expect((await c.allocate(cred.username, cred.credential)).status).toBe(401);
  });
});

describe('TURN bandwidth cap per session', () => {
  async function relayFlow(bytesPerPacket: number, packets: number, perTickPackets: number) {
    const { c, r } = await allocated(open, `32${bytesPerPacket % 10}`);
    expect(r.status).toBe(200);
    const peer = await udpPeer();
    let bytes = 0;
    let count = 0;
    peer.on('message', (m) => { bytes += m.length; count++; });
    expect(await c.createPermission('127.0.0.1')).toBe(200);
    const port = (peer.address() as { port: number }).port;
    const payload = Buffer.alloc(bytesPerPacket, 0x5a);
    const start = Date.now();
    for (let sent = 0; sent < packets;) {
      for (let k = 0; k < perTickPackets && sent < packets; k++, sent++) c.sendIndication('127.0.0.1', port, payload);
      await new Promise((r2) => setTimeout(r2, 10));
    }
    const seconds = (Date.now() - start) / 1000;
    await new Promise((r2) => setTimeout(r2, 500));
    return { bytes, count, seconds };
  }

  it('a voice-sized flow (about 50 packets/s of 200 bytes) passes whole', async () => {
    const f = await relayFlow(200, 50, 1);
    expect(f.count).toBe(50);
  });

  it(`a flood through one allocation is cut to about max-bps (${TURN_MAX_BYTES_PER_SECOND} B/s)`, async () => {
    // about 1 MB in about 1 s: 15× the cap
    const f = await relayFlow(1000, 1000, 10);
    const sentRate = 1000 * 1000 / f.seconds;
    expect(sentRate).toBeGreaterThan(4 * TURN_MAX_BYTES_PER_SECOND);
    // what got through: about the cap over the sending time plus coturn's burst allowance
    // (measured 110–170 kB for about 1 MB sent); well under a third of what was sent
    expect(f.bytes).toBeLessThan(TURN_MAX_BYTES_PER_SECOND * (f.seconds + 1) * 2);
    expect(f.bytes).toBeLessThan(1000 * 1000 * 0.3);
    expect(f.bytes).toBeGreaterThan(0);
  });
});
