/**
 * Public types of the session API (re-exported by ../session.ts and ../index.ts).
 */
import type {
  AlgorithmPreferences,
  AuthTagAlgorithm,
  CipherAlgorithm,
  HashAlgorithm,
  KeyAgreementAlgorithm,
  SasAlgorithm,
} from '../algorithms.ts';
import type { RetainedSecretCache } from '../cache/retained-secret-cache.ts';
import type { AsyncKeyAgreementPrimitives, KeyAgreementPrimitives } from '../crypto/key-agreement.ts';
import type { ZrtpError } from '../errors.ts';
import type { ZrtpState } from './state.ts';

export interface ZrtpSessionOptions {
  /** 12 bytes, persisted per device (§4.9). */
  zid: Uint8Array;
  /** Hello client identifier, ≤ 16 chars. Default 'susurro 0.1' (never 'BZRTP'/'LINPHONE-ZRTPCPP'). */
  clientId?: string;
  preferences?: Partial<AlgorithmPreferences>;
  cache: RetainedSecretCache;
  /** Default: crypto.getRandomValues. */
  random?: (n: number) => Uint8Array;
  /** ms clock, default Date.now; only used for cache expiry. */
  now?: () => number;
  /** Aux secret (s2), e.g. a hash of both DTLS fingerprints (draft-johnston-rtcweb-zrtp). */
  auxSecret?: Uint8Array;
  /** The peer's a=zrtp-hash value from SDP; its Hello must hash to it (§8.1). */
  peerHelloHash?: string;
  /** 'eager' (default): send Commit once Hellos are exchanged (§4.2). 'wait': never Commit first. */
  commit?: 'eager' | 'wait';
  /** Cache expiration interval we announce in Confirm, seconds; default 0xffffffff = never (§4.9). */
  cacheExpirySeconds?: number;
  /**
   * DH/ECDH arithmetic backend. Default: pure JS (@noble, runs everywhere). Node entry points may
   * pass NODE_PRIMITIVES from '../crypto/node-key-agreement.ts' (OpenSSL, same results for the
   * same randomness, much faster X25519). Peer-value validation is the same either way.
   */
  keyAgreementPrimitives?: KeyAgreementPrimitives;
  /**
   * Asynchronous DH/ECDH backend, tried first for the algorithms it supports: in browsers the
   * one `detectWebCryptoKeyAgreement(crypto.subtle)` returns (X25519, P-256), else leave it out
   * (@noble stays). Same transcript for the same randomness; the session awaits it where the
   * synchronous path would compute (key pair during the cache read, DH result before a DHPart).
   */
  asyncKeyAgreementPrimitives?: AsyncKeyAgreementPrimitives;
  delegate: ZrtpSessionDelegate;
}

export interface ZrtpSessionDelegate {
  /**
   * A ZRTP message (no packet header) to send. `retransmit` names the §6 timer with which the
   * transport resends it until superseded by another timed message or onStopRetransmit; null
   * means "send once" and does not stop a running retransmission.
   */
  onSend(message: Uint8Array, retransmit: 'T1' | 'T2' | null): void;
  onStopRetransmit?(): void;
  onSecure?(result: ZrtpSecureResult): void;
  /** Fatal: the session is over. */
  onError?(error: ZrtpError): void;
  onStateChange?(state: ZrtpState): void;
  /** A retained-secret cache read/write failed (continuity lost, keys still valid). */
  onCacheError?(error: unknown): void;
  /**
   * A received message was dropped without effect (never fatal; also counted in
   * `ZrtpSession.inputStats`). `messageType` is null for undecodable input. A diagnostic: an
   * 'unmatched-repetition' or 'error-after-secure' may be an attack on the path (or a broken peer).
   */
  onDropped?(reason: ZrtpDropReason, messageType: string | null): void;
}

/** Why a received message was dropped. None of these ends the session. */
export type ZrtpDropReason =
  /** Not a well-formed ZRTP message (§5): on UDP indistinguishable from noise. */
  | 'undecodable'
  /** Well-formed, but not for the current state: late, stray or superfluous (e.g. a second HelloACK). */
  | 'unexpected'
  /** Its hash-chain link or chain MAC does not verify (§9): anyone could have sent it. */
  | 'unauthenticated'
  /**
   * A Hello, Commit, DHPart or Confirm that differs from the one we stored from the peer
   * (bzrtp: BZRTP_ERROR_UNMATCHINGPACKETREPETITION). The stored copy is the one the exchange
   * is bound to (hash chain, hvi, total_hash); the other is dropped and the exchange continues.
   */
  | 'unmatched-repetition'
  /** Error once secure: §5.9 Error terminates an exchange in progress only, and is unauthenticated. */
  | 'error-after-secure'
  /** Ping, GoClear, SAS relay...: not run by this engine. */
  | 'unsupported'
  /** More than 64 messages queued while the cache is read: a flood is dropped, not buffered. */
  | 'queue-full';

export const ZRTP_DROP_REASONS: readonly ZrtpDropReason[] = [
  'undecodable',
  'unexpected',
  'unauthenticated',
  'unmatched-repetition',
  'error-after-secure',
  'unsupported',
  'queue-full',
];

/** What the session did with its input, for diagnostics and tests. */
export interface ZrtpInputStats {
  /** Messages handed to receive() while the session was open. */
  received: number;
  /** Byte-identical repeats of a stored peer message (§6 retransmissions), answered or absorbed. */
  repeated: number;
  dropped: Record<ZrtpDropReason, number>;
}

export interface ZrtpSecureResult {
  role: 'initiator' | 'responder';
  peerZid: Uint8Array;
  peerClientId: string;
  hash: HashAlgorithm;
  cipher: CipherAlgorithm;
  authTag: AuthTagAlgorithm;
  keyAgreement: KeyAgreementAlgorithm;
  sasType: SasAlgorithm;
  sas: string;
  sasHash: Uint8Array;
  /** §4.5.3 SRTP master keys and salts; "initiator" = sent by the initiator. */
  srtp: { initiator: { key: Uint8Array; salt: Uint8Array }; responder: { key: Uint8Array; salt: Uint8Array } };
  exportedKey: Uint8Array;
  zrtpSessionKey: Uint8Array;
  /** Peer known but no retained secret matched (§4.3.2): possible MitM; the V flag was cleared. */
  cacheMismatch: boolean;
  /** Our cached V flag AND the peer's V flag AND continuity held (an rs matched), §7.1. */
  previouslyVerified: boolean;
  /** null when neither side has an aux secret; otherwise whether the IDs matched (§4.3). */
  auxSecretMatched: boolean | null;
}
