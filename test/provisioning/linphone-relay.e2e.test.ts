import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { adminApiFor, type Api } from '../admin-api/live-rig.ts';
import { registeredPhone, startLinphonec, startPhoneNamespace, type Linphonec, type PhoneNamespace } from './linphonec.ts';

/**
 * Issue 16 "media through the project's TURN" for native phones: two linphonec configured only
 * from the provisioning URL, each in its OWN loopback-only namespace (so neither can reach the
 * other's host candidate: 127.0.0.1 in one namespace is not 127.0.0.1 in the other), each with
 * the SIP/TLS and HTTPS byte bridges and a UDP bridge to coturn that passes back only what
 * coturn sends (a symmetric NAT: linphonec.ts). The only way their media can meet is the relay.
 * Asserted: both phones' ICE nominates a relay candidate pair, coturn's CLI lists a session for
 * each phone's provisioned TURN user, and both show the same SAS with ZRTP over it.
 */
const artifacts = new URL('../../test-artifacts/', import.meta.url).pathname;
const SAS_LINE = /Call \d+ is fully encrypted and auth token is (\S+?)\.?\n/;
let t: TestStack;
let api: Api;
let work: string;
const namespaces: PhoneNamespace[] = [];
const phones: Linphonec[] = [];

beforeAll(async () => {
  t = await startTestStack({ publicHost: 'localhost' });
  api = await adminApiFor(t);
  work = mkdtempSync(join(tmpdir(), 'susurro-linphonec-relay-'));
}, 60_000);
afterAll(async () => {
  for (const p of phones) await p.stop().catch(() => {});
  mkdirSync(artifacts, { recursive: true });
  for (const p of phones) writeFileSync(join(artifacts, `linphonec-relay-${basename(p.dir)}.log`), p.log());
  for (const ns of namespaces) await ns.stop();
  await t?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function phoneInOwnNamespace(ext: string, privateAddress: string): Promise<{ phone: Linphonec; turnUser: string }> {
  const ns = await startPhoneNamespace(join(work, `ns-${ext}`), t.caPem, [t.config.ports.sipTls, t.config.ports.admin], [t.config.ports.turn], privateAddress);
  namespaces.push(ns);
  const acc = await api.call('POST', '/api/v1/accounts', { extension: ext, username: `u${ext}`, displayName: `u${ext}` });
  expect(acc.status).toBe(201);
  const dev = await api.call('POST', `/api/v1/accounts/${ext}/devices`, { label: `linphonec ${ext}` });
  expect(dev.status).toBe(201);
  const phone = startLinphonec(ns, ext, dev.body.url);
  phones.push(phone);
  await registeredPhone(phone);
  const turnUser = /Set auth_info_1\|username = (\S+)/.exec(phone.log())?.[1];
  expect(turnUser).toBeDefined();
  return { phone, turnUser: turnUser! };
}

describe('native phones relay their media through the project\'s coturn', () => {
  it('two provisioned linphonec behind symmetric NATs: ICE nominates relay pairs, coturn has both sessions, one SAS', async () => {
    const alice = await phoneInOwnNamespace('401', '10.203.0.1');
    const bob = await phoneInOwnNamespace('402', '10.203.0.2');
    alice.phone.send(`call sip:402@${t.config.domain}`);
    const [, a] = await alice.phone.waitFor(SAS_LINE, 40_000);
    const [, b] = await bob.phone.waitFor(SAS_LINE, 40_000);
    expect(b).toBe(a);
    for (const p of [alice, bob]) {
      const log = p.phone.log();
      // the offer and answer carry a relay candidate (RFC 8445 §5.1.1.2)
      expect(log).toMatch(/^a=candidate:\S+ 1 UDP \d+ 127\.0\.0\.1 \d+ typ relay/m);
      // ICE (mediastreamer2) nominated relay ⇄ relay for RTP and RTCP, and says so
      expect(log).toContain('ICE state is IceStateRelayConnection');
      const selected = [...log.matchAll(/Local: \[[^\]]+\]: [* ]+type=(\w+) [^\n]*\n[^\n]*Remote: \[[^\]]+\]: [* ]+type=(\w+) [^\n]*\n[^\n]*--> selected/g)].map((m) => `${m[1]}/${m[2]}`);
      expect(selected.length).toBeGreaterThanOrEqual(2);
      expect(new Set(selected)).toEqual(new Set(['relay/relay']));
      expect(log).not.toMatch(/IceState(Host|Reflexive)Connection/);
    }
    const sessions = await t.stack.turnCli.listSessions();
    const users = sessions.map((s) => s.username);
    console.log(`[linphonec relay] coturn sessions: ${users.length}; selected pairs relay/relay on both phones; SAS ${a}`);
    expect(users).toContain(alice.turnUser);
    expect(users).toContain(bob.turnUser);
    // No hang-up check here: with "localhost" naming the private address, the phones' in-dialog
    // requests go to the Record-Route address 127.0.0.1, a new TLS connection whose certificate
    // check fails (mbedTLS ignores IP SANs) — docs/native-phones.md, known limits.
    alice.phone.send('terminate');
  }, 120_000);
});
