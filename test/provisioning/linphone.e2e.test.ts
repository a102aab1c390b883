import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { adminApiFor, type Api } from '../admin-api/live-rig.ts';
import { startLinphonec, type Linphonec } from './linphonec.ts';

/**
 * Issue 16, end to end with real phones: two Debian linphonec (liblinphone 5.1) configured
 * only from the project's provisioning URL register over TLS (server certificate verified
 * for the DNS name "localhost"), with accounts and devices made through the admin API, call
 * each other with mandatory ZRTP, and both print the same SAS. A revoked device's URL → 403.
 *
 * linphonec 5.1 does not fetch remote provisioning itself (neither `[misc] config-uri` with
 * https:// or file:// nor an XML file passed to -c/-b is applied; see lpconfig-ini.ts), so
 * the test fetches the URL over HTTPS and hands linphonec that document entry for entry.
 */
const artifacts = new URL('../../test-artifacts/', import.meta.url).pathname;
let t: TestStack;
let api: Api;
let work: string;
const phones: Linphonec[] = [];

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  // "localhost" is a DNS name in the dev certificate and resolves to loopback: no hosts edit needed.
  t = await startTestStack({ publicHost: 'localhost' });
  api = await adminApiFor(t);
  work = mkdtempSync(join(tmpdir(), 'susurro-linphonec-'));
}, 60_000);
afterAll(async () => {
  for (const p of phones) await p.stop().catch(() => {});
  // the phones' own logs, kept as test artifacts (a failure is diagnosed from them)
  mkdirSync(artifacts, { recursive: true });
  for (const p of phones) writeFileSync(join(artifacts, `linphonec-${basename(p.dir)}.log`), p.log());
  await t?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function provisionedPhone(ext: string, name: string): Promise<{ phone: Linphonec; url: string; deviceId: number }> {
  const acc = await api.call('POST', '/api/v1/accounts', { extension: ext, username: name, displayName: name });
  expect(acc.status).toBe(201);
  const dev = await api.call('POST', `/api/v1/accounts/${ext}/devices`, { label: `linphonec ${name}` });
  expect(dev.status).toBe(201);
  const url = dev.body.url as string;
  expect(url.startsWith(`https://localhost:${t.config.ports.admin}/provisioning/`)).toBe(true);
  const xml = await get(url, t.caPem);
  expect(xml.status).toBe(200);
  const phone = startLinphonec(join(work, ext), xml.body, t.caPem);
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
    expect(alice.phone.log()).toMatch(/ZRTP/);
    console.log(`[linphonec] dial → SAS on both: ${sasMs} ms (poll granularity 100 ms), SAS ${aliceSas}`);

    // revoke Bob's device: its URL answers 403 (positive control: Alice's still 200)
    const rev = await api.call('DELETE', `/api/v1/devices/${bob.deviceId}`);
    expect(rev.status).toBe(200);
    expect(rev.body.turn).toBe('ok');
    expect((await get(bob.url, t.caPem)).status).toBe(403);
    expect((await get(alice.url, t.caPem)).status).toBe(200);
  }, 120_000);
});
