/**
 * Call routing policy of kamailio.cfg with sip.js user agents over WSS (issue #2): only
 * registered local users, only encrypted media offers, only as oneself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionState } from 'sip.js';
import { createAccountRow } from '../../src/db/index.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { RawSipConnection, StaticSdh, buildResponse, createPhone, dtlsSdp, endSession, header, plainRtpSdp, rawRegister, zrtpSdp, type Phone } from '../support/sip-client.ts';

let t: TestStack;
let alice: Phone;
let bob: Phone;
const users = [
  { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1' },
  { extension: '202', username: 'bob', displayName: 'Bob', password: 'bob-secret-2' },
  { extension: '203', username: 'carol', displayName: 'Carol', password: 'carol-secret-3' },
  { extension: '204', username: 'dave', displayName: 'Dave', password: 'dave-secret-4' },
];

beforeAll(async () => {
  t = await startTestStack();
  for (const u of users) await createAccountRow(t.stack.db, { ...u, domain: t.config.domain });
  const origin = `https://127.0.0.1:${t.config.ports.admin}`;
  const phone = (ext: string, password: string) =>
    createPhone({ wssUrl: t.stack.urls.wss, domain: t.config.domain, ext, password, ca: t.caPem, origin });
  alice = await phone('201', 'alice-secret-1');
  bob = await phone('202', 'bob-secret-2');
  expect(await alice.register()).toBe(200);
  expect(await bob.register()).toBe(200);
});
afterAll(async () => {
  await alice?.stop();
  await bob?.stop();
  await t?.stop();
});

const uri = (ext: string, domain = t.config.domain) => `sip:${ext}@${domain}`;

describe('alice calls bob over WSS', () => {
  it('an INVITE with a DTLS SDP reaches bob, is answered, tracked as a dialog and hung up', async () => {
    const incoming = bob.nextInvitation();
    const calling = alice.call(uri('202'), { sdp: dtlsSdp() });
    const invitation = await incoming;
    expect(invitation.request.body).toMatch(/^a=fingerprint:sha-256 /m);
    expect(invitation.request.from.uri.user).toBe('201');
    // credentials were consumed by the proxy, not forwarded to the callee
    expect(invitation.request.getHeader('Proxy-Authorization')).toBeUndefined();
    await invitation.accept();
    const { status, session } = await calling;
    expect(status).toBe(200);
    expect(session.state).toBe(SessionState.Established);

    const dialogs = await t.stack.rpc.call<unknown[]>('dlg.list');
    expect(JSON.stringify(dialogs)).toContain(invitation.request.callId);

    const ended = new Promise<void>((resolve) => invitation.stateChange.addListener((s) => { if (s === SessionState.Terminated) resolve(); }));
    await endSession(session);
    await ended;
  });

  it('a re-INVITE that downgrades an established call to plain RTP is refused with 488', async () => {
    const incoming = bob.nextInvitation();
    const calling = alice.call(uri('202'), { sdp: dtlsSdp() });
    const invitation = await incoming;
    await invitation.accept();
    const { session } = await calling;
    expect(session.state).toBe(SessionState.Established);
    const sdh = session.sessionDescriptionHandler as StaticSdh;
    sdh.localSdp = plainRtpSdp();
    const status = await new Promise<number>((resolve, reject) => {
      session.invite({
        requestDelegate: {
          onAccept: (r) => resolve(r.message.statusCode ?? 0),
          onReject: (r) => resolve(r.message.statusCode ?? 0),
        },
      }).catch(reject);
    });
    expect(status).toBe(488);
    // a re-INVITE keeping DTLS is relayed and accepted
    sdh.localSdp = dtlsSdp();
    const ok = await new Promise<number>((resolve, reject) => {
      session.invite({
        requestDelegate: {
          onAccept: (r) => resolve(r.message.statusCode ?? 0),
          onReject: (r) => resolve(r.message.statusCode ?? 0),
        },
      }).catch(reject);
    });
    expect(ok).toBe(200);
    const ended = new Promise<void>((resolve) => invitation.stateChange.addListener((st) => { if (st === SessionState.Terminated) resolve(); }));
    await endSession(session);
    await ended;
  });

  it('an INVITE with a ZRTP (a=zrtp-hash) RTP/AVP SDP reaches bob', async () => {
    const incoming = bob.nextInvitation();
    const calling = alice.call(uri('202'), { sdp: zrtpSdp() });
    const invitation = await incoming;
    expect(invitation.request.body).toMatch(/^a=zrtp-hash:1\.10 [0-9a-f]{64}/m);
    await invitation.reject({ statusCode: 486 });
    expect((await calling).status).toBe(486);
  });
});

describe('a callee registered over SIP/TLS', () => {
  it('receives the INVITE over its own TLS connection and its answer reaches the WSS caller', async () => {
    const carol = await RawSipConnection.openTls({ host: '127.0.0.1', port: t.config.ports.sipTls, ca: t.caPem });
    try {
      expect((await rawRegister(carol, { ext: '203', domain: t.config.domain, password: 'carol-secret-3' })).status).toBe(200);
      const calling = alice.call(uri('203'), { sdp: dtlsSdp() });
      const invite = await carol.waitFor((m) => m.method === 'INVITE');
      expect(invite.body).toMatch(/^a=fingerprint:/m);
      expect(header(invite, 'from')).toContain('sip:201@');
      expect(invite.headers.get('via')?.[0]).toMatch(/^SIP\/2\.0\/TLS /);
      carol.send(buildResponse(invite, 486, 'Busy Here'));
      expect((await calling).status).toBe(486);
      await rawRegister(carol, { ext: '203', domain: t.config.domain, password: 'carol-secret-3', expires: 0 });
    } finally {
      carol.close();
    }
  });
});

describe('a callee whose WebSocket closed', () => {
  it('is not tried any more: a call to it gets 480 (usrloc handle_lost_tcp)', async () => {
    const dave = await RawSipConnection.openWss({ url: t.stack.urls.wss, ca: t.caPem, origin: `https://127.0.0.1:${t.config.ports.admin}` });
    expect((await rawRegister(dave, { ext: '204', domain: t.config.domain, password: 'dave-secret-4' })).status).toBe(200);
    expect(JSON.stringify(await t.stack.rpc.call('ul.lookup', ['location', `204@${t.config.domain}`]))).toContain('"AoR":"204"');
    dave.close();
    await new Promise((r) => setTimeout(r, 300));
    const r = await alice.call(uri('204'), { sdp: dtlsSdp() });
    expect(r.status).toBe(480);
  });
});

describe('refused calls', () => {
  it('plain RTP/AVP without zrtp-hash → 488 and bob is not rung', async () => {
    const r = await alice.call(uri('202'), { sdp: plainRtpSdp() });
    expect(r.status).toBe(488);
    expect(bob.invitations).toHaveLength(0);
  });

  it('a DTLS offer that also carries SDES keys (a=crypto, readable by the proxy) → 488', async () => {
    const sdes = dtlsSdp().replace('a=mid:0\r\n', 'a=mid:0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n');
    expect(sdes).toContain('a=crypto:1');
    const r = await alice.call(uri('202'), { sdp: sdes });
    expect(r.status).toBe(488);
  });

  it('a DTLS audio stream next to a plain RTP/AVP video stream without zrtp-hash → 488', async () => {
    const mixed = dtlsSdp() + 'm=video 40002 RTP/AVP 96\r\nc=IN IP4 127.0.0.1\r\na=rtpmap:96 VP8/90000\r\n';
    const r = await alice.call(uri('202'), { sdp: mixed });
    expect(r.status).toBe(488);
  });

  it('an INVITE without SDP offer → 488', async () => {
    const r = await alice.call(uri('202'), { withoutSdp: true });
    expect(r.status).toBe(488);
  });

  it('a foreign domain → 403 Not relaying', async () => {
    const r = await alice.call('sip:202@elsewhere.example', { sdp: dtlsSdp() });
    expect(r.status).toBe(403);
    expect(r.reason).toMatch(/relay/i);
  });

  it('a spoofed From (alice authenticates, claims to be bob) → 403', async () => {
    const r = await alice.call(uri('203'), { sdp: dtlsSdp(), fromUri: uri('202') });
    expect(r.status).toBe(403);
  });

  it('an unknown extension → 404', async () => {
    const r = await alice.call(uri('299'), { sdp: dtlsSdp() });
    expect(r.status).toBe(404);
  });

  it('a known but unregistered extension → 480', async () => {
    const r = await alice.call(uri('203'), { sdp: dtlsSdp() });
    expect(r.status).toBe(480);
  });

  it('none of the refused calls rang bob', () => {
    expect(bob.invitations).toHaveLength(0);
  });
});

describe('logs', () => {
  it('kamailio.log holds no message bodies, credentials or digests after all these calls', async () => {
    const ha1 = (await t.stack.db.get<{ ha1: string }>('SELECT ha1 FROM subscriber WHERE username = ?', ['201']))?.ha1;
    expect(ha1).toMatch(/^[0-9a-f]{32}$/);
    const log = readFileSync(join(t.stack.runDir, 'kamailio.log'), 'utf8');
    expect(log).toContain('refused'); // the script did log the refusals (so the log is the right file)
    for (const secret of ['v=0', 'a=fingerprint', 'a=crypto', 'ice-pwd', 'Authorization', 'response=', 'alice-secret-1', ha1 as string]) {
      expect(log).not.toContain(secret);
    }
  });
});
