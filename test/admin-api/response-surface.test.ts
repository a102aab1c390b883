import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERROR_CODES } from '../../src/admin-api/errors.ts';
import { startHarness, type Harness } from './harness.ts';

/**
 * Issue 13 item 6 (admin API side): every error in the project's format, including the ones
 * Fastify raises itself; `Cache-Control: no-store` on every API answer (and proved on each one
 * that carries a one-time password, a token or a TURN credential); /health without an admin token
 * shows no versions.
 */
let h: Harness;
const KAMAILIO_VERSION = 'kamailio 5.6.3 (x86_64/linux)';

beforeAll(async () => {
  h = await startHarness(null, {
    deps: { health: async () => [{ name: 'kamailio', up: true, detail: KAMAILIO_VERSION }, { name: 'turn', up: true }] },
  });
});
afterAll(async () => {
  await h?.close();
});

function projectError(r: { statusCode: number; body: string; headers: Record<string, unknown> }, status: number, code: string) {
  expect(r.statusCode, r.body).toBe(status);
  const body = JSON.parse(r.body) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['code', 'error', 'message', 'statusCode']);
  expect(body).toMatchObject({ statusCode: status, code });
  expect(API_ERROR_CODES as string[]).toContain(body.code);
  expect(r.body).not.toMatch(/FST_|at .*\.(js|ts):\d+/);
  expect(r.headers['cache-control']).toBe('no-store');
}

describe('errors Fastify raises itself leave in the project format', () => {
  it('malformed URL (bad percent-encoding): 400 SUSURRO_API_BAD_REQUEST, not FST_ERR_BAD_URL', async () => {
    for (const url of ['/api/v1/accounts/%zz', '/api/v1/accounts/%', '/health/%E0%A4%A']) {
      projectError(await h.call('GET', url), 400, 'SUSURRO_API_BAD_REQUEST');
    }
  });
  it('unknown route and unknown method: 404 SUSURRO_API_NOT_FOUND', async () => {
    projectError(await h.call('GET', '/api/v1/nothing-here'), 404, 'SUSURRO_API_NOT_FOUND');
    projectError(await h.call('PATCH', '/health'), 404, 'SUSURRO_API_NOT_FOUND');
  });
  it('bad JSON, empty JSON, wrong content type, too large', async () => {
    const json = { 'content-type': 'application/json' };
    projectError(await h.call('POST', '/api/v1/accounts', { body: '{"extension": ', headers: json }), 400, 'SUSURRO_API_VALIDATION');
    projectError(await h.call('POST', '/api/v1/accounts', { body: '', headers: json }), 400, 'SUSURRO_API_VALIDATION');
    projectError(await h.call('POST', '/api/v1/accounts', { body: 'extension=201', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'SUSURRO_API_UNSUPPORTED_MEDIA_TYPE');
    projectError(await h.call('POST', '/api/v1/accounts', { body: `{"x":"${'a'.repeat(70_000)}"}`, headers: json }), 413, 'SUSURRO_API_PAYLOAD_TOO_LARGE');
  });
});

describe('Cache-Control: no-store', () => {
  it('on every response that carries a one-time password, a token or a TURN credential', async () => {
    const seen: string[] = [];
    const secretBearing = async (what: string, r: { statusCode: number; body: string; headers: Record<string, unknown> }, secret: RegExp) => {
      expect(r.statusCode, `${what}: ${r.body}`).toBeLessThan(300);
      expect(r.body, what).toMatch(secret); // the response does carry the secret…
      expect([what, r.headers['cache-control']]).toEqual([what, 'no-store']); // …and forbids caching it
      seen.push(what);
    };
    await secretBearing('admin login (token)', await h.call('POST', '/api/v1/admin/login', { token: null, body: h.first }), /"token":/);
    const created = await h.call('POST', '/api/v1/accounts', { body: { extension: '201', username: 'alice', displayName: 'Alice' } });
    await secretBearing('account create (one-time password)', created, /"password":/);
    const reset = await h.call('POST', '/api/v1/accounts/201/reset-password', { body: {} });
    await secretBearing('account reset (one-time password)', reset, /"password":/);
    await secretBearing('admin create (one-time password)', await h.call('POST', '/api/v1/admins', { body: { username: 'bea' } }), /"password":/);
    const phone = await h.call('POST', '/api/v1/phone/login', { token: null, body: { extension: '201', password: reset.json().password } });
    await secretBearing('phone login (token, TURN credential)', phone, /"credential":/);
    const turn = await h.call('POST', '/api/v1/phone/turn-credentials', { token: phone.json().token });
    await secretBearing('TURN credentials', turn, /"credential":/);
    expect(seen).toHaveLength(6);
  });
  it('on the other API answers too (lists, health, errors)', async () => {
    for (const url of ['/api/v1/accounts', '/api/v1/audit', '/api/v1/admin/me', '/health']) {
      expect([url, (await h.call('GET', url)).headers['cache-control']]).toEqual([url, 'no-store']);
    }
  });
});

describe('/health', () => {
  it('without an admin token: which component is up, no versions or details', async () => {
    for (const token of [null, 'not-a-token', 'A'.repeat(43)]) {
      const r = await h.call('GET', '/health', { token });
      expect(r.statusCode).toBe(200);
      expect(r.body).not.toContain('5.6');
      expect(r.body).not.toContain('detail');
      expect(r.json()).toEqual({ status: 'ok', localTrial: true, components: [{ name: 'kamailio', up: true }, { name: 'turn', up: true }, { name: 'database', up: true }] });
    }
  });
  it('with an admin token: the details, versions included (positive control: the probe sees them when allowed)', async () => {
    const r = await h.call('GET', '/health');
    expect(r.json().components).toContainEqual({ name: 'kamailio', up: true, detail: KAMAILIO_VERSION });
  });
});
