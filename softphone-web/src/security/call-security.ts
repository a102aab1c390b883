import { ZrtpSession, type ZrtpSecureResult } from '../../../src/zrtp/session.ts';
import type { ZrtpError } from '../../../src/zrtp/errors.ts';
import type { AsyncKeyAgreementPrimitives } from '../../../src/zrtp/crypto/key-agreement.ts';
import type { RetainedSecretCache } from '../../../src/zrtp/cache/retained-secret-cache.ts';
import { messageChannelLink } from '../../../src/zrtp/transport/message-channel.ts';
import { auxSecretFromDescriptions } from './aux-secret.ts';
import { extractZrtpHash, withZrtpHash } from './sdp-security-attributes.ts';
import type { MediaProtection } from './media-protection.ts';
import { SasConfirmation, type SasVerdict } from './sas-confirmation.ts';

/**
 * Everything that makes one call end-to-end secure, bound to its RTCPeerConnection:
 *
 *  1. transforms: the connection is handed to MediaProtection at once and again the moment
 *     a transceiver appears (addTrack, addTransceiver; a remote offer's 'track' events are
 *     MediaProtection's own), so every sender/receiver has its transform before media flows
 *     — DESIGN.md gotcha;
 *  2. the ZRTP channel: a pre-negotiated data channel (id 0, ordered, reliable), so both
 *     sides open it symmetrically with no in-band DCEP and no race on who creates it;
 *  3. signalling binding: a=zrtp-hash of our Hello goes into our SDP, the peer's Hello is
 *     checked against theirs (RFC 6189 §8.1); both DTLS fingerprints feed the aux secret
 *     (aux-secret.ts), so a fingerprint-swapping MitM yields auxSecretMatched === false;
 *  4. keys: onSecure → MediaProtection.setKeys; the SAS and cache status go to the UI;
 *  5. mutual SAS confirmation: verdicts travel as authenticated text frames on the same
 *     channel (sas-confirmation.ts; ZRTP's frames are binary), keyed from the session's
 *     ExportedKey — a verdict never comes from signalling.
 *
 * ZRTP starts when the data channel opens (both descriptions are known by then: the
 * channel rides the DTLS connection that needs both fingerprints).
 */
export type SecurityFailure =
  | { kind: 'zrtp'; code: string; message: string }
  | { kind: 'missing-zrtp-hash' }
  | { kind: 'channel-closed' };

export interface SecureCallInfo {
  sas: string;
  sasType: 'B32' | 'B256';
  role: 'initiator' | 'responder';
  peerZid: Uint8Array;
  previouslyVerified: boolean;
  cacheMismatch: boolean;
  /** false: the DTLS fingerprints differ between the two ends (signalling MitM). */
  auxSecretMatched: boolean | null;
}

export interface CallSecurityDelegate {
  onSecuring?(): void;
  onSecure?(info: SecureCallInfo): void;
  onFailure?(failure: SecurityFailure): void;
  /** The ZRTP channel closed after keys were agreed: the peer's connection is gone. */
  onPeerGone?(): void;
  /** The peer's verdict on the SAS, authenticated by this ZRTP session. */
  onPeerVerdict?(verdict: SasVerdict): void;
}

export interface CallSecurityOptions {
  zid: Uint8Array;
  cache: RetainedSecretCache;
  protection: MediaProtection;
  delegate: CallSecurityDelegate;
  /** WebCrypto key agreement (./key-agreement-backend.ts); null: @noble. */
  keyAgreement?: AsyncKeyAgreementPrimitives | null;
}

/** Data channel id both ends pre-negotiate for ZRTP (RFC 8831 §6.5 negotiated channels). */
export const ZRTP_CHANNEL_ID = 0;
/** Text frames kept while the keys are not agreed yet (a fast peer's verdict); more are dropped. */
const MAX_EARLY_VERDICTS = 4;

