import { SessionState, type Invitation, type Inviter, type Session } from 'sip.js';
import type { Colleague } from '../api/phone-api.ts';
import type { ToneName } from '../media/tones.ts';
import { END_REASON_HEADER, endReasonHeaders, incomingRejectStatus, isBusyLike, reasonFromPeerBye, reasonFromPeerResponse, reasonMessage, type CallEndReason } from '../sip/call-end-reason.ts';
import { isSecureSdh, type SecureSessionDescriptionHandler } from '../sip/secure-session-description-handler.ts';
import type { CallSecurity, CallSecurityDelegate } from '../security/call-security.ts';
import type { RegisteredAgent } from './registration.ts';
import type { Scheduler } from './scheduler.ts';
import { SecurityWatch, type WatchedCall } from './security-watch.ts';
import type { CallView, Store } from './state.ts';
import { dialTarget } from './dial-target.ts';
import type { MissedCall } from './missed-calls.ts';
import type { MessageKey } from '../i18n/index.ts';

/**
 * One call at a time, as a state machine over sip.js's session states (see CallPhase in
 * state.ts): dialing → ringing → connecting → securing → secure | not-secure → ended, or
 * incoming → connecting → …. Every end goes through finish(), which also answers what is
 * still unanswered: an incoming INVITE this phone cannot take (no peer connection, no
 * microphone, failed media) gets a final response carrying X-Susurro-End-Reason, so the
 * caller stops ringing and can say why (RFC 3261 §13.3.1.3: a UAS that cannot accept the
 * offer must reject the INVITE).
 */
export interface Tones {
  play(name: ToneName): void;
  stop(): void;
}

export interface CallFlowDeps {
  store: Store;
  scheduler: Scheduler;
  tones: Tones;
  remoteAudio: { srcObject: MediaProvider | null; play(): Promise<void> };
  announce: (text: string) => void;
  getUserMedia: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
  /** A new CallSecurity for a call (device identity, cache and SFrame protection bound in). */
  createSecurity: (delegate: CallSecurityDelegate) => CallSecurity;
  random: (n: number) => Uint8Array;
  agent: () => RegisteredAgent | null;
  ensureFreshTurn: () => Promise<void>;
  /** A call ended without a reason of its own: the account may have been revoked. */
  onUnexplainedEnd: () => void;
  /** A call this person did not take (rang out, or came while busy): kept on this device. */
  onMissed: (call: Omit<MissedCall, 'id'>) => void;
  /** ms ZRTP may take once the call is answered; past it the call is ended (SecurityWatch default 8000). */
  securingTimeoutMs?: number;
}

/** Why ZRTP did not secure the call, as the second sentence of the ended screen. */
const SECURING_FAILURE_DETAIL: Partial<Record<MessageKey, MessageKey>> = {
  'call.notSecure.noHash': 'end.why.noHash',
  'call.notSecure.channelClosed': 'end.why.channelClosed',
  'call.notSecure.tampered': 'end.why.tampered',
  'call.notSecure.incompatible': 'end.why.incompatible',
  'call.notSecure.noAnswer': 'end.why.noAnswer',
  'call.notSecure.keys': 'end.why.keys',
  'call.notSecure.failed': 'end.why.failed',
};

/** How long a ZRTP channel the peer closed waits for the peer's BYE before this side ends the call. */
const PEER_BYE_GRACE_MS = 300;

/** RFC 3326 §2: a CANCEL with `Reason: SIP;cause=200` means another branch (device) answered. */
export function answeredElsewhere(reasonHeaders: readonly string[]): boolean {
  return reasonHeaders.some((h) => h.split(',').some((r) => /^\s*SIP\s*;(?:[^;]*;)*\s*cause\s*=\s*200\s*(?:;|$)/i.test(r)));
}

interface ActiveCall {
  view: CallView;
  session: Inviter | Invitation;
  direction: 'outgoing' | 'incoming';
  security: CallSecurity | null;
  watch: SecurityWatch;
  endReason: CallEndReason | null;
  /** The ZRTP channel closed after the keys were agreed (the peer's connection went). */
  peerGone: boolean;
}

const AUDIO_ONLY: MediaStreamConstraints = { audio: true, video: false };

