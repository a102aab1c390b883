import { request } from 'node:https';
import { performance } from 'node:perf_hooks';
import { SessionState, TransportState, type Invitation, type Inviter } from 'sip.js';
import { expect } from 'vitest';
import { createPhone, dtlsSdp, type Phone } from '../support/sip-client.ts';
import type { TestStack } from '../support/stack.ts';

/**
 * Shared by the revocation test and bench/admin.bench.ts: an HTTPS client for the
 * stack's admin API (trusting the stack's dev CA), and phones in a call.
 */
export interface ApiReply {
  status: number;
  body: any;
}

export function apiClient(baseUrl: string, ca: string) {
  let token: string | null = null;
  const call = (method: string, path: string, body?: unknown, bearer?: string): Promise<ApiReply> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        new URL(path, baseUrl),
        {
          method,
          ca,
          servername: 'localhost',
          headers: {
            ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
            ...((bearer ?? token) ? { authorization: `Bearer ${bearer ?? token}` } : {}),
          },
          timeout: 10_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  return {
    call,
    async login(username: string, password: string) {
      const r = await call('POST', '/api/v1/admin/login', { username, password });
      if (r.status !== 200) throw new Error(`admin login failed: ${r.status} ${JSON.stringify(r.body)}`);
      token = r.body.token;
    },
  };
}

export type Api = ReturnType<typeof apiClient>;

export async function adminApiFor(t: TestStack): Promise<Api> {
  const api = apiClient(`https://127.0.0.1:${t.config.ports.admin}`, t.caPem);
  const first = t.stack.firstAdmin;
  if (!first) throw new Error('the test stack has no first-admin credentials');
  await api.login(first.username, first.password);
  return api;
}

export function phoneFor(t: TestStack, ext: string, password: string): Promise<Phone> {
  return createPhone({
    wssUrl: t.stack.urls.wss,
    domain: t.config.domain,
    ext,
    password,
    ca: t.caPem,
    origin: `https://127.0.0.1:${t.config.ports.admin}`,
  });
}

/**
 * A phone for (ext, password) pushed onto `opened` (so afterAll stops it even when the test
 * fails), then registered: the 200 is asserted.
 */
export async function registeredPhone(t: TestStack, opened: Phone[], ext: string, password: string): Promise<Phone> {
  const p = await phoneFor(t, ext, password);
  opened.push(p);
  expect(await p.register()).toBe(200);
  return p;
}

/** Resolves with performance.now() at the moment the phone's WebSocket drops. */
export function disconnected(phone: Phone, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    if (phone.ua.transport.state === TransportState.Disconnected) return resolve(performance.now());
    const timer = setTimeout(() => reject(new Error(`WebSocket still open after ${timeoutMs} ms`)), timeoutMs);
    phone.ua.transport.stateChange.addListener((s) => {
      if (s === TransportState.Disconnected) {
        clearTimeout(timer);
        resolve(performance.now());
      }
    });
  });
}

/** Resolves with performance.now() when the session terminates. */
export function terminated(session: Inviter | Invitation, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    if (session.state === SessionState.Terminated) return resolve(performance.now());
    const timer = setTimeout(() => reject(new Error(`call still up after ${timeoutMs} ms`)), timeoutMs);
    session.stateChange.addListener((s) => {
      if (s === SessionState.Terminated) {
        clearTimeout(timer);
        resolve(performance.now());
      }
    });
  });
}

/** caller calls callee (both registered); resolves once the call is established on both sides. */
export async function establishCall(caller: Phone, callee: Phone, calleeExt: string, domain: string) {
  const incoming = callee.nextInvitation();
  const calling = caller.call(`sip:${calleeExt}@${domain}`, { sdp: dtlsSdp() });
  const invitation = await incoming;
  await invitation.accept();
  const { status, session } = await calling;
  if (status !== 200 || session.state !== SessionState.Established) throw new Error(`call not established: ${status}`);
  return { outgoing: session, incoming: invitation };
}
