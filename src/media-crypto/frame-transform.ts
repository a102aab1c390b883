/**
 * The per-frame transform shared by the RTCRtpScriptTransform path and the createEncodedStreams
 * fallback. No I/O or timers: it gets a sender/receiver and a stats object.
 *
 * Speed: a WebCrypto call resolves on a later task (a thread hop in Chromium), so awaiting each
 * frame before taking the next would serialise those hops. Instead the transform starts the
 * crypto for a frame at once, returns, and a promise chain enqueues results in arrival order;
 * at most `maxInFlight` frames are pending before it applies backpressure.
 *
 * Fail closed: a send frame is enqueued only as SFrame ciphertext; if encryption fails for any
 * reason (no key, exhausted counter) the frame is dropped and counted. A receive frame is
 * enqueued only after authentication. Empty frames (which carry nothing to protect, and which
 * Chromium emits e.g. around DTX) pass through untouched, as the issue requires.
 */
import { SframeError } from './errors.ts';
import type { SframeReceiver, SframeSender } from './sframe-context.ts';
import type { SframeStats, TransformSide } from './worker-protocol.ts';

/** The part of RTCEncodedAudioFrame / RTCEncodedVideoFrame we touch. */
export interface EncodedFrameLike {
  data: ArrayBuffer;
}

export function emptyStats(): SframeStats {
  return {
    encrypted: 0,
    decrypted: 0,
    droppedNoKey: 0,
    droppedAuth: 0,
    replayed: 0,
    droppedUnknownKid: 0,
    droppedMalformed: 0,
    emptyPassed: 0,
    sendKid: null,
    receiveKids: [],
  };
}

function countDrop(stats: SframeStats, side: TransformSide, err: unknown): void {
  const code = err instanceof SframeError ? err.code : null;
  if (side === 'send') {
    // Any failure to encrypt drops the frame; NO_KEY is the expected one.
    stats.droppedNoKey++;
    return;
  }
  switch (code) {
    case 'SUSURRO_SFRAME_REPLAY':
      stats.replayed++;
      break;
    case 'SUSURRO_SFRAME_UNKNOWN_KID':
      stats.droppedUnknownKid++;
      break;
    case 'SUSURRO_SFRAME_MALFORMED_HEADER':
      stats.droppedMalformed++;
      break;
    default:
      stats.droppedAuth++;
  }
}

function asBuffer(u: Uint8Array): ArrayBuffer {
  return u.byteOffset === 0 && u.byteLength === u.buffer.byteLength
    ? (u.buffer as ArrayBuffer)
    : (u.slice().buffer as ArrayBuffer);
}

/** The stream may already be closed (track ended); that must not break the chain of later frames. */
function safeEnqueue<F>(controller: TransformStreamDefaultController<F>, frame: F): void {
  try {
    controller.enqueue(frame);
  } catch {
    /* stream closed: nothing left to deliver to */
  }
}

export interface SframeTransformDeps {
  side: TransformSide;
  sender: SframeSender;
  receiver: SframeReceiver;
  stats: SframeStats;
  maxInFlight?: number;
}

/** A Transformer for `new TransformStream(...)` over encoded frames. */
export function sframeTransformer<F extends EncodedFrameLike>(deps: SframeTransformDeps): Transformer<F, F> {
  const { side, sender, receiver, stats } = deps;
  const maxInFlight = deps.maxInFlight ?? 16;
  let tail: Promise<void> = Promise.resolve();
  let inFlight = 0;
  return {
    transform(frame, controller) {
      const data = new Uint8Array(frame.data);
      if (data.length === 0) {
        tail = tail.then(() => {
          stats.emptyPassed++;
          safeEnqueue(controller, frame);
        });
        return;
      }
      // Started now (the sender's CTR is taken synchronously here), awaited in order below.
      const work: Promise<Uint8Array> =
        side === 'send' ? sender.encrypt(data) : receiver.decrypt(data).then((r) => r.plaintext);
      // Handled below, in order; mark it handled now so an early rejection is not "unhandled".
      work.catch(() => {});
      inFlight++;
      tail = tail
        .then(() => work)
        .then(
          (out) => {
            frame.data = asBuffer(out);
            if (side === 'send') stats.encrypted++;
            else stats.decrypted++;
            safeEnqueue(controller, frame);
          },
          (err: unknown) => countDrop(stats, side, err),
        )
        .finally(() => {
          inFlight--;
        });
      return inFlight >= maxInFlight ? tail : undefined;
    },
    flush() {
      return tail;
    },
  };
}
