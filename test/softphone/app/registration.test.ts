import { describe, it, expect, vi } from 'vitest';
import { PhoneApiError, type PhoneApi, type PhoneSession } from '../../../softphone-web/src/api/phone-api.ts';
import { Registration, type RegisteredAgent } from '../../../softphone-web/src/app/registration.ts';
import { initialState, Store } from '../../../softphone-web/src/app/state.ts';
import type { PhoneAgentOptions } from '../../../softphone-web/src/sip/phone-agent.ts';
import { ManualScheduler, settle } from './manual-scheduler.ts';
import { SealedSessionStorage } from '../../../softphone-web/src/app/saved-session.ts';
import { memoryStorage } from './memory-storage.ts';

const turn = (n: number) => ({ urls: ['turn:127.0.0.1:3478?transport=udp'], username: `u${n}`, credential: `c${n}`, ttl: 600 });
const session = (): PhoneSession => ({
  token: 'tok',
  expiresAt: '2030-01-01T00:00:00Z',
  account: { extension: '201', username: 'alice', displayName: 'Alice' },
  sip: { wssUrl: 'wss://127.0.0.1:5766', domain: 'susurro.local', authorizationUser: '201' },
  turn: turn(0),
});

/** One device: its wrapping key (non-extractable, as in the app) survives the reload. */
const deviceKey = crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);

function setup(api: Partial<PhoneApi> = {}, tab = memoryStorage()) {
  const clock = new ManualScheduler();
  const savedSession = new SealedSessionStorage({ storage: tab, key: () => deviceKey, now: () => clock.now(), random: (n) => crypto.getRandomValues(new Uint8Array(n)) });
  const store = new Store(initialState('en'));
  let turns = 0;
  const fullApi = {
    login: vi.fn(async () => session()),
    directory: vi.fn(async () => [{ extension: '201', displayName: 'Alice' }, { extension: '202', displayName: 'Bob' }]),
    turnCredentials: vi.fn(async () => turn(++turns)),
    ...api,
  } as unknown as PhoneApi & Record<'login' | 'directory' | 'turnCredentials', ReturnType<typeof vi.fn>>;
  const agents: Array<{ options: PhoneAgentOptions; agent: RegisteredAgent & { start: ReturnType<typeof vi.fn>; stop: ReturnType<typeof vi.fn> } }> = [];
  const delegate = { onInvite: vi.fn(), onRevoked: vi.fn(), onLogout: vi.fn() };
  const prepareDevice = vi.fn(async () => undefined);
  const registration = new Registration({
    store,
    api: fullApi,
    scheduler: clock,
    agentFactory: (options) => {
      const agent = { start: vi.fn(async () => undefined), stop: vi.fn(async () => undefined), inviter: vi.fn() };
      agents.push({ options, agent });
      return agent as unknown as RegisteredAgent & { start: ReturnType<typeof vi.fn>; stop: ReturnType<typeof vi.fn> };
    },
    sessionDescriptionHandlerFactory: (() => undefined) as never,
    prepareDevice,
    savedSession,
    delegate,
  });
  return { clock, store, api: fullApi, agents, delegate, prepareDevice, registration, tab };
}