export class CallFlow {
  private call: ActiveCall | null = null;
  private callIds = 0;
  /** A microphone stream opened while an incoming call rings, handed to the call on answer. */
  private warmMicrophone: Promise<MediaStream> | null = null;

  constructor(private readonly deps: CallFlowDeps) {}

  get active(): boolean {
    return this.call !== null;
  }

  /** The SecurityWatch of the current call (SAS actions of the UI go there). */
  get watch(): SecurityWatch | null {
    return this.call?.watch ?? null;
  }

  /** Called by the SDH factory: the current call's CallSecurity, created on first use. */
  securityFor(session: Session): CallSecurity {
    const call = this.call;
    if (!call || call.session !== session) throw new Error('securityFor: not the current call');
    if (call.security) return call.security;
    const watch = call.watch;
    const security = this.deps.createSecurity({
      onSecuring: () => this.call === call && watch.onSecuring(),
      onSecure: (info) => this.call === call && watch.onSecure(info),
      onFailure: (failure) => this.call === call && watch.onFailure(failure),
      onPeerGone: () => {
        if (this.call !== call) return;
        call.peerGone = true;
        watch.onPeerGone();
      },
      onPeerVerdict: (verdict) => this.call === call && void watch.onPeerVerdict(verdict),
    });
    call.security = security;
    watch.attach(security);
    return security;
  }

  /** The media stream factory of the SDH: the warm microphone if the phone rang, else a fresh one. */
  microphone(constraints: MediaStreamConstraints): Promise<MediaStream> {
    const warm = this.warmMicrophone;
    this.warmMicrophone = null;
    return warm ?? this.deps.getUserMedia(constraints);
  }

  async dial(extension: string): Promise<void> {
    const agent = this.deps.agent();
    if (!agent || this.call) return;
    const checked = dialTarget(extension, this.deps.store.state.account?.extension ?? null);
    this.deps.store.update((s) => ({ ...s, dialError: checked.ok ? null : checked.error }));
    if (!checked.ok) return;
    const target = checked.extension;
    await this.deps.ensureFreshTurn();
    const inviter = agent.inviter(target);
    this.begin(inviter, 'outgoing', this.colleague(target), 'dialing');
    this.deps.tones.play('ringback');
    try {
      await inviter.invite({
        requestDelegate: {
          onProgress: (response) => {
            if (response.message.statusCode === 180) this.setPhase(inviter, 'ringing');
          },
          onReject: (response) => {
            const reason = reasonFromPeerResponse(response.message.statusCode ?? 500, response.message.getHeader(END_REASON_HEADER), response.message.reasonPhrase);
            this.finish(reason, inviter);
          },
        },
      });
    } catch {
      this.finish({ kind: 'sip', status: 500 }, inviter);
    }
  }

  incoming(invitation: Invitation): void {
    if (this.call) {
      // Busy here (RFC 3261 §21.4.24); the person still learns that a colleague tried.
      void invitation.reject({ statusCode: 486 }).catch(() => undefined);
      const caller = this.colleague(invitation.remoteIdentity.uri.user ?? '?', invitation.remoteIdentity.displayName);
      this.deps.onMissed({ kind: 'busy', extension: caller.extension, displayName: caller.displayName, at: this.deps.scheduler.now() });
      return;
    }
    const peer = this.colleague(invitation.remoteIdentity.uri.user ?? '?', invitation.remoteIdentity.displayName);
    this.begin(invitation, 'incoming', peer, 'incoming');
    this.deps.tones.play('incoming');
    // Open the microphone, create the peer connection and prepare the answer now, while the
    // phone rings; sip.js reuses this handler on accept() and closes it on reject/cancel.
    let microphoneFailed = false;
    const microphone = this.deps.getUserMedia(AUDIO_ONLY);
    microphone.catch(() => (microphoneFailed = true));
    this.warmMicrophone = microphone;
    const offer = invitation.request.body;
    try {
      // setupSessionDescriptionHandler is sip.js-internal but stable in 0.21.
      const sdh = (invitation as unknown as { setupSessionDescriptionHandler(): unknown }).setupSessionDescriptionHandler();
      if (isSecureSdh(sdh) && typeof offer === 'string' && /^application\/sdp/i.test(invitation.request.getHeader('Content-Type') ?? '')) {
        sdh.prepareAnswer(offer, { constraints: AUDIO_ONLY }).catch(() => {
          // A CANCEL closes the handler too: that call was missed, not failed.
          if (invitation.state === SessionState.Initial || invitation.state === SessionState.Establishing) this.finish(microphoneFailed ? { kind: 'microphone' } : { kind: 'media-failed' }, invitation);
        });
      }
    } catch {
      // No peer connection can be made here (e.g. WebRTC unavailable): refuse the INVITE now.
      this.finish({ kind: 'media-failed' }, invitation);
      return;
    }
    this.deps.announce(peer.displayName);
  }

