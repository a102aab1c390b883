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
}

export class PhoneController {
  private device: { zid: Uint8Array; cache: RetainedSecretCache } | null = null;
  private readonly registration: Registration;
  private readonly calls: CallFlow;

  private cancelWarmCheck: (() => void) | null = null;

  /** Made before Registration (which hands it to the SIP agent); its connection made ahead is warmed when idle. */
  private readonly sdhFactory: SecureSdhFactory = secureSessionDescriptionHandlerFactory({
    peerConnectionConfiguration: () => relayOnlyConfiguration(this.registration.turn, this.deps.sframeConfiguration()),
    securityFor: (session) => this.calls.securityFor(session),
    mediaStreamFactory: (constraints) => this.calls.microphone(constraints),
  });

  constructor(private readonly deps: ControllerDeps) {
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

  /** "Matches" (true) or "Does not match" (false) on the SAS screen. */
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

  /** From an ended call back to the directory (or the login screen when signed out). */
  backHome(): void {
    if (this.calls.active) return;
    this.deps.store.update((s) => ({ ...s, screen: s.account ? 'home' : 'login', call: null }));
    if (this.deps.store.state.account) this.sdhFactory.warmUp();
  }
}
