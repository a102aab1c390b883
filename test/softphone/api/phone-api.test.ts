import { describe, it, expect } from 'vitest';
import { PhoneApi, PhoneApiError } from '../../../softphone-web/src/api/phone-api.ts';

function fakeFetch(status: number, body: unknown, seen: { url?: string; init?: RequestInit } = {}) {
  return async (url: string, init?: RequestInit) => {
    seen.url = url;
    seen.init = init;
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
}

const session = {
  token: 't', expiresAt: '2030-01-01T00:00:00Z', account: { extension: '201', username: 'alice', displayName: 'Alice' },
  sip: { wssUrl: 'wss://127.0.0.1:8443/ws', domain: 'susurro.local', authorizationUser: '201' },
  turn: { urls: ['turn:127.0.0.1:3478?transport=udp'], username: '1:201', credential: 'x', ttl: 600 },
};

describe('PhoneApi', () => {
  it('logs in with a JSON POST, no cookies', async () => {
    const seen: { url?: string; init?: RequestInit } = {};
    const api = new PhoneApi('https://h:1/', fakeFetch(200, session, seen));
    expect(await api.login('201', 'pw')).toEqual(session);
    expect(seen.url).toBe('https://h:1/api/v1/phone/login');
    expect(seen.init?.method).toBe('POST');
    expect(seen.init?.credentials).toBe('omit');
    expect(JSON.parse(String(seen.init?.body))).toEqual({ extension: '201', password: 'pw' });
  });

  it.each([
    [401, 'credentials'], [403, 'disabled'], [429, 'rateLimited'], [500, 'server'],
  ] as const)('login %i -> %s', async (status, kind) => {
    const api = new PhoneApi('https://h/', fakeFetch(status, {}));
    await expect(api.login('201', 'pw')).rejects.toMatchObject({ kind, status });
  });

  it('treats 401/403 after login as revocation and sends the bearer token', async () => {
    const seen: { url?: string; init?: RequestInit } = {};
    await expect(new PhoneApi('https://h/', fakeFetch(401, {}, seen)).directory('tok')).rejects.toMatchObject({ kind: 'revoked' });
    expect((seen.init?.headers as Record<string, string>).authorization).toBe('Bearer tok');
    await expect(new PhoneApi('https://h/', fakeFetch(403, {})).turnCredentials('tok')).rejects.toMatchObject({ kind: 'revoked' });
  });

  it('reports network failures and malformed answers', async () => {
    const api = new PhoneApi('https://h/', async () => {
      throw new TypeError('fetch failed');
    });
    await expect(api.login('201', 'pw')).rejects.toMatchObject({ kind: 'network' });
    await expect(new PhoneApi('https://h/', fakeFetch(200, { token: 1 })).login('201', 'pw')).rejects.toBeInstanceOf(PhoneApiError);
    await expect(new PhoneApi('https://h/', fakeFetch(200, {})).login(1 as unknown as string, 'pw')).rejects.toBeInstanceOf(TypeError);
  });
});
