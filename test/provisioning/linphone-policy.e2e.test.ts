import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsGet } from '../support/https-get.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { TurnUdpClient } from '../support/turn-client.ts';
import { adminApiFor, type Api } from '../admin-api/live-rig.ts';
import { handConfiguredRc, registeredPhone, startLinphonec, startLinphonecWithRc, startPhoneNamespace, type Linphonec, type PhoneNamespace } from './linphonec.ts';

/**
 * Issue 16 verification with real Debian linphonec (liblinphone 5.1) through the real Kamailio,
 * coturn and admin service, phones in a loopback-only namespace (linphonec.ts):
 *  - media policy: a phone set by hand to plain RTP or SDES is refused 488 and nothing reaches
 *    the callee; a DTLS-only phone is refused with the documented "verified calls only" reason
 *    while calls.requireSas is on; positive controls: the same hand-configured phone in ZRTP
 *    mode reaches the callee, and DTLS-only is accepted with calls.requireSas off;
 *  - revoking an account during a live call: no contact left in Kamailio, the call ends on
 *    both phones, the provisioning URL answers 403 and the phone's TURN credential no longer
 *    allocates, each within 1 s of the API call (measured from the moment it is sent).
 */
const artifacts = new URL('../../test-artifacts/', import.meta.url).pathname;
const SAS_LINE = /Call \d+ is fully encrypted and auth token is (\S+?)\.?\n/;
const phones: Linphonec[] = [];
const stacks: Array<{ t: TestStack; ns: PhoneNamespace }> = [];
let work: string;

interface Rig { t: TestStack; api: Api; ns: PhoneNamespace }

async function rig(requireSas: boolean): Promise<Rig> {
  const t = await startTestStack({ publicHost: 'localhost', calls: { requireSas } });
  const dir = join(work, `stack-${stacks.length}`);
  const ns = await startPhoneNamespace(dir, t.caPem, [t.config.ports.sipTls, t.config.ports.admin]);
  stacks.push({ t, ns });
  return { t, api: await adminApiFor(t), ns };
}

async function account(r: Rig, ext: string): Promise<string> {
  const acc = await r.api.call('POST', '/api/v1/accounts', { extension: ext, username: `u${ext}`, displayName: `u${ext}` });
  expect(acc.status, JSON.stringify(acc.body)).toBe(201);
  return acc.body.password as string;
}

async function provisioned(r: Rig, ext: string): Promise<{ phone: Linphonec; url: string }> {
  await account(r, ext);
  const dev = await r.api.call('POST', `/api/v1/accounts/${ext}/devices`, { label: `linphonec ${ext}` });
  expect(dev.status).toBe(201);
  const phone = startLinphonec(r.ns, ext, dev.body.url);
  phones.push(phone);
  return { phone, url: dev.body.url };
}

async function handConfigured(r: Rig, ext: string, mediaEncryption: 'none' | 'srtp' | 'zrtp' | 'dtls'): Promise<Linphonec> {
  const password = await account(r, ext);
  const rc = handConfiguredRc({ ext, password, domain: r.t.config.domain, sipTlsPort: r.t.config.ports.sipTls, caFile: join(r.ns.dir, 'certs', 'ca.pem'), mediaEncryption });
  const phone = startLinphonecWithRc(r.ns, ext, rc);
  phones.push(phone);
  return phone;
}


