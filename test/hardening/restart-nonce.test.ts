/**
 * After a Kamailio restart (kill -9 + supervisor), registered phones refresh with credentials
 * whose nonce the previous instance issued (Kamailio draws a new nonce secret at each start).
 * Such a REGISTER must get a fresh challenge with stale=true (RFC 2617 §3.2.1), not 403, and must
 * not count as a failed authentication: otherwise a restart would lock out every phone and, with
 * the brute-force ban, ban whole offices behind one NAT. A wrong password still counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountRow } from '../../src/db/index.ts';
import { RawSipConnection, buildRequest, digestAuthorization, header, parseChallenge, type SipMessage } from '../support/sip-client.ts';
import { openSipTls, startTestStack, type TestStack } from '../support/stack.ts';

const SOURCE = '127.0.0.2';
let t: TestStack;
const conns: RawSipConnection[] = [];

beforeAll(async () => {
  t = await startTestStack({ antiflood: { enabled: true, authFailsMax: 2, banSeconds: 60 } }, { kamailio: { antifloodLoopback: true } });
  await createAccountRow(t.stack.db, { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1', domain: t.config.domain });
}, 60_000);
afterAll(async () => {
  for (const c of conns) c.close();
  await t?.stop();
});

const tls = () => openSipTls(t, conns, SOURCE);

let cseq = 0;
function register(c: RawSipConnection, auth?: string): Promise<SipMessage> {
  const d = t.config.domain;
  return c.request(buildRequest({
    method: 'REGISTER', ruri: `sip:${d}`, from: `sip:201@${d}`, to: `sip:201@${d}`, callId: 'restart-nonce@test', cseq: ++cseq,
    transport: 'TLS', localHost: c.localHost, localPort: c.localPort, contactUser: '201',
    extraHeaders: ['Expires: 600', ...(auth ? [`Authorization: ${auth}`] : [])],
  }));
}
const answer = (challenge: string, password = 'alice-secret-1') =>
  digestAuthorization({ challenge, method: 'REGISTER', uri: `sip:${t.config.domain}`, username: '201', password });

describe('credentials from before a Kamailio restart', () => {
  it('get a new challenge with stale=true, are not counted as failures, and the answer registers', async () => {
    let c = await tls();
    const first = await register(c);
    const before = answer(header(first, 'www-authenticate') as string);
    expect((await register(c, before)).status).toBe(200);

    const oldPid = t.stack.kamailio.pid as number;
    process.kill(oldPid, 'SIGKILL'); // a process this test's stack started
    for (let i = 0; i < 150 && (!t.stack.kamailio.pid || t.stack.kamailio.pid === oldPid); i++) await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 100; i++) {
      if (await t.stack.rpc.call('core.version').then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(t.stack.kamailio.pid).not.toBe(oldPid);

    c = await tls();
    // three refreshes with the old nonce (more than authFailsMax = 2): each one re-challenged
    let fresh: SipMessage | undefined;
    for (let i = 0; i < 3; i++) {
      fresh = await register(c, before.replace(/nc=0*1\b/, `nc=0000000${i + 2}`));
      expect(fresh.status).toBe(401);
      expect(parseChallenge(header(fresh, 'www-authenticate') as string)['stale'], `refresh ${i + 1}: ${fresh.raw.split('\r\n').filter((l) => /^(SIP|WWW)/.test(l)).join(' | ')}`).toBe('true');
    }
    // not banned: answering the fresh challenge registers
    expect((await register(c, answer(header(fresh as SipMessage, 'www-authenticate') as string))).status).toBe(200);
  }, 60_000);

  it('a wrong password is still refused with 403 and counted (2 failures ban the source)', async () => {
    const c = await tls();
    for (let i = 0; i < 2; i++) {
      const ch = await register(c);
      expect((await register(c, answer(header(ch, 'www-authenticate') as string, `guess-${i}`))).status).toBe(403);
    }
    await expect(register(c)).rejects.toThrow(/no matching SIP message/);
  }, 30_000);
});
