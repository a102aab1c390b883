/**
 * Issue #7 hardening in kamailio.cfg (WITH_ANTIFLOOD): a source that fails authentication
 * SUSURRO_AUTH_FAILS_MAX times is banned (its requests are dropped, even with the right
 * password), and known scanner user agents are dropped silently. Loopback sources are exempt in
 * production; this stack enables WITH_ANTIFLOOD_LOOPBACK because every test runs on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountRow } from '../../src/db/index.ts';
import { openSipTls, startTestStack, type TestStack } from '../support/stack.ts';
import { buildRequest, rawRegister, type RawSipConnection } from '../support/sip-client.ts';

let t: TestStack;
const conns: RawSipConnection[] = [];

beforeAll(async () => {
  // thresholds from the configuration (as an operator sets them); loopback enforcement for the test
  t = await startTestStack({ antiflood: { authFailsMax: 3, banSeconds: 60 } }, { kamailio: { antifloodLoopback: true } });
  await createAccountRow(t.stack.db, { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1', domain: t.config.domain });
});
afterAll(async () => {
  for (const c of conns) c.close();
  await t?.stop();
});

const tls = () => openSipTls(t, conns);

describe('anti-flood', () => {
  it('drops requests from known scanner user agents without an answer', async () => {
    const c = await tls();
    const req = buildRequest({
      method: 'OPTIONS', ruri: `sip:201@${t.config.domain}`, from: `sip:100@${t.config.domain}`, to: `sip:201@${t.config.domain}`,
      callId: randomBytes(6).toString('hex'), cseq: 1, transport: 'TLS', localHost: c.localHost, localPort: c.localPort,
      userAgent: 'friendly-scanner',
    });
    await expect(c.request(req, 1_000)).rejects.toThrow(/no matching SIP message/);
    // the same request with an ordinary user agent is answered (407: authentication needed)
    const answered = await c.request(req.replace('friendly-scanner', 'ordinary-phone'), 2_000);
    expect(answered.status).toBe(407);
  });

  it('bans a source after 3 failed authentications: even the right password is then ignored', async () => {
    const c = await tls();
    const right = await rawRegister(c, { ext: '201', domain: t.config.domain, password: 'alice-secret-1' });
    expect(right.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const r = await rawRegister(c, { ext: '201', domain: t.config.domain, password: `guess-${i}` });
      expect(r.status).toBe(403);
    }
    await expect(rawRegister(c, { ext: '201', domain: t.config.domain, password: 'alice-secret-1' })).rejects.toThrow(/no matching SIP message/);
    const bans = await t.stack.rpc.call<unknown>('htable.dump', ['ipban']);
    expect(JSON.stringify(bans)).toContain('127.0.0.1');
  });
});