const inviteReceived = (callee: Linphonec) => /^INVITE sip:\S+ SIP\/2\.0\r?$/m.test(callee.log());
const callEnded = (remoteUser: string) => new RegExp(`^Call \\d+ with (?:"[^"]*" )?<?sip:${remoteUser}@[^\\s>]+>? ended`, 'm');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'susurro-linphonec-policy-'));
});
afterAll(async () => {
  for (const p of phones) await p.stop().catch(() => {});
  mkdirSync(artifacts, { recursive: true });
  for (const p of phones) writeFileSync(join(artifacts, `linphonec-policy-${basename(p.dir)}.log`), p.log());
  for (const s of stacks) {
    await s.ns.stop();
    await s.t.stop();
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('native media policy with real linphonec (calls.requireSas on, the default)', () => {
  let r: Rig;
  let callee: Linphonec;
  beforeAll(async () => {
    r = await rig(true);
    callee = (await provisioned(r, '301')).phone;
    await registeredPhone(callee);
  }, 90_000);

  it.each([
    ['none', '310'],
    ['srtp', '311'],
  ] as const)('a phone set to media_encryption=%s is refused 488 and nothing reaches the callee', async (mode, ext) => {
    const caller = await handConfigured(r, ext, mode);
    await registeredPhone(caller);
    const from = caller.log().length;
    caller.send(`call sip:301@${r.t.config.domain}`);
    await expect.poll(() => caller.log().slice(from), { timeout: 10_000, interval: 200 }).toMatch(/^SIP\/2\.0 488 [^\r\n]+/m);
    const refusal = /^SIP\/2\.0 488 ([^\r\n]+)/m.exec(caller.log().slice(from))![1];
    console.log(`[linphonec ${mode}] refused: 488 ${refusal}`);
    expect(refusal).toMatch(/^Not Acceptable Here/);
    await sleep(500);
    expect(inviteReceived(callee)).toBe(false);
  }, 60_000);

  it('positive control: the same hand-configured phone in ZRTP mode reaches the callee and both show one SAS', async () => {
    const caller = await handConfigured(r, '312', 'zrtp');
    await registeredPhone(caller);
    caller.send(`call sip:301@${r.t.config.domain}`);
    const [, a] = await caller.waitFor(SAS_LINE, 30_000);
    const [, b] = await callee.waitFor(SAS_LINE, 30_000);
    expect(b).toBe(a);
    expect(inviteReceived(callee)).toBe(true);
    caller.send('terminate');
    await caller.waitFor(callEnded('301'), 10_000);
  }, 60_000);

  it('a DTLS-only phone is refused with the documented "verified calls only" reason; the DTLS callee gets nothing', async () => {
    const dtlsCallee = await handConfigured(r, '321', 'dtls');
    await registeredPhone(dtlsCallee);
    const caller = await handConfigured(r, '320', 'dtls');
    await registeredPhone(caller);
    const from = caller.log().length;
    caller.send(`call sip:321@${r.t.config.domain}`);
    await expect.poll(() => caller.log().slice(from), { timeout: 10_000, interval: 200 }).toMatch(/^SIP\/2\.0 488 [^\r\n]+/m);
    const refusal = /^SIP\/2\.0 488 ([^\r\n]+)/m.exec(caller.log().slice(from))![1];
    console.log(`[linphonec dtls, requireSas on] refused: 488 ${refusal}`);
    // kamailio-config/sdp-policy.lua M.SAS_REFUSED, docs/native-phones.md
    expect(refusal).toBe('Not Acceptable Here: verified calls only: DTLS-SRTP media without ZRTP cannot show a security code');
    await sleep(500);
    expect(inviteReceived(dtlsCallee)).toBe(false);
  }, 60_000);
});

describe('positive control: calls.requireSas off', () => {
  it('two DTLS-only phones call each other; DTLS-SRTP keys the media', async () => {
    const r = await rig(false);
    const callee = await handConfigured(r, '331', 'dtls');
    const caller = await handConfigured(r, '330', 'dtls');
    await registeredPhone(callee);
    await registeredPhone(caller);
    caller.send(`call sip:331@${r.t.config.domain}`);
    await expect.poll(() => callee.log(), { timeout: 15_000, interval: 200 }).toMatch(/^INVITE sip:\S+ SIP\/2\.0\r?$/m);
    await expect.poll(() => caller.log(), { timeout: 15_000, interval: 200 }).toMatch(/^SIP\/2\.0 200 [^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*?CSeq: \d+ INVITE\r?$/m);
    await expect.poll(() => caller.log(), { timeout: 15_000, interval: 200 }).toMatch(/DTLS Handshake on RTP channel successful/);
    expect(caller.log()).toContain('Negotiated media encryption is LinphoneMediaEncryptionDTLS');
    expect(caller.log()).not.toMatch(/^SIP\/2\.0 488 /m);
    caller.send('terminate');
    await caller.waitFor(callEnded('331'), 10_000);
  }, 120_000);
});

describe('revoking an account during a live native call', () => {
  it('no contact, the call ends on both phones, the URL answers 403, TURN refuses — each within 1 s', async () => {
    const r = await rig(true);
    const alice = await provisioned(r, '341');
    const bob = await provisioned(r, '342');
    await registeredPhone(alice.phone);
    await registeredPhone(bob.phone);
    alice.phone.send(`call sip:342@${r.t.config.domain}`);
    await alice.phone.waitFor(SAS_LINE, 30_000);
    await bob.phone.waitFor(SAS_LINE, 30_000);

    // Bob's TURN credential, as his phone applied it from the provisioning document
    const turnUser = /Set auth_info_1\|username = (\S+)/.exec(bob.phone.log())?.[1];
    const turnPass = /Set auth_info_1\|passwd = (\S+)/.exec(bob.phone.log())?.[1];
    expect(turnUser, 'TURN username in Bob\'s log').toBeDefined();
    expect(turnPass, 'TURN password in Bob\'s log').toBeDefined();
    const allocates = async () => {
      const c = await TurnUdpClient.open('127.0.0.1', r.t.config.ports.turn);
      try {
        const a = await c.allocate(turnUser!, turnPass!);
        if (a.status === 200) await c.release().catch(() => 0);
        return a.status;
      } finally {
        c.close();
      }
    };
    const aor = (ext: string) => `${ext}@${r.t.config.domain}`;
    const contacts = async (ext: string) => {
      try {
        const l = await r.t.stack.rpc.call<{ Contacts?: unknown[] }>('ul.lookup', ['location', aor(ext)]);
        return l.Contacts?.length ?? 0;
      } catch {
        return 0; // "AOR not found"
      }
    };
    // controls: before revoke every probe sees the live state
    expect(await allocates()).toBe(200);
    expect(await contacts('342')).toBe(1);
    expect((await httpsGet(bob.url, r.t.caPem)).status).toBe(200);

    const t0 = performance.now();
    const until = async (ok: () => Promise<boolean> | boolean): Promise<number | null> => {
      while (performance.now() - t0 < 3_000) {
        if (await ok()) return performance.now() - t0;
        await sleep(20);
      }
      return null;
    };
    const revoke = r.api.call('POST', '/api/v1/accounts/342/disable');
    const [tContact, tBobEnded, tAliceEnded, t403, tTurn, res] = await Promise.all([
      until(async () => (await contacts('342')) === 0),
      until(() => callEnded('341').test(bob.phone.output())),
      until(() => callEnded('342').test(alice.phone.output())),
      until(async () => (await httpsGet(bob.url, r.t.caPem)).status === 403),
      until(async () => (await allocates()) === 401),
      revoke,
    ]);
    const tApi = performance.now() - t0;
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const fmt = (x: number | null) => (x === null ? 'never (3 s)' : `${x.toFixed(0)} ms`);
    console.log(`[linphonec revoke] API ${tApi.toFixed(0)} ms; no contact ${fmt(tContact)}; Bob's call ended ${fmt(tBobEnded)}; Alice's ${fmt(tAliceEnded)}; URL 403 ${fmt(t403)}; TURN Allocate 401 ${fmt(tTurn)} (probe interval 20 ms)`);
    for (const x of [tContact, tBobEnded, tAliceEnded, t403, tTurn]) {
      expect(x).not.toBeNull();
      expect(x!).toBeLessThanOrEqual(1_000);
    }
    // Alice, not revoked, keeps her registration (the probe is specific to Bob)
    expect(await contacts('341')).toBe(1);
  }, 120_000);
});
