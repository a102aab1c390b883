import type { Invitation, Inviter, SessionDescriptionHandlerFactory } from 'sip.js';
import { PhoneApiError, type PhoneApi, type PhoneSession, type TurnCredentials } from '../api/phone-api.ts';
import type { ConnectionState, PhoneAgentOptions } from '../sip/phone-agent.ts';
import type { Store } from './state.ts';
import type { Cancel, Scheduler } from './scheduler.ts';
import type { SavedSessionStore } from './saved-session.ts';

/**
 * The signed-in part of the phone: login and logout, the SIP registration, the directory,
 * short-lived TURN credentials kept fresh, and noticing a revoked account. Calls are not
 * its business: it hands incoming INVITEs on and asks the delegate to end a call when the
 * account goes away.
 */

/** What Registration needs of the SIP agent (PhoneAgent in the app, a fake in unit tests). */
export interface RegisteredAgent {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** An outgoing call to an extension (not sent yet). */
  inviter(extension: string): Inviter;
}

export type AgentFactory = (options: PhoneAgentOptions) => RegisteredAgent;

export interface RegistrationDelegate {
  onInvite(invitation: Invitation): void;
  /** The account was revoked (or the session ended): end any call before the sign-out. */
  onRevoked(): void;
  /** A sign-out is under way: hang up any call first. */
  onLogout(): void;
}

export interface RegistrationDeps {
  store: Store;
  api: PhoneApi;
  scheduler: Scheduler;
  agentFactory: AgentFactory;
  /** The call-media seam (SecureSessionDescriptionHandler factory), built once by the controller. */
  sessionDescriptionHandlerFactory: SessionDescriptionHandlerFactory;
  /** Called once after the first successful login, before the phone goes online. */
  prepareDevice: () => Promise<void>;
  /** Keeps the sign-in across a page reload (saved-session.ts), until the token expires. */
  savedSession: SavedSessionStore;
  delegate: RegistrationDelegate;
}

/** The shortest TURN refresh period, however short the credential's ttl (seconds). */
const MIN_TURN_REFRESH_S = 30;

export type LoginErrorKey = 'login.error.credentials' | 'login.error.disabled' | 'login.error.rateLimited' | 'login.error.network' | 'login.error.server';

export function loginErrorKey(err: unknown): LoginErrorKey {
  const kind = err instanceof PhoneApiError ? err.kind : 'server';
  return kind === 'credentials' ? 'login.error.credentials'
    : kind === 'disabled' ? 'login.error.disabled'
    : kind === 'rateLimited' ? 'login.error.rateLimited'
    : kind === 'network' ? 'login.error.network'
    : 'login.error.server';
}

export class Registration {
  private session: PhoneSession | null = null;
  private agent: RegisteredAgent | null = null;
  private turnFetchedAt = 0;
  private cancelTurnRefresh: Cancel | null = null;

  constructor(private readonly deps: RegistrationDeps) {}

  get signedIn(): boolean {
    return this.session !== null;
  }

  /** The TURN credentials for the next peer connection (throws when signed out). */
  get turn(): TurnCredentials {
    if (!this.session) throw new Error('not signed in');
    return this.session.turn;
  }

  async login(extension: string, password: string): Promise<void> {
    const { store, scheduler } = this.deps;
    store.update((s) => ({ ...s, login: { busy: true, error: null, errorParams: {}, notice: null } }));
    try {
      const session = await this.deps.api.login(extension.trim(), password);
      await this.deps.prepareDevice();
      this.signIn(session, password, scheduler.now());
      await this.deps.savedSession.save({ session, password }).catch(() => undefined);
    } catch (err) {
      const status = err instanceof PhoneApiError && err.status ? String(err.status) : '?';
      store.update((s) => ({ ...s, login: { busy: false, error: loginErrorKey(err), errorParams: { status }, notice: null } }));
    }
  }

  /**
   * After a page reload: sign in again with the sign-in saved by login() (until the token's
   * expiry), back on the home screen. A token the admin API no longer accepts (revoked or
   * expired) is dropped and the login screen shown; a network failure keeps the saved
   * session (the agent reconnects as after any connection loss).
   */
  async restore(): Promise<boolean> {
    const saved = await this.deps.savedSession.load().catch(() => null);
    if (!saved || this.session) return false;
    const { store } = this.deps;
    store.update((s) => ({ ...s, login: { busy: true, error: null, errorParams: {}, notice: null } }));
    try {
      await this.deps.api.directory(saved.session.token);
      await this.deps.prepareDevice();
    } catch (err) {
      if (!(err instanceof PhoneApiError && err.kind === 'network')) {
        this.deps.savedSession.clear();
        store.update((s) => ({ ...s, login: { busy: false, error: null, errorParams: {}, notice: err instanceof PhoneApiError && err.kind === 'revoked' ? 'end.revoked' : null } }));
        return false;
      }
    }
    // The saved TURN credential may be near its end: count it as old, so the next call refreshes it.
    this.signIn(saved.session, saved.password, 0);
    void this.refreshTurn();
    return true;
  }

