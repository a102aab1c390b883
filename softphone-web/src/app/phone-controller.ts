import { Invitation, Inviter, SessionState, type Session } from 'sip.js';
import { PhoneApi, PhoneApiError, type PhoneSession, type Colleague } from '../api/phone-api.ts';
import { PhoneAgent } from '../sip/phone-agent.ts';
import {
  SecureSessionDescriptionHandler,
  relayOnlyConfiguration,
  secureSessionDescriptionHandlerFactory,
} from '../sip/secure-session-description-handler.ts';
import { END_REASON_HEADER, endReasonHeaderValue, isBusyLike, reasonFromPeerBye, reasonMessage, type CallEndReason } from '../sip/call-end-reason.ts';
import { CallSecurity, type SecureCallInfo, type SecurityFailure } from '../security/call-security.ts';
import type { RetainedSecretCache } from '../../../src/zrtp/cache/retained-secret-cache.ts';
import { MediaWatchdog } from '../security/media-watchdog.ts';
import { sasChoices } from '../security/sas-choices.ts';
import { needsInsertableStreams } from '../security/sframe-protection.ts';
import { TonePlayer } from '../media/tones.ts';
import type { Store, CallView } from './state.ts';

/**
 * The application's brain: login/logout, registration, one call at a time, and the
 * security state of that call. UI screens call its methods; it updates the Store.
 */
export interface ControllerDeps {
  store: Store;
  api: PhoneApi;
  /** Opens this device's ZID + encrypted cache (IndexedDB in the app). */
  device: () => Promise<{ zid: Uint8Array; cache: RetainedSecretCache }>;
  protection: (localZid: Uint8Array) => import("../security/media-protection.ts").MediaProtection;
  remoteAudio: HTMLAudioElement;
  announce: (text: string) => void;
  /** Test seam: no ZRTP channel for calls (fail-closed check). */
  blockZrtpChannel?: () => boolean;
}

/** Seconds ZRTP may take once media is up before the call is declared not secure. */
const SECURING_TIMEOUT_MS = 8000;

interface ActiveCall {
  view: CallView;
  session: Inviter | Invitation;
  security: CallSecurity | null;
  timers: Array<ReturnType<typeof setTimeout>>;
  watchdog: ReturnType<typeof setInterval> | null;
  endReason: CallEndReason | null;
}

export class PhoneController {
  private session: PhoneSession | null = null;
  private agent: PhoneAgent | null = null;
  private device: { zid: Uint8Array; cache: RetainedSecretCache } | null = null;
  private call: ActiveCall | null = null;
  private callIds = 0;
  private turnFetchedAt = 0;
  private turnRefresh: ReturnType<typeof setInterval> | null = null;
  private readonly tones = new TonePlayer();
  private readonly securities = new WeakMap<Session, CallSecurity>();

  constructor(private readonly deps: ControllerDeps) {}

  // ---- login / logout -------------------------------------------------------------

  async login(extension: string, password: string): Promise<void> {
    const { store } = this.deps;
    store.update((s) => ({ ...s, login: { busy: true, error: null, errorParams: {}, notice: null } }));
    try {
      const session = await this.deps.api.login(extension.trim(), password);
      this.device ??= await this.deps.device();
      this.session = session;
      this.turnFetchedAt = Date.now();
      store.update((s) => ({
        ...s,
        screen: 'home',
        account: session.account,
        login: { busy: false, error: null, errorParams: {}, notice: null },
      }));
      this.startAgent(session, password);
      void this.refreshDirectory();
      // TURN credentials are short-lived (ttl); keep a fresh pair for incoming calls.
      const every = Math.max(30, Math.floor(session.turn.ttl / 2)) * 1000;
      this.turnRefresh = setInterval(() => void this.refreshTurn(), every);
    } catch (err) {
      const kind = err instanceof PhoneApiError ? err.kind : 'server';
      const key =
        kind === 'credentials' ? 'login.error.credentials'
        : kind === 'disabled' ? 'login.error.disabled'
        : kind === 'rateLimited' ? 'login.error.rateLimited'
        : kind === 'network' ? 'login.error.network'
        : 'login.error.server';
      const status = err instanceof PhoneApiError && err.status ? String(err.status) : '?';
      store.update((s) => ({ ...s, login: { busy: false, error: key, errorParams: { status }, notice: null } }));
    }
  }

