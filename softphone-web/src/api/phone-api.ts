/**
 * Client for the admin service's phone endpoints (stack-api.md "Softphone"):
 * POST /api/v1/phone/login, GET /api/v1/phone/directory, POST /api/v1/phone/turn-credentials.
 * `fetch` is injected so the module stays testable and free of globals.
 */

export interface TurnCredentials {
  urls: string[];
  username: string;
  credential: string;
  /** Seconds the credential stays valid. */
  ttl: number;
}

export interface PhoneSession {
  token: string;
  expiresAt: string;
  account: { extension: string; username: string; displayName: string };
  sip: { wssUrl: string; domain: string; authorizationUser: string };
  turn: TurnCredentials;
}

export interface Colleague {
  extension: string;
  displayName: string;
}

export type PhoneApiErrorKind = 'credentials' | 'disabled' | 'rateLimited' | 'network' | 'server' | 'revoked';

export class PhoneApiError extends Error {
  readonly code = 'SUSURRO_PHONE_API';
  constructor(
    readonly kind: PhoneApiErrorKind,
    readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'PhoneApiError';
  }
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export class PhoneApi {
  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: FetchLike,
  ) {}

  async login(extension: string, password: string): Promise<PhoneSession> {
    if (typeof extension !== 'string' || typeof password !== 'string') {
      throw new TypeError('login: extension and password must be strings');
    }
    const body = await this.request<PhoneSession>('POST', '/api/v1/phone/login', null, { extension, password }, 'login');
    if (!body || typeof body.token !== 'string' || !body.sip || !body.turn || !Array.isArray(body.turn.urls)) {
      throw new PhoneApiError('server', 200, 'login: malformed response');
    }
    return body;
  }

  async directory(token: string): Promise<Colleague[]> {
    const body = await this.request<{ colleagues: Colleague[] }>('GET', '/api/v1/phone/directory', token, undefined, 'authed');
    return Array.isArray(body.colleagues) ? body.colleagues : [];
  }

  async turnCredentials(token: string): Promise<TurnCredentials> {
    return this.request<TurnCredentials>('POST', '/api/v1/phone/turn-credentials', token, {}, 'authed');
  }

  private async request<T>(
    method: string,
    path: string,
    token: string | null,
    body: unknown,
    mode: 'login' | 'authed',
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await this.fetchImpl(new URL(path, this.baseUrl).href, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      throw new PhoneApiError('network', null, `${method} ${path}: network error`);
    }
    if (res.ok) return (await res.json()) as T;
    // A 401 on login means bad credentials; on any later call it means the token was
    // revoked (account disabled) or expired: the app signs out and says why.
    if (res.status === 401) throw new PhoneApiError(mode === 'login' ? 'credentials' : 'revoked', 401, `${path}: 401`);
    if (res.status === 403) throw new PhoneApiError(mode === 'login' ? 'disabled' : 'revoked', 403, `${path}: 403`);
    if (res.status === 429) throw new PhoneApiError('rateLimited', 429, `${path}: 429`);
    throw new PhoneApiError('server', res.status, `${path}: ${res.status}`);
  }
}