  async answer(): Promise<void> {
    const call = this.call;
    if (!call || call.direction !== 'incoming' || call.view.phase !== 'incoming') return;
    this.deps.tones.stop();
    this.setPhase(call.session, 'connecting');
    try {
      await (call.session as Invitation).accept({ sessionDescriptionHandlerOptions: { constraints: AUDIO_ONLY } });
    } catch {
      this.finish({ kind: 'media-failed' }, call.session);
    }
  }

  reject(): void {
    const call = this.call;
    if (!call || call.direction !== 'incoming') return;
    call.endReason = { kind: 'normal' };
    void (call.session as Invitation).reject({ statusCode: 603 }).catch(() => undefined);
    this.finish({ kind: 'normal' }, call.session);
  }

  hangup(reason: CallEndReason = { kind: 'normal' }): void {
    const call = this.call;
    if (!call) return;
    call.endReason = reason;
    const s = call.session;
    if (s.state === SessionState.Established) void s.bye({ requestOptions: { extraHeaders: endReasonHeaders(reason) } }).catch(() => undefined);
    else if (call.direction === 'outgoing' && (s.state === SessionState.Initial || s.state === SessionState.Establishing)) void (s as Inviter).cancel().catch(() => undefined);
    this.finish(reason, s); // an unanswered incoming call is refused there
  }

  toggleMute(): void {
    const call = this.call;
    if (!call || call.view.security?.auxMismatch) return; // the microphone stays off on a flagged call
    const muted = !call.view.muted;
    this.secureSdh(call)?.enableSenderTracks(!muted);
    this.updateCall(call.session, (c) => ({ ...c, muted }));
  }

  private colleague(extension: string, fallbackName?: string): Colleague {
    const known = this.deps.store.state.directory.find((c) => c.extension === extension);
    return known ?? { extension, displayName: fallbackName || extension };
  }

  private begin(session: Inviter | Invitation, direction: 'outgoing' | 'incoming', peer: Colleague, phase: CallView['phase']): void {
    const view: CallView = { id: ++this.callIds, direction, peer, phase, answeredAt: null, muted: false, security: null, securityFailure: null, ended: null };
    const handle: WatchedCall = {
      get view() {
        return call.view;
      },
      update: (fn) => {
        const before = call.view.phase;
        this.updateCall(session, fn);
        // Fail closed all the way: a call ZRTP did not secure (failure or deadline) is ended,
        // on both sides (the BYE says why), rather than left up and silent.
        if (this.call === call && before !== 'not-secure' && call.view.phase === 'not-secure') {
          const detail = call.view.securityFailure ?? 'timeout';
          // A channel closed by the peer usually means the peer is ending the call: its BYE
          // (with the reason) gets a moment to arrive first.
          const grace = detail === 'call.notSecure.channelClosed' ? PEER_BYE_GRACE_MS : 0;
          this.deps.scheduler.after(grace, () => {
            if (this.call === call) this.hangup({ kind: 'zrtp-failed', detail });
          });
        }
      },
      end: (reason) => {
        // The watch ends a call whose peer went without a BYE (its grace elapsed): say so.
        if (this.call === call) this.hangup(call.peerGone && reason.kind === 'normal' ? { kind: 'peer-gone' } : reason);
      },
      setMicrophone: (on) => this.secureSdh(call)?.enableSenderTracks(on),
      rtpCounters: async () => (await this.secureSdh(call)?.audioRtpCounters()) ?? null,
    };
    const watch = new SecurityWatch(handle, { scheduler: this.deps.scheduler, random: this.deps.random, securingTimeoutMs: this.deps.securingTimeoutMs });
    const call: ActiveCall = { view, session, direction, security: null, watch, endReason: null, peerGone: false };
    this.call = call;
    session.delegate = {
      onCancel: (cancel) => {
        if (answeredElsewhere(cancel.request.getHeaders('Reason'))) call.endReason = { kind: 'answered-elsewhere' };
      },
      onBye: (bye) => {
        call.endReason = reasonFromPeerBye(bye.request.getHeader(END_REASON_HEADER));
      },
      onSessionDescriptionHandler: (sdh) => {
        if (!isSecureSdh(sdh)) return;
        sdh.remoteMediaStream.addEventListener('addtrack', () => this.playRemote(sdh));
        this.playRemote(sdh);
        sdh.peerConnectionDelegate = {
          onconnectionstatechange: () => {
            if (sdh.peerConnection?.connectionState === 'failed') this.finish({ kind: 'media-failed' }, session);
          },
        };
      },
    };
    session.stateChange.addListener((state) => {
      if (state === SessionState.Established) {
        this.deps.tones.stop();
        this.updateCall(session, (c) => ({
          ...c,
          answeredAt: this.deps.scheduler.now(),
          phase: c.phase === 'securing' || c.phase === 'secure' || c.phase === 'not-secure' ? c.phase : 'connecting',
        }));
        watch.mediaStarted();
      } else if (state === SessionState.Terminated) {
        // sip.js reports Terminated before the request delegate's onReject sees the final
        // response; let that run first so "404"/"486"… is the reason shown, not "ended".
        this.deps.scheduler.after(0, () => {
          const reason = call.endReason ?? (!call.view.answeredAt && direction === 'incoming' ? { kind: 'missed' as const } : { kind: 'normal' as const });
          this.finish(reason, session);
        });
      }
    });
    this.deps.store.update((s) => ({ ...s, screen: 'call', call: view }));
  }

