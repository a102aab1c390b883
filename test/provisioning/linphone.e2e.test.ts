import { DatabaseSync } from 'node:sqlite';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsGet } from '../support/https-get.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { adminApiFor, type Api } from '../admin-api/live-rig.ts';
import { startLinphonec, startPhoneNamespace, type Linphonec, type PhoneNamespace } from './linphonec.ts';

/**
 * Issue 16, end to end with real phones: two Debian linphonec (liblinphone 5.1) configured
 * only from the project's provisioning URL (liblinphone fetches `[misc] config-uri` itself,
 * over HTTPS, verifying the certificate) register over TLS (certificate verified for the DNS
 * name "localhost"), with accounts and devices made through the admin API, call each other
 * with mandatory ZRTP, both print the same SAS, and hang up. A revoked device's URL → 403.
 * The phones live in a loopback-only network namespace (see linphonec.ts).
 */
const artifacts = new URL('../../test-artifacts/', import.meta.url).pathname;
let t: TestStack;
let api: Api;
let work: string;
let ns: PhoneNamespace;
let hangUp: { alice: Linphonec; bob: Linphonec } | undefined;
const phones: Linphonec[] = [];

beforeAll(async () => {
  // "localhost" is a DNS name in the dev certificate and resolves to loopback: no hosts edit needed.
  t = await startTestStack({ publicHost: 'localhost' });
  api = await adminApiFor(t);
  work = mkdtempSync(join(tmpdir(), 'susurro-linphonec-'));
  ns = await startPhoneNamespace(work, t.caPem, [t.config.ports.sipTls, t.config.ports.admin]);
}, 60_000);
afterAll(async () => {
  for (const p of phones) await p.stop().catch(() => {});
  // the phones' own logs, kept as test artifacts (a failure is diagnosed from them)
  mkdirSync(artifacts, { recursive: true });
  for (const p of phones) {
    writeFileSync(join(artifacts, `linphonec-${basename(p.dir)}.log`), p.log());
    writeFileSync(join(artifacts, `linphonec-${basename(p.dir)}.out`), p.output()); // what the test matched against
  }
  await ns?.stop();
  await t?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/**
 * linphonec's console line when a call ends: "Call 1 with <remote address> ended (No error)."
 * The remote address is printed in full, display name included: the callee sees
 * `"alice" <sip:201@susurro.local>`, with a space, so it is matched up to " ended", not as \S+.
 */
const callEnded = (remoteUser: string) => new RegExp(`^Call \\d+ with (?:"[^"]*" )?<?sip:${remoteUser}@[^\\s>]+>? ended \\(([^)]*)\\)`, 'm');

async function provisionedPhone(ext: string, name: string): Promise<{ phone: Linphonec; url: string; deviceId: number }> {
  const acc = await api.call('POST', '/api/v1/accounts', { extension: ext, username: name, displayName: name });
  expect(acc.status).toBe(201);
  const dev = await api.call('POST', `/api/v1/accounts/${ext}/devices`, { label: `linphonec ${name}` });
  expect(dev.status).toBe(201);
  const url = dev.body.url as string;
  expect(url.startsWith(`https://localhost:${t.config.ports.admin}/provisioning/`)).toBe(true);
  const phone = startLinphonec(ns, ext, url);
  phones.push(phone);
  return { phone, url, deviceId: dev.body.device.id };
}

describe('Linphone (linphonec 5.1) provisioned by URL', () => {
  it('two phones register over TLS, call with mandatory ZRTP and show the same SAS; a revoked device URL answers 403', async () => {
    const alice = await provisionedPhone('201', 'alice');
    const bob = await provisionedPhone('202', 'bob');
    for (const p of [alice, bob]) {
      p.phone.send('soundcard use files');
      p.phone.send('autoanswer enable');
    }
    // registration over TLS, server certificate verified (no other trust than the stack CA)
    for (const p of [alice, bob]) {
      await expect.poll(() => { p.phone.send('status register'); return p.phone.output(); }, { timeout: 20_000, interval: 1000 }).toMatch(/registered, identity="[^"]+" <sip:20\d@/);
      expect(p.phone.log()).toMatch(/SSL handshake finished, SSL version is \[TLSv1\.2\]/);
      expect(p.phone.log()).not.toMatch(/Certificate verification failed/);
    }
    const dialed = Date.now();
    alice.phone.send(`call sip:202@${t.config.domain}`);
    const [, aliceSas] = await alice.phone.waitFor(/Call \d+ is fully encrypted and auth token is (\S+?)\.?\n/, 30_000);
    const [, bobSas] = await bob.phone.waitFor(/Call \d+ is fully encrypted and auth token is (\S+?)\.?\n/, 30_000);
    const sasMs = Date.now() - dialed;
    expect(aliceSas).toMatch(/^[a-z0-9]{4}$/);
    expect(bobSas).toBe(aliceSas);
    for (const p of [alice, bob]) {
      const log = p.phone.log();
      expect(log).toContain('All streams are encrypted, key exchanged using ZRTP');
      // configured by the fetched document (liblinphone logs each entry it applies)
      expect(log).toContain('Set sip|media_encryption_mandatory = 1');
      expect(log).toMatch(/Set misc\|config-uri = https:\/\/localhost:\d+\/provisioning\//);
      // loopback only: every SDP and ICE address is 127.0.0.1 (the namespace has nothing else)
      const addresses = [...log.matchAll(/^c=IN IP[46] (\S+)$/gm), ...log.matchAll(/^a=candidate:\S+ \d \S+ \d+ (\S+) /gm)].map((m) => m[1]);
      expect(addresses.length).toBeGreaterThan(0);
      expect(new Set(addresses)).toEqual(new Set(['127.0.0.1']));
    }
    console.log(`[linphonec] dial → SAS on both: ${sasMs} ms (poll granularity 100 ms), SAS ${aliceSas}`);

    // hang-up from the caller: Alice's side ends at once; whether Bob's does is the next test
    alice.phone.send('terminate');
    await alice.phone.waitFor(callEnded('202'), 10_000);
    hangUp = { alice: alice.phone, bob: bob.phone };

    // revoke Bob's device: its URL answers 403, its TURN credentials are deleted (positive control: Alice's still 200)
    const deviceRows = (id: number) => {
      const db = new DatabaseSync(t.config.turn.credentialsDb, { readOnly: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM susurro_turn_credential WHERE scope = ?').get(`device:${id}`) as { n: number }).n;
      } finally {
        db.close();
      }
    };
    expect(deviceRows(bob.deviceId)).toBe(1); // Bob's phone fetched its config: one live TURN credential
    const rev = await api.call('DELETE', `/api/v1/devices/${bob.deviceId}`);
    expect(rev.status).toBe(200);
    expect(rev.body.turn).toBe('ok');
    expect((await httpsGet(bob.url, t.caPem)).status).toBe(403);
    expect(deviceRows(bob.deviceId)).toBe(0);
    expect((await httpsGet(alice.url, t.caPem)).status).toBe(200);
    expect(deviceRows(alice.deviceId)).toBe(1);
  }, 120_000);

  it('a phone that does not trust the server certificate gets no configuration and does not register', async () => {
    // Attack: a man in the middle with another CA's certificate. Here the phone is given a CA that
    // did not sign the server certificate, the mirror image; the first test is the positive control.
    const other = join(work, 'other-ca');
    mkdirSync(other, { recursive: true });
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=not the susurro CA',
      '-keyout', join(other, 'key.pem'), '-out', join(other, 'ca.pem'), '-days', '1'], { stdio: 'ignore' });
    const wrongNs = await startPhoneNamespace(other, readFileSync(join(other, 'ca.pem'), 'utf8'), [t.config.ports.sipTls, t.config.ports.admin]);
    try {
      const acc = await api.call('POST', '/api/v1/accounts', { extension: '203', username: 'carol', displayName: 'carol' });
      expect(acc.status).toBe(201);
      const dev = await api.call('POST', '/api/v1/accounts/203/devices', { label: 'untrusting phone' });
      const carol = startLinphonec(wrongNs, '203', dev.body.url);
      phones.push(carol);
      await expect.poll(() => carol.log(), { timeout: 20_000, interval: 500 }).toMatch(/Certificate verification failed|certificate.*not.trusted|flags=\[not-trusted/i);
      carol.send('status register');
      await carol.waitFor(/registered=/, 5_000);
      expect(carol.output()).not.toMatch(/registered, identity=/);
      expect(carol.log()).not.toContain('Set sip|media_encryption_mandatory = 1'); // no configuration applied
      // the device never fetched: the server saw no successful download
      const list = await api.call('GET', '/api/v1/accounts/203/devices');
      expect(list.body.items[0].lastFetchedAt).toBeNull();
    } finally {
      await wrongNs.stop();
    }
  }, 60_000);

  // Bob's call ends on Alice's BYE, relayed over his own connection, and Alice's BYE is answered
  // 200 (not 408 after Timer F). Until this was fixed the test matched Bob's "Call 1 with ...
  // ended" line with \S+, which his display-name address never matches.
  it('hang-up reaches the callee: Bob\'s call ends and Alice\'s BYE is answered', async () => {
    expect(hangUp).toBeDefined();
    const [, reason] = await hangUp!.bob.waitFor(callEnded('201'), 10_000);
    expect(reason).toBe('No error'); // a normal hang-up, not an error or a media timeout
    const bobLog = hangUp!.bob.log();
    expect(bobLog).toMatch(/^BYE sip:202@\S+ SIP\/2\.0\r?$/m); // the BYE reached Bob
    const aliceLog = hangUp!.alice.log();
    // Alice's BYE transaction got Bob's 200 back through the proxy
    expect(aliceLog).toMatch(/^SIP\/2\.0 200 [^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*?CSeq: \d+ BYE\r?$/m);
    expect(aliceLog).not.toMatch(/^SIP\/2\.0 408 /m);
  }, 30_000);
});
