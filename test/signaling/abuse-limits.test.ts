/**
 * Issue #19 "Configurable abuse limits": the pike thresholds come from config.antiflood.pike, and
 * a source on config.antiflood.allowList (an office NAT) is never pike-banned, while the same
 * flood bans any other source (the positive control), and it still has to authenticate.
 * Real Kamailio; three loopback sources; WITH_ANTIFLOOD_LOOPBACK so the rules apply on 127/8.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHtableDump } from '../../src/admin-api/bans.ts';
import { buildRequest, rawRegister, type RawSipConnection } from '../support/sip-client.ts';
import { openSipTls, startTestStack, type TestStack } from '../support/stack.ts';

const OFFICE_NAT = '127.0.0.2';
const OUTSIDER = '127.0.0.3';
/** Below Kamailio's former hard-coded 32 per 2 s, above the configured 8. */
const BURST = 20;

let t: TestStack;
let defaults: TestStack;
const conns: RawSipConnection[] = [];

beforeAll(async () => {
  t = await startTestStack(
    { antiflood: { enabled: true, authFailsMax: 10, banSeconds: 120, pike: { windowSeconds: 2, maxRequests: 8 }, allowList: [`${OFFICE_NAT}/32`] } },
    { kamailio: { antifloodLoopback: true } },
  );
  // control: the default thresholds (32 in 2 s), no allow-list
  defaults = await startTestStack({}, { kamailio: { antifloodLoopback: true } });
}, 90_000);
afterAll(async () => {
  for (const c of conns) c.close();
  await t?.stop();
  await defaults?.stop();
});

async function flood(from: string, stack = t): Promise<{ lastAnswered: boolean }> {
  const t = stack;
  const c = await openSipTls(t, conns, from);
  expect(c.localHost).toBe(from);
  const options = (i: number) => buildRequest({
    method: 'OPTIONS', ruri: `sip:${t.config.domain}`, from: `sip:999@${t.config.domain}`, to: `sip:${t.config.domain}`,
    callId: `flood-${from}-${i}`, cseq: 1, transport: 'TLS', localHost: c.localHost, localPort: c.localPort, userAgent: 'office-phone',
  });
  expect((await c.request(options(0), 2_000)).status).toBeGreaterThanOrEqual(200);
  for (let i = 1; i <= BURST; i++) c.send(options(i));
  await new Promise((r) => setTimeout(r, 500));
  const lastAnswered = await c.request(options(1000), 1_500).then(() => true, () => false);
  return { lastAnswered };
}

async function banned(stack = t): Promise<string[]> {
  const t = stack;
  return [...parseHtableDump(await t.stack.rpc.call<unknown>('htable.dump', ['ipban'])).keys()];
}

describe('abuse limits from the configuration', () => {
  it(`control: with the default pike thresholds the same burst of ${BURST} is no flood`, async () => {
    expect((await flood(OUTSIDER, defaults)).lastAnswered).toBe(true);
    expect(await banned(defaults)).not.toContain(OUTSIDER);
  });

  it(`a burst of ${BURST} requests bans an ordinary source (pike maxRequests 8 from the config, not the old 32)`, async () => {
    expect((await flood(OUTSIDER)).lastAnswered).toBe(false);
    expect(await banned()).toContain(OUTSIDER);
    // and it is stored for the next start (durable bans, route[BAN_SOURCE])
    const row = await t.stack.db.get<{ expires: number }>('SELECT expires FROM susurro_ban WHERE key_name = ?', [OUTSIDER]);
    expect(Number(row?.expires)).toBeGreaterThan(Date.now() / 1000 + 100);
  });

  it('the same burst, twice in a row, from the allow-listed office NAT is answered and never banned', async () => {
    expect((await flood(OFFICE_NAT)).lastAnswered).toBe(true);
    expect((await flood(OFFICE_NAT)).lastAnswered).toBe(true);
    expect(await banned()).not.toContain(OFFICE_NAT);
  });

  it('the allow-listed source still has to authenticate', async () => {
    const c = await openSipTls(t, conns, OFFICE_NAT);
    const r = await rawRegister(c, { ext: '201', domain: t.config.domain, password: 'not-an-account' });
    expect(r.challengeStatus).toBe(401); // challenged like anyone else, never let through
    expect(r.status).toBe(403);
  });
});