  /** The signed-in phone: home screen, SIP agent, directory, TURN refresh. */
  private signIn(session: PhoneSession, password: string, turnFetchedAt: number): void {
    const { store, scheduler } = this.deps;
    this.session = session;
    this.turnFetchedAt = turnFetchedAt;
    store.update((s) => ({ ...s, screen: 'home', account: session.account, login: { busy: false, error: null, errorParams: {}, notice: null } }));
    this.startAgent(session, password);
    void this.refreshDirectory();
    // TURN credentials are short-lived (ttl); keep a fresh pair for incoming calls.
    const every = Math.max(MIN_TURN_REFRESH_S, Math.floor(session.turn.ttl / 2)) * 1000;
    this.cancelTurnRefresh = scheduler.every(every, () => void this.refreshTurn());
  }

  /**
   * The page is going away (reload, tab closed): un-REGISTER so no call is forked to this
   * dead page, but keep the saved sign-in for the reload.
   */
  pageClosing(): void {
    this.cancelTurnRefresh?.();
    this.cancelTurnRefresh = null;
    const agent = this.agent;
    this.agent = null;
    this.session = null;
    void agent?.stop();
  }

  private startAgent(session: PhoneSession, password: string): void {
    const agent = this.deps.agentFactory({
      wssUrl: session.sip.wssUrl,
      domain: session.sip.domain,
      authorizationUser: session.sip.authorizationUser,
      password,
      displayName: session.account.displayName,
      sessionDescriptionHandlerFactory: this.deps.sessionDescriptionHandlerFactory,
      delegate: {
        onConnectionState: (connection: ConnectionState, detail?: { status?: number }) => {
          this.deps.store.update((s) => ({ ...s, connection }));
          if (connection === 'refused' || connection === 'reconnecting') void this.checkRevoked(detail?.status);
        },
        onInvite: (invitation) => this.deps.delegate.onInvite(invitation),
      },
    });
    this.agent = agent;
    void agent.start();
  }

  /** The running agent, to place calls with (null when signed out). */
  get currentAgent(): RegisteredAgent | null {
    return this.agent;
  }

  async logout(notice: 'end.revoked' | null = null): Promise<void> {
    this.deps.delegate.onLogout();
    this.deps.savedSession.clear();
    this.cancelTurnRefresh?.();
    this.cancelTurnRefresh = null;
    const agent = this.agent;
    this.agent = null;
    this.session = null;
    this.deps.store.update((s) => {
      // A call that just ended because of the revocation stays on screen, now saying why;
      // "back" then leads to the login screen, which repeats the notice.
      const endedCall = notice && s.call?.phase === 'ended' && s.call.ended ? { ...s.call, ended: { message: notice, params: s.call.ended.params } } : null;
      return { ...s, screen: endedCall ? 'call' : 'login', account: null, connection: 'offline', directory: [], call: endedCall, login: { busy: false, error: null, errorParams: {}, notice } };
    });
    await agent?.stop();
  }

  /** A refused registration, a lost connection or an unexplained call end may mean the account was revoked. */
  async checkRevoked(status?: number): Promise<void> {
    const token = this.session?.token;
    if (!token) return;
    try {
      await this.deps.api.directory(token);
    } catch (err) {
      if (err instanceof PhoneApiError && err.kind === 'revoked') {
        await this.revoked();
        return;
      }
    }
    if (status === 403) await this.logout('end.revoked');
  }

  private async revoked(): Promise<void> {
    this.deps.delegate.onRevoked();
    await this.logout('end.revoked');
  }

  async refreshDirectory(): Promise<void> {
    if (!this.session) return;
    try {
      const list = await this.deps.api.directory(this.session.token);
      const mine = this.session.account.extension;
      this.deps.store.update((s) => ({ ...s, directory: list.filter((c) => c.extension !== mine) }));
    } catch (err) {
      if (err instanceof PhoneApiError && err.kind === 'revoked') await this.revoked();
    }
  }

  async refreshTurn(): Promise<void> {
    if (!this.session) return;
    try {
      this.session.turn = await this.deps.api.turnCredentials(this.session.token);
      this.turnFetchedAt = this.deps.scheduler.now();
    } catch (err) {
      if (err instanceof PhoneApiError && err.kind === 'revoked') await this.revoked();
    }
  }

  /** Before an outgoing call: refresh the TURN credentials once half their lifetime is gone. */
  async ensureFreshTurn(): Promise<void> {
    if (!this.session) return;
    if (this.deps.scheduler.now() - this.turnFetchedAt > (this.session.turn.ttl * 1000) / 2) await this.refreshTurn();
  }
}
