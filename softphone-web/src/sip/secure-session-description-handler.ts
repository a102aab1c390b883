import { Web, type Session, type SessionDescriptionHandlerModifier, type BodyAndContentType } from 'sip.js';
import type { CallSecurity } from '../security/call-security.ts';

/**
 * sip.js's web SessionDescriptionHandler plus the call's security (STYLE.md §4: the SDH is
 * the seam). The RTCPeerConnection is created by the base constructor; CallSecurity is
 * attached right after, before any transceiver exists, so no frame can bypass the SFrame
 * transforms. Outgoing descriptions gain a=zrtp-hash; incoming ones are noted (DTLS
 * fingerprint for the aux secret, the peer's Hello hash) before they are applied.
 */
export class SecureSessionDescriptionHandler extends Web.SessionDescriptionHandler {
  constructor(
    logger: ConstructorParameters<typeof Web.SessionDescriptionHandler>[0],
    mediaStreamFactory: Web.MediaStreamFactory,
    configuration: Web.SessionDescriptionHandlerConfiguration,
    readonly security: CallSecurity,
  ) {
    super(logger, mediaStreamFactory, configuration);
    const pc = this.peerConnection!;
    security.attach(pc);
    // Relay-only ICE: one UDP relay candidate is all the peer needs (both ends relay through
    // the same coturn, and a UDP allocation proves UDP to it works). Stop waiting for the
    // slower TCP/TLS allocations then; they still serve networks that block UDP, where no
    // UDP relay candidate ever appears and gathering runs to completion as usual.
    pc.addEventListener('icecandidate', (e) => {
      // relayProtocol is how WE reach the TURN server (udp/tcp/tls); a relay candidate's
      // own protocol is always udp. Without relayProtocol support, wait for completion.
      const c = e.candidate as (RTCIceCandidate & { relayProtocol?: string }) | null;
      if (c && c.type === 'relay' && c.relayProtocol === 'udp') {
        this.haveUdpRelay = true;
        this.iceGatheringComplete();
      }
    });
  }

  private haveUdpRelay = false;

  protected override waitForIceGatheringComplete(restart = false, timeout = 0): Promise<void> {
    if (!restart && this.haveUdpRelay) return Promise.resolve();
    return super.waitForIceGatheringComplete(restart, timeout);
  }

  /**
   * While the phone rings, apply the offer and build the answer (microphone, transceivers
   * with their transforms, TURN allocation, ICE gathering), so "Answer" only has to send
   * it. Frames produced meanwhile are dropped by the sender transform (no keys yet), and
   * DTLS cannot complete before the caller has our answer, so nothing flows early.
   */
  prepareAnswer(offer: string, options?: Web.SessionDescriptionHandlerOptions): Promise<void> {
    if (this.prepared) return this.prepared.answer.then(() => undefined);
    const answer = (async () => {
      await this.applyRemote(offer, options);
      return this.createLocal(options);
    })();
    answer.catch(() => undefined); // the caller of prepareAnswer sees the failure, getDescription too
    this.prepared = { offer, answer, used: false };
    return answer.then(() => undefined);
  }

  private prepared: { offer: string; answer: Promise<BodyAndContentType>; used: boolean } | null = null;

  override async getDescription(
    options?: Web.SessionDescriptionHandlerOptions,
    modifiers?: Array<SessionDescriptionHandlerModifier>,
  ): Promise<BodyAndContentType> {
    if (this.prepared && !this.prepared.used && !modifiers?.length) {
      this.prepared.used = true;
      return this.prepared.answer;
    }
    return this.createLocal(options, modifiers);
  }

  override async setDescription(
    sdp: string,
    options?: Web.SessionDescriptionHandlerOptions,
    modifiers?: Array<SessionDescriptionHandlerModifier>,
  ): Promise<void> {
    if (this.prepared && !this.prepared.used && sdp === this.prepared.offer && !modifiers?.length) {
      await this.prepared.answer; // the offer is applied already
      return;
    }
    await this.applyRemote(sdp, options, modifiers);
  }

  private async createLocal(
    options?: Web.SessionDescriptionHandlerOptions,
    modifiers?: Array<SessionDescriptionHandlerModifier>,
  ): Promise<BodyAndContentType> {
    const description = await super.getDescription(options, modifiers);
    return { ...description, body: await this.security.decorateLocalDescription(description.body) };
  }

  private async applyRemote(
    sdp: string,
    options?: Web.SessionDescriptionHandlerOptions,
    modifiers?: Array<SessionDescriptionHandlerModifier>,
  ): Promise<void> {
    await this.security.noteRemoteDescription(sdp);
    await super.setDescription(sdp, options, modifiers);
    this.security.protectAll();
  }

  /** Audio RTP packets sent and received so far (getStats), for the SFrame watchdog. */
  async audioRtpCounters(): Promise<{ sent: number; received: number } | null> {
    const pc = this.peerConnection;
    if (!pc) return null;
    let sent = 0;
    let received = 0;
    const report = await pc.getStats();
    report.forEach((r: { type: string; kind?: string; packetsSent?: number; packetsReceived?: number }) => {
      if (r.type === 'outbound-rtp' && r.kind === 'audio') sent += r.packetsSent ?? 0;
      if (r.type === 'inbound-rtp' && r.kind === 'audio') received += r.packetsReceived ?? 0;
    });
    return { sent, received };
  }

