/**
 * Issue #19: the TURN quotas come from the configuration (turn.userQuota → coturn user-quota,
 * turn.totalQuota → total-quota) and real coturn enforces them: with 3 per credential and 5 in
 * all, a credential's 4th concurrent allocation gets 486 (RFC 8656 §6.2 Allocation Quota
 * Reached) while another credential still gets its own, until the relay holds 5.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { TurnUdpClient } from '../support/turn-client.ts';

let t: TestStack;
const clients: TurnUdpClient[] = [];

beforeAll(async () => {
  t = await startTestStack({ turn: { userQuota: 3, totalQuota: 5 } });
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.close();
  await t?.stop();
});

async function allocate(cred: { username: string; credential: string }): Promise<number> {
  const c = await TurnUdpClient.open('127.0.0.1', t.config.ports.turn);
  clients.push(c);
  return (await c.allocate(cred.username, cred.credential)).status;
}

describe('TURN quotas from the configuration', () => {
  it('3 allocations per credential, 5 on the relay: the 4th on one credential and the 6th overall get 486', async () => {
    const a = t.stack.turnCredentials.issue({ account: '401', ttlSeconds: 600 });
    const b = t.stack.turnCredentials.issue({ account: '402', ttlSeconds: 600 });
    for (let i = 0; i < 3; i++) expect(await allocate(a), `A allocation ${i + 1}`).toBe(200);
    expect(await allocate(a)).toBe(486); // user-quota
    expect(await allocate(b)).toBe(200); // another credential is not affected by A's quota
    expect(await allocate(b)).toBe(200); // 5 on the relay now
    expect(await allocate(b)).toBe(486); // total-quota (B holds only 2 of its 3)
  });
});
