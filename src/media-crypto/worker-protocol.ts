/**
 * The one message union crossing the page <-> SFrame worker boundary (both sides import it,
 * so they cannot drift apart). Keys cross as CryptoKeys, which structured-clone without being
 * exported; KIDs as bigint (structured-cloneable too).
 */
import type { SframeErrorCode } from './errors.ts';

/** Counters the worker keeps (monotonic since the worker started). */
export interface SframeStats {
  /** Outgoing frames protected and sent on. */
  encrypted: number;
  /** Incoming frames authenticated and passed on. */
  decrypted: number;
  /** Outgoing frames dropped because no send key was installed (fail closed). */
  droppedNoKey: number;
  /** Incoming frames dropped: authentication failed (tampered, wrong key). */
  droppedAuth: number;
  /** Incoming frames dropped: counter already seen or older than the replay window. */
  replayed: number;
  /** Incoming frames dropped: no receive key for their KID. */
  droppedUnknownKid: number;
  /** Incoming frames dropped: shorter than an SFrame header + tag. */
  droppedMalformed: number;
  /** Empty frames passed through untouched (both directions). */
  emptyPassed: number;
  /** KID of the current send key, or null. */
  sendKid: bigint | null;
  /** KIDs held for receiving. */
  receiveKids: bigint[];
}

export type TransformSide = 'send' | 'receive';

/** Options given to `new RTCRtpScriptTransform(worker, options)`. */
export interface SframeTransformOptions {
  susurroSframe: 1;
  side: TransformSide;
}

export interface KeyEntry {
  kid: bigint;
  /** Non-extractable HKDF CryptoKey (the base key of RFC 9605 §4.4.2). */
  baseKey: CryptoKey;
}

export type PageToWorker =
  | {
      type: 'set-keys';
      id: number;
      suite: number;
      /** New send key (its KID must be new to this worker); omitted = keep the current one. */
      send?: KeyEntry;
      /** Receive keys to hold in addition (oldest evicted beyond the receiver's limit). */
      receive?: KeyEntry[];
    }
  | { type: 'clear-keys'; id: number }
  | { type: 'get-stats'; id: number }
  | { type: 'configure'; id: number; statsIntervalMs: number }
  /** createEncodedStreams fallback: the page transfers the encoded streams of one sender/receiver. */
  | { type: 'attach-streams'; id: number; side: TransformSide; readable: ReadableStream; writable: WritableStream };

export type WorkerToPage =
  | { type: 'ready' }
  | { type: 'ack'; id: number }
  | { type: 'error'; id: number | null; code: SframeErrorCode; message: string }
  | { type: 'stats'; id: number | null; stats: SframeStats };
