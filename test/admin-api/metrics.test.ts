/**
 * Issue #19 "Operations": GET /metrics on the admin service. Real Kamailio (two registered
 * phones, one call, one banned source), real coturn (two allocations), the audit log (a failed
 * admin login, a revocation), a failed phone login; the output is parsed by a Prometheus
 * text-format parser (parse-prometheus-text-format) and must name no extension, user or address.
 */
import { readFileSync } from 'node:fs';
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsTokenFile, parseKamailioStats } from '../../src/admin-api/metrics.ts';
import { createAccountRow } from '../../src/db/index.ts';
import { httpsGet } from '../support/https-get.ts';
import { rawRegister, type Phone, type RawSipConnection } from '../support/sip-client.ts';
import { openSipTls, startTestStack, type TestStack } from '../support/stack.ts';
import { TurnUdpClient } from '../support/turn-client.ts';
import { adminApiFor, establishCall, registeredPhone, type Api } from './live-rig.ts';

const ATTACKER = '127.0.0.2';
let t: TestStack;
let api: Api;
const phones: Phone[] = [];
const conns: RawSipConnection[] = [];
const turns: TurnUdpClient[] = [];

beforeAll(async () => {
  t = await startTestStack({ antiflood: { enabled: true, authFailsMax: 2, banSeconds: 120 } }, { kamailio: { antifloodLoopback: true } });
  await createAccountRow(t.stack.db, { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1', domain: t.config.domain });
  await createAccountRow(t.stack.db, { extension: '202', username: 'bob', displayName: 'Bob', password: 'bob-secret-22', domain: t.config.domain });
  await createAccountRow(t.stack.db, { extension: '203', username: 'carol', displayName: 'Carol', password: 'carol-secret-3', domain: t.config.domain });
  api = await adminApiFor(t);
}, 60_000);
afterAll(async () => {
  for (const c of [...conns, ...turns]) c.close();
  for (const p of phones) await p.stop().catch(() => undefined);
  await t?.stop();
});

const url = () => `https://127.0.0.1:${t.config.ports.admin}/metrics`;
const scrape = (bearer?: string) => httpsGet(url(), t.caPem, bearer ? { authorization: `Bearer ${bearer}` } : {});

function value(families: PromFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const f = families.find((x) => x.name === name);
  const s = f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return s?.value === undefined ? undefined : Number(s.value);
}

describe('GET /metrics', () => {
  it('refuses a scrape without a token or with a wrong one', async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape('x'.repeat(43))).status).toBe(401);
    expect((await scrape('not-the-metrics-token-0123456789abcdef')).status).toBe(401);
  });

  it('counts registrations, calls, TURN allocations, bans, failed logins and revocations, and names nobody', async () => {
    const alice = await registeredPhone(t, phones, '201', 'alice-secret-1');
    const bob = await registeredPhone(t, phones, '202', 'bob-secret-22');
    await establishCall(alice, bob, '202', t.config.domain);
    for (const account of ['201', '202']) {
      const c = await TurnUdpClient.open('127.0.0.1', t.config.ports.turn);
      turns.push(c);
      const cred = t.stack.turnCredentials.issue({ account, ttlSeconds: 600 });
      expect((await c.allocate(cred.username, cred.credential)).status).toBe(200);
    }
    const attacker = await openSipTls(t, conns, ATTACKER);
    for (let i = 0; i < 2; i++) expect((await rawRegister(attacker, { ext: '203', domain: t.config.domain, password: `guess-${i}` })).status).toBe(403);
    expect((await api.call('POST', '/api/v1/phone/login', { extension: '203', password: 'wrong-password-1' }, '')).status).toBe(401);
    expect((await api.call('POST', '/api/v1/admin/login', { username: 'admin', password: 'wrong-password-1' }, '')).status).toBe(401);
    expect((await api.call('POST', '/api/v1/accounts/203/disable')).status).toBe(200);

    const metricsToken = readFileSync(metricsTokenFile(t.config), 'utf8').trim();
    const r = await scrape(metricsToken);
    expect(r.status, r.body).toBe(200);
    expect(r.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(r.body);

    const expected: [string, number, Record<string, string>?][] = [
      ['susurro_kamailio_up', 1], ['susurro_turn_up', 1],
      ['susurro_sip_registered_users', 2, { component: 'kamailio' }], ['susurro_sip_contacts', 2], ['susurro_active_calls', 1],
      ['susurro_turn_allocations', 2, { component: 'coturn' }], ['susurro_sip_bans', 1], ['susurro_sip_sources_failing_auth', 1],
      ['susurro_failed_phone_logins_total', 1], ['susurro_failed_admin_logins_total', 1],
      ['susurro_revocations_total', 1, { action: 'account.disable' }], ['susurro_revocations_total', 0, { action: 'device.revoke' }],
    ];
    for (const [name, n, labels] of expected) expect(value(families, name, labels), name).toBe(n);
    expect(value(families, 'susurro_calls_total')).toBeGreaterThanOrEqual(1);
    expect(value(families, 'susurro_sip_requests_received_total')).toBeGreaterThan(5);
    expect(families.find((f) => f.name === 'susurro_sip_bans')?.type).toBe('GAUGE');
    expect(families.find((f) => f.name === 'susurro_revocations_total')?.type).toBe('COUNTER');

    // counts only: no extension, user name, display name or address in any name, help or label
    const words = families.flatMap((f) => [f.name, f.help, ...f.metrics.flatMap((m) => Object.entries(m.labels ?? {}).flat())]);
    for (const w of words) {
      expect(w).not.toMatch(/\b(201|202|203|alice|bob|carol|admin:)\b/i);
      expect(w).not.toMatch(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|::1|127\.0\.0\./);
    }
    expect(r.body).not.toMatch(/alice|bob|carol|127\.0\.0\.|sip:/i);

    // an administrator's session works too
    const login = await api.call('POST', '/api/v1/admin/login', { username: t.stack.firstAdmin!.username, password: t.stack.firstAdmin!.password }, '');
    expect((await scrape(login.body.token)).status).toBe(200);
  });

  it('Kamailio down: susurro_kamailio_up 0 and its figures absent (not 0); coturn still counted', async () => {
    await t.stack.kamailio.stop();
    try {
      const r = await scrape(readFileSync(metricsTokenFile(t.config), 'utf8').trim());
      expect(r.status).toBe(200);
      const families = parsePrometheusTextFormat(r.body);
      expect(value(families, 'susurro_kamailio_up')).toBe(0);
      expect(value(families, 'susurro_active_calls')).toBeUndefined();
      expect(value(families, 'susurro_sip_bans')).toBeUndefined();
      expect(value(families, 'susurro_turn_up')).toBe(1);
    } finally {
      await t.stack.kamailio.start();
    }
  });
});

describe('parseKamailioStats (Kamailio 5.6 stats.get_statistics)', () => {
  it('reads "group:name = value" lines and refuses another shape', () => {
    expect([...parseKamailioStats(['usrloc:registered_users = 3', 'dialog:active_dialogs = 0', 'garbage'])])
      .toEqual([['usrloc:registered_users', 3], ['dialog:active_dialogs', 0]]);
    expect(() => parseKamailioStats({ 'usrloc:registered_users': 3 })).toThrow(TypeError);
  });
});