  override close(): void {
    this.security.close();
    super.close();
  }
}

/** Whether sip.js's handler for a session is ours (the only kind the factory makes). */
export function isSecureSdh(sdh: unknown): sdh is SecureSessionDescriptionHandler {
  return sdh instanceof SecureSessionDescriptionHandler;
}

export interface SecureSdhFactoryOptions {
  /** Current ICE configuration (TURN credentials are refreshed between calls). */
  peerConnectionConfiguration: () => RTCConfiguration;
  /** The CallSecurity for a session (created on first use). */
  securityFor: (session: Session) => CallSecurity;
  mediaStreamFactory?: Web.MediaStreamFactory;
  iceGatheringTimeout?: number;
}

/** sip.js's factory, plus the connection made ahead for the next call. */
export interface SecureSdhFactory {
  (session: Session, options?: object): SecureSessionDescriptionHandler;
  /**
   * Make the next call's RTCPeerConnection now (idempotent), with iceCandidatePoolSize 1: Chromium
   * allocates the TURN relay and gathers while the phone is idle, so "Call" no longer waits for
   * it before the INVITE can go (the split in bench/call-setup.bench.ts: ~100-300 ms). Call when
   * the phone is idle (signed in, back home, and periodically: a connection made with TURN
   * credentials that were refreshed since is replaced); it is used by the next call in either
   * direction, or dropped at the call if the credentials changed in between.
   */
  warmUp(): void;
  /** Close the connection made ahead (sign-out). */
  discardWarm(): void;
}

export function secureSessionDescriptionHandlerFactory(opts: SecureSdhFactoryOptions): SecureSdhFactory {
  const mediaStreamFactory = opts.mediaStreamFactory ?? Web.defaultMediaStreamFactory();
  let warm: { pc: RTCPeerConnection; iceServers: string } | null = null;
  const take = (configuration: RTCConfiguration): RTCPeerConnection | null => {
    const ahead = warm;
    warm = null;
    if (!ahead) return null;
    if (ahead.iceServers === JSON.stringify(configuration.iceServers) && ahead.pc.signalingState === 'stable') return ahead.pc;
    ahead.pc.close();
    return null;
  };
  const factory = (session: Session, _options?: object): SecureSessionDescriptionHandler => {
    const logger = session.userAgent.getLogger('susurro.sdh');
    const configuration: Web.SessionDescriptionHandlerConfiguration = {
      iceGatheringTimeout: opts.iceGatheringTimeout ?? 3000,
      peerConnectionConfiguration: opts.peerConnectionConfiguration(),
    };
    const ahead = take(configuration.peerConnectionConfiguration!);
    if (!ahead) return new SecureSessionDescriptionHandler(logger, mediaStreamFactory, configuration, opts.securityFor(session));
    // sip.js's handler constructs its RTCPeerConnection itself; for this one synchronous
    // construction it gets the one made ahead (same configuration plus the candidate pool).
    const Native = globalThis.RTCPeerConnection;
    const aheadOfTime = function aheadOfTime() {
      return ahead;
    } as unknown as typeof RTCPeerConnection;
    // `instanceof RTCPeerConnection` (the SFrame attach in the constructor) must still hold.
    Object.defineProperty(aheadOfTime, 'prototype', { value: Native.prototype });
    globalThis.RTCPeerConnection = aheadOfTime;
    try {
      return new SecureSessionDescriptionHandler(logger, mediaStreamFactory, configuration, opts.securityFor(session));
    } finally {
      globalThis.RTCPeerConnection = Native;
    }
  };
  return Object.assign(factory, {
    warmUp(): void {
      let configuration: RTCConfiguration;
      try {
        configuration = opts.peerConnectionConfiguration();
      } catch {
        return; // no TURN credentials yet: the call makes its connection as before
      }
      const iceServers = JSON.stringify(configuration.iceServers);
      if (warm && warm.iceServers === iceServers && warm.pc.signalingState === 'stable') return;
      warm?.pc.close(); // made with TURN credentials that have been replaced since
      warm = { pc: new RTCPeerConnection({ ...configuration, iceCandidatePoolSize: 1 }), iceServers };
    },
    discardWarm(): void {
      warm?.pc.close();
      warm = null;
    },
  });
}

/**
 * RTCConfiguration for a call: relay only (peers never learn each other's address), plus
 * what the SFrame transforms need at construction (src/media-crypto/page.ts
 * sframePeerConnectionConfig: encodedInsertableStreams on Chromium's legacy API).
 */
export function relayOnlyConfiguration(turn: { urls: string[]; username: string; credential: string }, sframe: RTCConfiguration = {}): RTCConfiguration {
  return {
    ...sframe,
    iceTransportPolicy: 'relay',
    // iceCandidatePoolSize only on the connection made ahead (SecureSdhFactory.warmUp): set
    // at call time it gains nothing (Chromium's relay allocation lands ~100 ms later anyway).
    bundlePolicy: 'max-bundle',
    rtcpMuxPolicy: 'require',
    iceServers: [{ urls: turn.urls, username: turn.username, credential: turn.credential }],
  };
}