export class CallSecurity {
  private readonly session: ZrtpSession;
  /** Known once both descriptions are; bound to the session before ZRTP starts. */
  private auxSecret: Uint8Array | null = null;
  private auxReady = false;
  private localSdp: string | null = null;
  private remoteSdp: string | null = null;
  private peerHelloHash: string | null = null;
  private channel: RTCDataChannel | null = null;
  private pc: RTCPeerConnection | null = null;
  private started = false;
  private done = false;
  private secureResult: ZrtpSecureResult | null = null;
  private detach: (() => void) | null = null;
  private link: ReturnType<typeof messageChannelLink> | null = null;
  private confirmation: SasConfirmation | null = null;
  private readonly earlyVerdicts: string[] = [];
  private verdictsOpen = false;

  constructor(private readonly opts: CallSecurityOptions) {
    this.session = new ZrtpSession({
      zid: opts.zid,
      cache: opts.cache,
      ...(opts.keyAgreement ? { asyncKeyAgreementPrimitives: opts.keyAgreement } : {}),
      delegate: {
        onSend: (message) => this.send(message),
        onSecure: (result) => void this.handleSecure(result),
        onError: (error: ZrtpError) => this.fail({ kind: 'zrtp', code: error.code, message: error.message }),
      },
    });
  }

  get helloHash(): string {
    return this.session.helloHash;
  }

  get result(): ZrtpSecureResult | null {
    return this.secureResult;
  }

  /** SFrame counters of this call's transforms (for the watchdog and the UI). */
  mediaStats(): ReturnType<MediaProtection['stats']> {
    return this.opts.protection.stats();
  }

  get dataChannel(): RTCDataChannel | null {
    return this.channel;
  }

  /** Called from the SDH constructor, before any description exists. */
  attach(pc: RTCPeerConnection): void {
    this.pc = pc;
    const originalAddTrack = pc.addTrack.bind(pc);
    pc.addTrack = (track: MediaStreamTrack, ...streams: MediaStream[]) => {
      const sender = originalAddTrack(track, ...streams);
      this.protectAll();
      return sender;
    };
    const originalAddTransceiver = pc.addTransceiver.bind(pc);
    pc.addTransceiver = (trackOrKind: MediaStreamTrack | string, init?: RTCRtpTransceiverInit) => {
      const t = originalAddTransceiver(trackOrKind, init);
      this.protectAll();
      return t;
    };
    // Now, and (through 'track') for the transceivers a remote offer creates inside
    // setRemoteDescription, synchronously, before any packet can arrive.
    this.protectAll();
    const channel = pc.createDataChannel('zrtp', { negotiated: true, id: ZRTP_CHANNEL_ID, ordered: true });
    channel.binaryType = 'arraybuffer';
    this.channel = channel;
    this.link = messageChannelLink({
      send: (bytes) => channel.send(new Uint8Array(bytes)),
      addEventListener: (type, listener) => channel.addEventListener(type, listener),
      removeEventListener: (type, listener) => channel.removeEventListener(type, listener),
    });
    channel.addEventListener('message', (event) => {
      if (typeof event.data === 'string') this.receiveVerdict(event.data);
    });
    channel.addEventListener('open', () => this.maybeStart());
    channel.addEventListener('close', () => {
      // Before keys: ZRTP cannot finish (fail closed). After: the peer closed its
      // RTCPeerConnection (SCTP ABORT reaches us at once, long before ICE times out),
      // i.e. the other phone has left the call even if no BYE reached us.
      if (!this.secureResult) this.fail({ kind: 'channel-closed' });
      else if (!this.done) this.opts.delegate.onPeerGone?.();
    });
  }

  /** Every sender and receiver that exists now gets its transform (idempotent). */
  protectAll(): void {
    if (this.pc) this.opts.protection.protect(this.pc);
  }

  /** Our description as it goes on the wire: plus a=zrtp-hash (RFC 6189 §8.1). */
  async decorateLocalDescription(sdp: string): Promise<string> {
    this.protectAll();
    const out = withZrtpHash(sdp, this.session.helloHash);
    this.localSdp = out;
    await this.updateAux();
    return out;
  }

  /** The peer's description, before it is applied. */
  async noteRemoteDescription(sdp: string): Promise<void> {
    this.remoteSdp = sdp;
    this.peerHelloHash = extractZrtpHash(sdp);
    await this.updateAux();
  }