  private startAgent(session: PhoneSession, password: string): void {
    const agent = new PhoneAgent({
      wssUrl: session.sip.wssUrl,
      domain: session.sip.domain,
      authorizationUser: session.sip.authorizationUser,
      password,
      displayName: session.account.displayName,
      sessionDescriptionHandlerFactory: secureSessionDescriptionHandlerFactory({
        peerConnectionConfiguration: () => relayOnlyConfiguration(this.session!.turn, { insertableStreams: needsInsertableStreams() }),
        securityFor: (s) => this.securityFor(s),
        mediaStreamFactory: (constraints) => this.microphone(constraints),
      }),
      delegate: {
        onConnectionState: (connection, detail) => {
          this.deps.store.update((s) => ({ ...s, connection }));
          if (connection === 'refused' || connection === 'reconnecting') void this.checkRevoked(detail?.status);
        },
        onInvite: (invitation) => this.incoming(invitation),
      },
    });
    this.agent = agent;
    void agent.start();
  }

  async logout(notice: 'end.revoked' | null = null): Promise<void> {
    if (this.call) this.hangup();
    if (this.turnRefresh) clearInterval(this.turnRefresh);
    this.turnRefresh = null;
    const agent = this.agent;
    this.agent = null;
    this.session = null;
    this.deps.store.update((s) => {
      // A call that just ended because of the revocation stays on screen, now saying why;
      // "back" then leads to the login screen, which repeats the notice.
      const endedCall = notice && s.call?.phase === 'ended' && s.call.ended ? { ...s.call, ended: { message: notice, params: s.call.ended.params } } : null;
      return {
        ...s,
        screen: endedCall ? 'call' : 'login',
        account: null,
        connection: 'offline',
        directory: [],
        call: endedCall,
        login: { busy: false, error: null, errorParams: {}, notice },
      };
    });
    await agent?.stop();
  }

  /** A refused registration or lost connection may mean the account was revoked. */
  private async checkRevoked(status?: number): Promise<void> {
    const token = this.session?.token;
    if (!token) return;
    try {
      await this.deps.api.directory(token);
    } catch (err) {
      if (err instanceof PhoneApiError && err.kind === 'revoked') {
        if (this.call) this.finish({ kind: 'revoked' });
        await this.logout('end.revoked');
        return;
      }
    }
    if (status === 403) await this.logout('end.revoked');
  }

  async refreshDirectory(): Promise<void> {
    if (!this.session) return;
    try {
      const list = await this.deps.api.directory(this.session.token);
      const mine = this.session.account.extension;
      this.deps.store.update((s) => ({ ...s, directory: list.filter((c) => c.extension !== mine) }));
    } catch (err) {
      if (err instanceof PhoneApiError && err.kind === 'revoked') await this.logout('end.revoked');
    }
  }

  private async refreshTurn(): Promise<void> {
    if (!this.session) return;
    try {
      this.session.turn = await this.deps.api.turnCredentials(this.session.token);
      this.turnFetchedAt = Date.now();
    } catch (err) {
      if (err instanceof PhoneApiError && err.kind === 'revoked') await this.logout('end.revoked');
    }
  }

  // ---- calls ----------------------------------------------------------------------

  /** A microphone stream opened while an incoming call rings, handed to the call on answer. */
  private warmMicrophone: Promise<MediaStream> | null = null;

  private microphone(constraints: MediaStreamConstraints): Promise<MediaStream> {
    const warm = this.warmMicrophone;
    this.warmMicrophone = null;
    return warm ?? navigator.mediaDevices.getUserMedia(constraints);
  }

  private dropWarmMicrophone(): void {
    const warm = this.warmMicrophone;
    this.warmMicrophone = null;
    void warm?.then((s) => s.getTracks().forEach((t) => t.stop())).catch(() => undefined);
  }

  private securityFor(session: Session): CallSecurity {
    const existing = this.securities.get(session);
    if (existing) return existing;
    if (!this.device) throw new Error('no device identity');
    const security = new CallSecurity({
      zid: this.device.zid,
      cache: this.device.cache,
      protection: this.deps.protection(this.device.zid),
      blockZrtpChannel: this.deps.blockZrtpChannel?.() ?? false,
      delegate: {
        onSecuring: () => this.onSecurity(session, 'securing'),
        onSecure: (info) => this.onSecurity(session, 'secure', info),
        onFailure: (failure) => this.onSecurity(session, 'failed', undefined, failure),
        onPeerGone: () => {
          // Give the peer's BYE (which may carry a reason) a moment to arrive first.
          setTimeout(() => {
            if (this.call?.session === session) this.hangup({ kind: 'normal' });
          }, 300);
        },
      },
    });
    this.securities.set(session, security);
    return security;
  }

