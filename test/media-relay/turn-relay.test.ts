/**
 * The real coturn of a test stack: credentials issued by the credential store allocate a relay
 * that forwards to an (allowed, loopback) peer; forged and expired credentials are refused;
 * denied peer ranges are refused; TurnCli lists and cancels a user's sessions.
 */
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TurnCredentialStore } from '../../src/media-relay/credential-store.ts';
import { TurnCli, TurnCliError } from '../../src/media-relay/turn-cli.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { TurnUdpClient } from '../support/turn-client.ts';

let t: TestStack;
const clients: TurnUdpClient[] = [];

beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await t?.stop();
});

async function client() {
  const c = await TurnUdpClient.open('127.0.0.1', t.config.ports.turn);
  clients.push(c);
  return c;
}

describe('TURN allocations', () => {
  it('credentials issued by the store allocate a relay in the configured range, which relays to a peer', async () => {
    const cred = t.stack.turnCredentials.issue({ account: '201', ttlSeconds: 600 });
    const c = await client();
    const r = await c.allocate(cred.username, cred.credential);
    expect(r.status).toBe(200);
    expect(r.relayed?.ip).toBe('127.0.0.1');
    expect(r.relayed?.port).toBeGreaterThanOrEqual(t.config.ports.relayMin);
    expect(r.relayed?.port).toBeLessThanOrEqual(t.config.ports.relayMax);

    // a peer on the relay address (local trial: the test stack is on loopback) receives what the client sends through the relay
    const peer = createSocket('udp4');
    await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', () => resolve()));
    try {
      const received = new Promise<{ data: string; port: number }>((resolve) =>
        peer.once('message', (m, rinfo) => resolve({ data: m.toString(), port: rinfo.port })),
      );
      expect(await c.createPermission('127.0.0.1')).toBe(200);
      c.sendIndication('127.0.0.1', (peer.address() as { port: number }).port, Buffer.from('through the relay'));
      const got = await received;
      expect(got).toEqual({ data: 'through the relay', port: r.relayed?.port });
    } finally {
      peer.close();
    }
  });

  it.each(['tcp', 'tls'] as const)('allocates over TURN/%s too (turn:?transport=tcp, turns:)', async (transport) => {
    const cred = t.stack.turnCredentials.issue({ account: '205', ttlSeconds: 600 });
    const port = transport === 'tls' ? t.config.ports.turnTls : t.config.ports.turn;
    const c = await TurnUdpClient.openStream('127.0.0.1', port, transport === 'tls' ? t.caPem : undefined);
    clients.push(c);
    const r = await c.allocate(cred.username, cred.credential);
    expect(r.status).toBe(200);
    expect(r.relayed?.port).toBeGreaterThanOrEqual(t.config.ports.relayMin);
    expect(await c.release()).toBe(200);
  });

  it('a forged credential (an issued username with a wrong password) is refused with 401', async () => {
    const cred = t.stack.turnCredentials.issue({ account: '201', ttlSeconds: 600 });
    expect((await (await client()).allocate(cred.username, cred.credential.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')))).status).toBe(401);
  });

  it('an expired credential is refused with 401', async () => {
    // a second handle on the stack's database whose clock is an hour behind: its row is expired
    const past = TurnCredentialStore.open(t.config.turn.credentialsDb, t.config.domain, { now: () => Date.now() - 3_600_000 });
    const cred = past.issue({ account: '201', ttlSeconds: 600 });
    past.close();
    expect(cred.expiresAt * 1000).toBeLessThan(Date.now());
    expect((await (await client()).allocate(cred.username, cred.credential)).status).toBe(401);
  });

  it('a valid credential with a tampered user part is refused with 401', async () => {
    const cred = t.stack.turnCredentials.issue({ account: '201', ttlSeconds: 600 });
    const tampered = cred.username.replace('201:', '202:');
    expect((await (await client()).allocate(tampered, cred.credential)).status).toBe(401);
  });

  it.each(['10.1.2.3', '192.168.1.10', '172.16.0.5', '169.254.169.254', '100.64.0.1'])(
    'a permission for the denied peer %s is refused with 403',
    async (ip) => {
      const cred = t.stack.turnCredentials.issue({ account: '203', ttlSeconds: 600 });
      const c = await client();
      expect((await c.allocate(cred.username, cred.credential)).status).toBe(200);
      expect(await c.createPermission(ip)).toBe(403);
    },
  );
});

describe('TurnCli (coturn telnet CLI on loopback)', () => {
  it('lists a user\'s sessions and cancels them; the cancelled allocation is gone', async () => {
    const cred = t.stack.turnCredentials.issue({ account: '204', ttlSeconds: 600 });
    const c = await client();
    expect((await c.allocate(cred.username, cred.credential)).status).toBe(200);
    const sessions = await t.stack.turnCli.listSessions('204');
    expect(sessions.length).toBe(1);
    expect(sessions[0]?.username).toBe(cred.username);
    // another user's session is not listed under 204
    expect((await t.stack.turnCli.listSessions()).some((s) => s.user === '201')).toBe(true);

    expect(await c.refresh()).toBe(200); // the live allocation refreshes fine

    expect(await t.stack.turnCli.cancelUserSessions('204')).toBe(1);
    expect(await t.stack.turnCli.listSessions('204')).toEqual([]);
    expect(await c.refresh()).toBe(437); // RFC 8656 §7.2: Allocation Mismatch
    expect(await t.stack.turnCli.cancelUserSessions('204')).toBe(0);
  });

  it('a wrong CLI password is refused', async () => {
    const cli = new TurnCli(t.config.ports.turnCli, 'wrong-password', { timeoutMs: 1_500 });
    const err = await cli.listSessions().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnCliError);
    expect((err as TurnCliError).code).toMatch(/SUSURRO_TURN_CLI_(AUTH|UNREACHABLE|TIMEOUT)/);
  });
});