  private secureSdh(call: ActiveCall): SecureSessionDescriptionHandler | null {
    const sdh = call.session.sessionDescriptionHandler;
    return isSecureSdh(sdh) ? sdh : null;
  }

  private playRemote(sdh: SecureSessionDescriptionHandler): void {
    const audio = this.deps.remoteAudio;
    if (audio.srcObject !== sdh.remoteMediaStream) audio.srcObject = sdh.remoteMediaStream;
    void audio.play().catch(() => undefined);
  }

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
    call.watch.stop();
    const warm = this.warmMicrophone;
    this.warmMicrophone = null;
    void warm?.then((s) => s.getTracks().forEach((t) => t.stop())).catch(() => undefined);
    const final = call.endReason ?? reason;
    if (isBusyLike(final)) this.deps.tones.play('busy');
    else this.deps.tones.stop();
    this.deps.remoteAudio.srcObject = null;
    const params = { name: call.view.peer.displayName, target: call.view.peer.extension };
    const detail = final.kind === 'zrtp-failed' ? (SECURING_FAILURE_DETAIL[final.detail as MessageKey] ?? (final.detail === 'timeout' ? 'end.why.timeout' : 'end.why.failed')) : null;
    call.view = { ...call.view, phase: 'ended', ended: { message: reasonMessage(final), params, detail } };
    if (final.kind === 'missed') this.deps.onMissed({ kind: 'missed', extension: call.view.peer.extension, displayName: call.view.peer.displayName, at: this.deps.scheduler.now() });
    this.deps.store.update((s) => ({ ...s, call: call.view }));
    const s = call.session;
    if (s.state === SessionState.Established) void s.bye({ requestOptions: { extraHeaders: endReasonHeaders(final) } }).catch(() => undefined);
    else if (call.direction === 'incoming' && (s.state === SessionState.Initial || s.state === SessionState.Establishing)) {
      // Still unanswered: tell the caller, with the reason, instead of letting it ring on.
      const statusCode = incomingRejectStatus(final);
      void (s as Invitation).reject({ statusCode, extraHeaders: endReasonHeaders(final) }).catch(() => undefined);
    }
    call.security?.close(); // also when its session description handler was never built
    // The revoked client finds out why: probe the token (a BYE from Kamailio's dialog
    // end carries no reason of its own).
    if (final.kind === 'normal' || final.kind === 'connection-lost' || final.kind === 'peer-gone') this.deps.onUnexplainedEnd();
  }
}