  private colleague(extension: string, fallbackName?: string): Colleague {
    const known = this.deps.store.state.directory.find((c) => c.extension === extension);
    return known ?? { extension, displayName: fallbackName || extension };
  }

  async dial(extension: string): Promise<void> {
    if (!this.agent || this.call) return;
    const target = extension.trim();
    if (!/^[0-9A-Za-z._-]{1,32}$/.test(target)) return;
    if (Date.now() - this.turnFetchedAt > ((this.session?.turn.ttl ?? 600) * 1000) / 2) await this.refreshTurn();
    const inviter = this.agent.inviter(target);
    this.begin(inviter, 'outgoing', this.colleague(target), 'dialing');
    this.tones.play('ringback');
    try {
      await inviter.invite({
        requestDelegate: {
          onProgress: (response) => {
            if (response.message.statusCode === 180) this.setPhase(inviter, 'ringing');
          },
          onReject: (response) => {
            const status = response.message.statusCode ?? 500;
            this.finish(status === 603 ? { kind: 'rejected' } : { kind: 'sip', status }, inviter);
          },
        },
      });
    } catch {
      this.finish({ kind: 'sip', status: 500 }, inviter);
    }
  }

  private incoming(invitation: Invitation): void {
    if (this.call) {
      void invitation.reject({ statusCode: 486 }).catch(() => undefined);
      return;
    }
    const user = invitation.remoteIdentity.uri.user ?? '?';
    const name = invitation.remoteIdentity.displayName;
    this.begin(invitation, 'incoming', this.colleague(user, name), 'incoming');
    this.tones.play('incoming');
    // Create the peer connection and prepare the answer now, while the phone rings;
    // sip.js reuses this handler on accept() and closes it on reject/cancel.
    // (setupSessionDescriptionHandler is sip.js-internal but stable in 0.21.)
    this.warmMicrophone = navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    this.warmMicrophone.catch(() => undefined);
    try {
      const sdh = (invitation as unknown as { setupSessionDescriptionHandler(): unknown }).setupSessionDescriptionHandler();
      const offer = invitation.request.body;
      if (sdh instanceof SecureSessionDescriptionHandler && typeof offer === 'string' && /^application\/sdp/i.test(invitation.request.getHeader('Content-Type') ?? '')) {
        sdh.prepareAnswer(offer, { constraints: { audio: true, video: false } });
      }
    } catch {
      /* accept() will create and negotiate it */
    }
    this.deps.announce(`${this.deps.store.state.call?.peer.displayName ?? user}`);
  }

  private begin(session: Inviter | Invitation, direction: 'outgoing' | 'incoming', peer: Colleague, phase: CallView['phase']): void {
    const view: CallView = { id: ++this.callIds, direction, peer, phase, answeredAt: null, muted: false, security: null, ended: null };
    const call: ActiveCall = { view, session, security: null, timers: [], watchdog: null, endReason: null };
    this.call = call;
    session.delegate = {
      onBye: (bye) => {
        call.endReason = reasonFromPeerBye(bye.request.getHeader(END_REASON_HEADER));
      },
      onSessionDescriptionHandler: (sdh) => {
        if (sdh instanceof SecureSessionDescriptionHandler) {
          call.security = sdh.security;
          sdh.remoteMediaStream.addEventListener('addtrack', () => this.playRemote(sdh));
          this.playRemote(sdh);
          sdh.peerConnectionDelegate = {
            onconnectionstatechange: () => {
              const st = sdh.peerConnection?.connectionState;
              if (st === 'failed') this.finish({ kind: 'media-failed' }, session);
            },
          };
        }
      },
    };
    session.stateChange.addListener((state) => {
      if (state === SessionState.Established) {
        this.tones.stop();
        this.updateCall(session, (c) => ({
          ...c,
          answeredAt: Date.now(),
          phase: c.phase === 'securing' || c.phase === 'secure' || c.phase === 'not-secure' ? c.phase : 'connecting',
        }));
        call.timers.push(
          setTimeout(() => {
            if (this.call === call && (call.view.phase === 'connecting' || call.view.phase === 'securing')) {
              this.setPhase(session, 'not-secure');
            }
          }, SECURING_TIMEOUT_MS),
        );
      } else if (state === SessionState.Terminated) {
        // sip.js reports Terminated before the request delegate's onReject sees the final
        // response; let that run first so "404"/"486"… is the reason shown, not "ended".
        setTimeout(() => {
          const reason = call.endReason ?? (call.view.answeredAt ? { kind: 'normal' as const } : direction === 'incoming' ? { kind: 'missed' as const } : { kind: 'normal' as const });
          this.finish(reason, session);
        }, 0);
      }
    });
    this.deps.store.update((s) => ({ ...s, screen: 'call', call: view }));
  }

