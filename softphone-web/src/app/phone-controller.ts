import type { Invitation } from 'sip.js';
import type { PhoneApi } from '../api/phone-api.ts';
import type { ToneName } from '../media/tones.ts';
import type { RetainedSecretCache } from '../../../src/zrtp/cache/retained-secret-cache.ts';
import { relayOnlyConfiguration, secureSessionDescriptionHandlerFactory, type SecureSdhFactory } from '../sip/secure-session-description-handler.ts';
import { CallSecurity } from '../security/call-security.ts';
import { keyAgreementBackend } from '../security/key-agreement-backend.ts';
import type { MediaProtection } from '../security/media-protection.ts';
import { CallFlow } from './call-flow.ts';
import { Registration, type AgentFactory } from './registration.ts';
import type { Scheduler } from './scheduler.ts';
import type { Store } from './state.ts';
import { MissedCallLog, type KeyValueStorage } from './missed-calls.ts';
import type { SavedSessionStore } from './saved-session.ts';

/** How often an idle phone checks that its connection made ahead uses the current TURN credentials. */
const WARM_CHECK_MS = 5_000;

/**
 * What the screens talk to: composes the three parts of the phone — Registration (login,
 * TURN refresh, SIP registration, revocation), CallFlow (the call state machine) and the
 * call's SecurityWatch (ZRTP, SAS, watchdog) — and wires them to each other. Every
 * dependency is passed in; main.ts is the only place defaults are made (STYLE.md §4).
 */
export interface ControllerDeps {
  store: Store;
  api: PhoneApi;
  scheduler: Scheduler;
  agentFactory: AgentFactory;
  /** Opens this device's ZID + encrypted cache (IndexedDB in the app). */
  device: () => Promise<{ zid: Uint8Array; cache: RetainedSecretCache }>;
  protection: (localZid: Uint8Array) => MediaProtection;
  tones: { play(name: ToneName): void; stop(): void };
  remoteAudio: HTMLAudioElement;
  announce: (text: string) => void;
  getUserMedia: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
  random: (n: number) => Uint8Array;
  /** RTCConfiguration the SFrame transforms need (sframePeerConnectionConfig in the app). */
  sframeConfiguration: () => RTCConfiguration;
  /** localStorage in the app: the missed-call notices, per account (missed-calls.ts). */
  localStorage: KeyValueStorage;
  /** The sign-in kept across a reload (SealedSessionStorage over sessionStorage in the app). */
  savedSession: SavedSessionStore;
  /** ms ZRTP may take after the call is answered before the call is ended (default 8000). */
  securingTimeoutMs?: number;
}

export class PhoneController {
  private device: { zid: Uint8Array; cache: RetainedSecretCache } | null = null;
  private readonly registration: Registration;
  private readonly calls: CallFlow;
  private readonly missed: MissedCallLog;

  private cancelWarmCheck: (() => void) | null = null;

  /** Made before Registration (which hands it to the SIP agent); its connection made ahead is warmed when idle. */
  private readonly sdhFactory: SecureSdhFactory = secureSessionDescriptionHandlerFactory({
    peerConnectionConfiguration: () => relayOnlyConfiguration(this.registration.turn, this.deps.sframeConfiguration()),
    securityFor: (session) => this.calls.securityFor(session),
    mediaStreamFactory: (constraints) => this.calls.microphone(constraints),
  });

  constructor(private readonly deps: ControllerDeps) {
    this.missed = new MissedCallLog(deps.localStorage);
    // The notices belong to the account: loaded when one signs in, hidden when one signs out.
    deps.store.subscribe((s, prev) => {
      if (s.account?.extension === prev.account?.extension) return;
      const ext = s.account?.extension;
      deps.store.update((st) => ({ ...st, missedCalls: ext ? this.missed.list(ext) : [], dialError: null }));
    });
    this.calls = new CallFlow({
      store: deps.store,
      scheduler: deps.scheduler,
      tones: deps.tones,
      remoteAudio: deps.remoteAudio,
      announce: deps.announce,
      getUserMedia: deps.getUserMedia,
      random: deps.random,
      createSecurity: (delegate) => {
        const device = this.device;
        if (!device) throw new Error('no device identity');
        return new CallSecurity({ zid: device.zid, cache: device.cache, protection: deps.protection(device.zid), delegate, keyAgreement: keyAgreementBackend() });
      },
      agent: () => this.registration.currentAgent,
      ensureFreshTurn: () => this.registration.ensureFreshTurn(),
      onUnexplainedEnd: () => void this.registration.checkRevoked(),
      onMissed: (entry) => {
        const ext = deps.store.state.account?.extension;
        if (ext) deps.store.update((s) => ({ ...s, missedCalls: this.missed.add(ext, entry) }));
      },
      securingTimeoutMs: deps.securingTimeoutMs,
    });
    this.registration = new Registration({
      store: deps.store,
      api: deps.api,
      scheduler: deps.scheduler,
      agentFactory: deps.agentFactory,
      sessionDescriptionHandlerFactory: this.sdhFactory,
      prepareDevice: async () => {
        this.device ??= await deps.device();
      },
      savedSession: deps.savedSession,
      delegate: {
        onInvite: (invitation: Invitation) => this.calls.incoming(invitation),
        onRevoked: () => this.calls.hangup({ kind: 'revoked' }),
        onLogout: () => this.calls.hangup(),
      },
    });
  }