  private async updateAux(): Promise<void> {
    if (!this.localSdp || !this.remoteSdp || this.auxReady) return;
    this.auxSecret = await auxSecretFromDescriptions(this.localSdp, this.remoteSdp);
    this.auxReady = true;
    this.maybeStart();
  }

  private maybeStart(): void {
    if (this.started || this.done || !this.channel || this.channel.readyState !== 'open' || !this.auxReady) return;
    if (!this.peerHelloHash) {
      // A peer that does not announce its Hello hash cannot be bound to signalling.
      this.fail({ kind: 'missing-zrtp-hash' });
      return;
    }
    this.started = true;
    this.opts.delegate.onSecuring?.();
    const session = this.session;
    // The session checks the peer's Hello against its a=zrtp-hash (RFC 6189 §8.1) and
    // proves possession of the aux secret through auxsecretID (§4.3.1).
    session.bindSignalling({ auxSecret: this.auxSecret!, peerHelloHash: this.peerHelloHash });
    this.detach = this.link!.attach({ receive: (m) => !this.done && session.receive(m) });
    session.start();
  }

  private send(message: Uint8Array): void {
    if (this.done || !this.channel || this.channel.readyState !== 'open') return;
    this.link!.sessionDelegate.onSend(message, null);
  }

  private async handleSecure(result: ZrtpSecureResult): Promise<void> {
    if (this.done) return;
    this.secureResult = result;
    // Derived before anything else may wipe the exported key.
    this.confirmation = new SasConfirmation({
      hash: result.hash,
      exportedKey: result.exportedKey,
      sasHash: result.sasHash,
      role: result.role,
      zid: this.opts.zid,
      peerZid: result.peerZid,
    });
    try {
      await this.opts.protection.setKeys(result);
    } catch (err) {
      this.fail({ kind: 'zrtp', code: 'SUSURRO_SOFTPHONE_KEYS', message: err instanceof Error ? err.message : String(err) });
      return;
    }
    this.opts.delegate.onSecure?.({
      sas: result.sas,
      sasType: result.sasType,
      role: result.role,
      peerZid: result.peerZid,
      previouslyVerified: result.previouslyVerified,
      cacheMismatch: result.cacheMismatch,
      auxSecretMatched: result.auxSecretMatched,
    });
    // Verdicts are read only from now on: the UI has the SAS to compare.
    this.verdictsOpen = true;
    for (const frame of this.earlyVerdicts.splice(0)) this.receiveVerdict(frame);
  }

  /** Our verdict to the peer, sealed with this session's key (sas-confirmation.ts). */
  sendSasVerdict(verdict: SasVerdict): void {
    if (!this.confirmation || !this.verdictsOpen || !this.channel || this.channel.readyState !== 'open') return;
    this.channel.send(this.confirmation.seal(verdict));
  }

  /** Both humans compared the SAS (RFC 6189 §7.1): persist the V flag, or clear it. */
  async setSasVerified(verified: boolean): Promise<void> {
    if (!this.secureResult) throw new Error('setSasVerified: the call is not secure yet');
    await this.session.setSasVerified(verified);
  }

  /** A text frame from the channel: the peer's verdict if authentic, else dropped. */
  private receiveVerdict(frame: string): void {
    if (this.done) return;
    if (!this.confirmation || !this.verdictsOpen) {
      if (this.earlyVerdicts.length < MAX_EARLY_VERDICTS) this.earlyVerdicts.push(frame);
      return;
    }
    const verdict = this.confirmation.open(frame);
    if (verdict) this.opts.delegate.onPeerVerdict?.(verdict);
  }

  private fail(failure: SecurityFailure): void {
    if (this.done) return;
    this.done = true;
    this.opts.delegate.onFailure?.(failure);
  }

  close(): void {
    this.done = true;
    this.detach?.();
    try {
      this.session.close();
    } catch {
      /* already closed */
    }
    this.auxSecret?.fill(0);
    this.confirmation?.close();
    this.opts.protection.close();
  }
}