describe('Registration', () => {
  it('logs in: device first, then home screen, SIP agent started with the session, directory without oneself', async () => {
    const t = setup();
    await t.registration.login(' 201 ', 'pw');
    await settle();
    expect(t.api.login).toHaveBeenCalledWith('201', 'pw');
    expect(t.prepareDevice).toHaveBeenCalledOnce();
    expect(t.store.state.screen).toBe('home');
    expect(t.store.state.account?.displayName).toBe('Alice');
    expect(t.agents).toHaveLength(1);
    expect(t.agents[0]!.options).toMatchObject({ wssUrl: 'wss://127.0.0.1:5766', domain: 'susurro.local', authorizationUser: '201', password: 'pw', displayName: 'Alice' });
    expect(t.agents[0]!.agent.start).toHaveBeenCalledOnce();
    expect(t.store.state.directory).toEqual([{ extension: '202', displayName: 'Bob' }]);
    expect(t.registration.turn.username).toBe('u0');
  });

  it.each([
    ['credentials', 'login.error.credentials'],
    ['disabled', 'login.error.disabled'],
    ['rateLimited', 'login.error.rateLimited'],
    ['network', 'login.error.network'],
    ['server', 'login.error.server'],
  ] as const)('a %s failure shows %s and starts nothing', async (kind, key) => {
    const t = setup({ login: vi.fn(async () => Promise.reject(new PhoneApiError(kind, kind === 'server' ? 502 : null, kind))) });
    await t.registration.login('201', 'pw');
    expect(t.store.state.login).toMatchObject({ busy: false, error: key });
    if (kind === 'server') expect(t.store.state.login.errorParams).toEqual({ status: '502' });
    expect(t.agents).toHaveLength(0);
    expect(t.clock.pending).toBe(0);
  });

  it('refreshes the TURN credentials every ttl/2 on the injected clock', async () => {
    const t = setup();
    await t.registration.login('201', 'pw');
    t.clock.advance(299_999);
    await settle();
    expect(t.api.turnCredentials).not.toHaveBeenCalled();
    t.clock.advance(1);
    await settle();
    expect(t.api.turnCredentials).toHaveBeenCalledOnce();
    expect(t.registration.turn.username).toBe('u1');
    t.clock.advance(300_000);
    await settle();
    expect(t.registration.turn.username).toBe('u2');
  });

  it('before a call, refreshes TURN only once half its lifetime is gone (the periodic refresh is at least 30 s)', async () => {
    const t = setup({ login: vi.fn(async () => ({ ...session(), turn: { ...turn(0), ttl: 40 } })) });
    await t.registration.login('201', 'pw');
    t.clock.advance(20_000);
    await t.registration.ensureFreshTurn();
    expect(t.api.turnCredentials).not.toHaveBeenCalled();
    t.clock.advance(1);
    await t.registration.ensureFreshTurn();
    expect(t.api.turnCredentials).toHaveBeenCalledOnce();
    t.clock.advance(9_998); // 29.999 s: the periodic refresh has not run yet
    await settle();
    expect(t.api.turnCredentials).toHaveBeenCalledOnce();
    t.clock.advance(1);
    await settle();
    expect(t.api.turnCredentials).toHaveBeenCalledTimes(2);
  });

  it('a revoked token during a TURN refresh ends the call, signs out with the notice and stops the timers', async () => {
    const t = setup({ turnCredentials: vi.fn(async () => Promise.reject(new PhoneApiError('revoked', 401, 'revoked'))) });
    await t.registration.login('201', 'pw');
    t.clock.advance(300_000);
    await settle();
    expect(t.delegate.onRevoked).toHaveBeenCalledOnce();
    expect(t.store.state.screen).toBe('login');
    expect(t.store.state.login.notice).toBe('end.revoked');
    expect(t.agents[0]!.agent.stop).toHaveBeenCalledOnce();
    expect(t.clock.pending).toBe(0);
    expect(() => t.registration.turn).toThrow(/not signed in/);
  });

  it('a registration refused with 403 signs out as revoked; a lost connection with a valid token does not', async () => {
    const t = setup();
    await t.registration.login('201', 'pw');
    const { onConnectionState } = t.agents[0]!.options.delegate;
    onConnectionState!('reconnecting');
    await settle();
    expect(t.store.state.connection).toBe('reconnecting');
    expect(t.store.state.screen).toBe('home');
    onConnectionState!('refused', { status: 403 });
    await settle();
    expect(t.store.state.screen).toBe('login');
    expect(t.store.state.login.notice).toBe('end.revoked');
  });

  it('hands incoming INVITEs to the delegate', async () => {
    const t = setup();
    await t.registration.login('201', 'pw');
    const invitation = {} as never;
    t.agents[0]!.options.delegate.onInvite!(invitation);
    expect(t.delegate.onInvite).toHaveBeenCalledWith(invitation);
  });

  it('survives a reload: the sealed sign-in brings the tab back home, signed in, until the token expires', async () => {
    const first = setup();
    await first.registration.login('201', 'the-password');
    await settle();
    const stored = [...first.tab.map.values()].join('');
    expect(stored).not.toContain('the-password'); // never in storage in clear
    expect(stored).not.toContain('"tok"');
    // the reload: a new page (new Registration, new store) on the same tab's storage
    const again = setup({}, first.tab);
    expect(await again.registration.restore()).toBe(true);
    await settle();
    expect(again.store.state.screen).toBe('home');
    expect(again.store.state.account?.extension).toBe('201');
    expect(again.agents[0]!.options.password).toBe('the-password');
    expect(again.api.login).not.toHaveBeenCalled();
    expect(again.api.turnCredentials).toHaveBeenCalledOnce(); // the saved TURN credential is renewed
  });

  it('does not restore past the token’s expiry, after a sign-out, or with a revoked token', async () => {
    const expired = setup({ login: vi.fn(async () => ({ ...session(), expiresAt: new Date(1_700_000_060_000).toISOString() })) as never });
    await expired.registration.login('201', 'pw');
    const later = setup({}, expired.tab);
    later.clock.advance(60_000);
    expect(await later.registration.restore()).toBe(false);
    expect(later.store.state.screen).toBe('login');
    expect(expired.tab.map.size).toBe(0); // dropped

    const out = setup();
    await out.registration.login('201', 'pw');
    await out.registration.logout();
    expect(out.tab.map.size).toBe(0);
    expect(await setup({}, out.tab).registration.restore()).toBe(false);

    const revoked = setup();
    await revoked.registration.login('201', 'pw');
    const reloaded = setup({ directory: vi.fn(async () => Promise.reject(new PhoneApiError('revoked', 401, 'x'))) as never }, revoked.tab);
    expect(await reloaded.registration.restore()).toBe(false);
    expect(reloaded.store.state.login.notice).toBe('end.revoked');
    expect(reloaded.agents).toHaveLength(0);
    expect(revoked.tab.map.size).toBe(0);
  });

  it('a saved sign-in sealed under another device key does not open (and is dropped)', async () => {
    const first = setup();
    await first.registration.login('201', 'pw');
    const otherKey = crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const store = new SealedSessionStorage({ storage: first.tab, key: () => otherKey, now: () => first.clock.now(), random: (n) => crypto.getRandomValues(new Uint8Array(n)) });
    expect(await store.load()).toBeNull();
    expect(first.tab.map.size).toBe(0);
  });

  it('a page going away un-REGISTERs but keeps the saved sign-in', async () => {
    const t = setup();
    await t.registration.login('201', 'pw');
    t.registration.pageClosing();
    expect(t.agents[0]!.agent.stop).toHaveBeenCalledOnce();
    expect(t.tab.map.size).toBe(1);
  });
});