  async login(extension: string, password: string): Promise<void> {
    await this.registration.login(extension, password);
    if (!this.deps.store.state.account) return;
    this.sdhFactory.warmUp();
    // TURN credentials are refreshed every ttl/2 (Registration): keep the connection made ahead
    // on the current ones, checked while no call is up (a call takes it; none is made mid-call).
    this.cancelWarmCheck?.();
    this.cancelWarmCheck = this.deps.scheduler.every(WARM_CHECK_MS, () => {
      if (!this.deps.store.state.account) this.sdhFactory.discardWarm(); // signed out otherwise (revoked)
      else if (!this.calls.active) this.sdhFactory.warmUp();
    });
  }

  logout(): Promise<void> {
    this.cancelWarmCheck?.();
    this.cancelWarmCheck = null;
    this.sdhFactory.discardWarm();
    return this.registration.logout();
  }

  /** On page load: back to the home screen if this tab was signed in before the reload. */
  restore(): Promise<boolean> {
    return this.registration.restore();
  }

  /**
   * The page is being closed or reloaded: end the call with a reason the peer can show
   * (BYE / final response with X-Susurro-End-Reason: page-closed) and un-REGISTER. Both are
   * sent synchronously on the open WebSocket, before the page goes.
   */
  pageClosing(): void {
    this.calls.hangup({ kind: 'page-closed' });
    this.registration.pageClosing();
  }

  /** Remove one missed-call notice (this device only). */
  dismissMissed(id: string): void {
    const ext = this.deps.store.state.account?.extension;
    if (ext) this.deps.store.update((s) => ({ ...s, missedCalls: this.missed.dismiss(ext, id) }));
  }

  /** The user edits the dial box again: the previous refusal no longer applies. */
  clearDialError(): void {
    if (this.deps.store.state.dialError) this.deps.store.update((s) => ({ ...s, dialError: null }));
  }

  refreshDirectory(): Promise<void> {
    return this.registration.refreshDirectory();
  }

  dial(extension: string): Promise<void> {
    return this.calls.dial(extension);
  }

  answer(): Promise<void> {
    return this.calls.answer();
  }

  reject(): void {
    this.calls.reject();
  }

  hangup(): void {
    this.calls.hangup();
  }

  toggleMute(): void {
    this.calls.toggleMute();
  }

  /** "Matches" (true, the yes/no fallback) or "Does not match" (false) on the SAS screen. */
  async confirmSas(matches: boolean): Promise<void> {
    await this.calls.watch?.confirmSas(matches);
  }

  /** Switch the SAS panel to the pick-among-three check (or back). */
  pickSasMode(on: boolean): void {
    this.calls.watch?.pickSasMode(on);
  }

  /** The listener's pick among three: only the true SAS counts as a match. */
  async pickSas(choice: string): Promise<void> {
    await this.calls.watch?.pickSas(choice);
  }

  /** Open (or close) the plain yes/no fallback of the SAS panel. */
  sasYesNo(on: boolean): void {
    this.calls.watch?.yesNoMode(on);
  }

  /** "Something is wrong" on a verified call: clears the V flag and ends it like a mismatch. */
  async somethingWrong(): Promise<void> {
    await this.calls.watch?.somethingWrong();
  }

  /** From an ended call back to the directory (or the login screen when signed out). */
  backHome(): void {
    if (this.calls.active) return;
    this.deps.store.update((s) => ({ ...s, screen: s.account ? 'home' : 'login', call: null }));
    if (this.deps.store.state.account) this.sdhFactory.warmUp();
  }
}