  private playRemote(sdh: SecureSessionDescriptionHandler): void {
    const audio = this.deps.remoteAudio;
    if (audio.srcObject !== sdh.remoteMediaStream) audio.srcObject = sdh.remoteMediaStream;
    void audio.play().catch(() => undefined);
  }

  async answer(): Promise<void> {
    const call = this.call;
    if (!call || !(call.session instanceof Invitation) || call.view.phase !== 'incoming') return;
    this.tones.stop();
    this.setPhase(call.session, 'connecting');
    try {
      await call.session.accept({ sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } });
    } catch {
      this.finish({ kind: 'media-failed' }, call.session);
    }
  }

  reject(): void {
    const call = this.call;
    if (!call || !(call.session instanceof Invitation)) return;
    call.endReason = { kind: 'normal' };
    void call.session.reject({ statusCode: 603 }).catch(() => undefined);
    this.finish({ kind: 'normal' }, call.session);
  }

  hangup(reason: CallEndReason = { kind: 'normal' }): void {
    const call = this.call;
    if (!call) return;
    call.endReason = reason;
    const s = call.session;
    if (s.state === SessionState.Established) void s.bye({ requestOptions: { extraHeaders: endReasonHeaders(reason) } }).catch(() => undefined);
    else if (s instanceof Inviter && (s.state === SessionState.Initial || s.state === SessionState.Establishing)) void s.cancel().catch(() => undefined);
    else if (s instanceof Invitation && s.state !== SessionState.Terminated) void s.reject({ statusCode: 603 }).catch(() => undefined);
    this.finish(reason, s);
  }

  toggleMute(): void {
    const call = this.call;
    if (!call) return;
    if (call.view.security?.auxMismatch) return; // the microphone stays off on a flagged call
    const muted = !call.view.muted;
    const sdh = call.session.sessionDescriptionHandler;
    if (sdh instanceof SecureSessionDescriptionHandler) sdh.enableSenderTracks(!muted);
    this.updateCall(call.session, (c) => ({ ...c, muted }));
  }

  /** "Matches" (true) or "Does not match" (false) on the SAS screen. */
  async confirmSas(matches: boolean): Promise<void> {
    const call = this.call;
    if (!call?.security || !call.view.security) return;
    if (matches && call.view.security.auxMismatch) return; // never verifiable
    await call.security.confirmSas(matches).catch(() => undefined);
    if (matches) {
      this.updateCall(call.session, (c) => ({ ...c, security: c.security && { ...c.security, verification: 'verified', cacheMismatch: false, choices: null } }));
    } else {
      this.hangup({ kind: 'sas-mismatch' });
    }
  }

  /** Switch the SAS panel to the pick-among-three check (or back). */
  pickSasMode(on: boolean): void {
    const call = this.call;
    const sec = call?.view.security;
    if (!call || !sec || sec.verification !== 'unverified' || sec.auxMismatch) return;
    const choices = on ? sasChoices(sec.sas, sec.sasType, (n) => crypto.getRandomValues(new Uint8Array(n))) : null;
    this.updateCall(call.session, (c) => ({ ...c, security: c.security && { ...c.security, choices } }));
  }

  /** The listener's pick: only the true SAS counts as a match. */
  async pickSas(choice: string): Promise<void> {
    const sec = this.call?.view.security;
    if (!sec?.choices) return;
    await this.confirmSas(choice === sec.sas);
  }

  /** For end-to-end tests and diagnostics: the live call's peer connection and SFrame counters (no keys). */
  debugCall(): { pc: RTCPeerConnection | undefined; media: ReturnType<CallSecurity['mediaStats']> | null; timeline: Record<string, number> } | null {
    const call = this.call;
    if (!call) return null;
    const sdh = call.session.sessionDescriptionHandler;
    return {
      pc: sdh instanceof SecureSessionDescriptionHandler ? sdh.peerConnection : undefined,
      media: call.security ? call.security.mediaStats() : null,
      timeline: { ...(call.security?.timeline ?? {}) },
    };
  }

  backHome(): void {
    if (this.call) return;
    this.deps.store.update((s) => ({ ...s, screen: s.account ? 'home' : 'login', call: null }));
  }

  // ---- security events --------------------------------------------------------------

  private onSecurity(session: Session, what: 'securing' | 'secure' | 'failed', info?: SecureCallInfo, failure?: SecurityFailure): void {
    const call = this.call;
    if (!call || call.session !== session) return;
    if (what === 'securing') {
      this.setPhase(session as Inviter, 'securing');
      return;
    }
    if (what === 'failed' || !info) {
      void failure;
      this.setPhase(session as Inviter, 'not-secure');
      return;
    }
    const auxMismatch = info.auxSecretMatched === false;
    if (auxMismatch) {
      // Someone terminates DTLS on our path: say nothing more into this call.
      const sdh = call.session.sessionDescriptionHandler;
      if (sdh instanceof SecureSessionDescriptionHandler) sdh.enableSenderTracks(false);
    }
    this.updateCall(session as Inviter, (c) => ({
      ...c,
      phase: 'secure',
      security: {
        sas: info.sas,
        sasType: info.sasType,
        verification: info.previouslyVerified && !info.cacheMismatch && !auxMismatch ? 'verified-before' : 'unverified',
        cacheMismatch: info.cacheMismatch,
        auxMismatch,
        choices: null,
      },
    }));
    this.startWatchdog(call);
  }

  private startWatchdog(call: ActiveCall): void {
    const watchdog = new MediaWatchdog();
    call.watchdog = setInterval(async () => {
      const sdh = call.session.sessionDescriptionHandler;
      const pc = sdh instanceof SecureSessionDescriptionHandler ? sdh.peerConnection : undefined;
      if (!pc || !call.security || this.call !== call) return;
      let sent = 0;
      let received = 0;
      const report = await pc.getStats();
      report.forEach((r: { type: string; kind?: string; packetsSent?: number; packetsReceived?: number }) => {
        if (r.type === 'outbound-rtp' && r.kind === 'audio') sent += r.packetsSent ?? 0;
        if (r.type === 'inbound-rtp' && r.kind === 'audio') received += r.packetsReceived ?? 0;
      });
      const crypto = call.security.mediaStats();
      const verdict = watchdog.observe({
        rtpPacketsSent: sent,
        rtpPacketsReceived: received,
        framesEncrypted: crypto.framesEncrypted,
        framesDecrypted: crypto.framesDecrypted,
      });
      if (verdict !== 'ok' && this.call === call) this.hangup({ kind: 'watchdog' });
    }, 1000);
  }

  // ---- state helpers -----------------------------------------------------------------

  private setPhase(session: Session, phase: CallView['phase']): void {
    this.updateCall(session, (c) => (c.phase === 'ended' ? c : { ...c, phase }));
  }

  private updateCall(session: Session, fn: (c: CallView) => CallView): void {
    const call = this.call;
    if (!call || call.session !== session) return;
    call.view = fn(call.view);
    this.deps.store.update((s) => ({ ...s, call: call.view }));
  }

  private finish(reason: CallEndReason, session?: Session): void {
    const call = this.call;
    if (!call || (session && call.session !== session)) return;
    this.call = null;
    this.dropWarmMicrophone();
    for (const t of call.timers) clearTimeout(t);
    if (call.watchdog) clearInterval(call.watchdog);
    const final = call.endReason ?? reason;
    if (isBusyLike(final)) this.tones.play('busy');
    else this.tones.stop();
    this.deps.remoteAudio.srcObject = null;
    const params = { name: call.view.peer.displayName, target: call.view.peer.extension, code: final.kind === 'sip' ? String(final.status) : '' };
    call.view = { ...call.view, phase: 'ended', ended: { message: reasonMessage(final), params } };
    this.deps.store.update((s) => ({ ...s, call: call.view }));
    if (call.session.state !== SessionState.Terminated) {
      if (call.session.state === SessionState.Established) void call.session.bye({ requestOptions: { extraHeaders: endReasonHeaders(final) } }).catch(() => undefined);
    }
    // The revoked client finds out why: probe the token (a BYE from Kamailio's dialog
    // end carries no reason of its own).
    if (final.kind === 'normal' || final.kind === 'connection-lost') void this.checkRevoked();
  }
}

/**
 * The header our BYE carries so the peer can explain the end: set when the reason was ours to
 * see (a SAS mismatch, failed media, the watchdog), so the other screen does not show a normal end.
 */
function endReasonHeaders(reason: CallEndReason): string[] {
  const value = endReasonHeaderValue(reason);
  return value ? [`${END_REASON_HEADER}: ${value}`] : [];
}
