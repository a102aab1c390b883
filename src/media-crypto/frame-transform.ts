/**
 * The per-frame transform shared by the RTCRtpScriptTransform path and the createEncodedStreams
 * fallback. No I/O or timers: it gets a sender/receiver and a stats object.
 *
 * Speed: a WebCrypto call resolves on a later task (a thread hop in Chromium), so awaiting each
 * frame before taking the next would serialise those hops. Instead the transform starts the
 * crypto for a frame at once and returns; an ordered queue of slots delivers results in arrival
 * order as soon as the head has settled (one promise reaction per frame). At most `maxInFlight`
 * frames are pending before transform() returns a promise (backpressure). bench/sframe.bench.ts
 * measures it against the usual one-await-per-frame transform.
 *
 * Fail closed: a send frame is enqueued only as SFrame ciphertext; if encryption fails for any
 * reason (no key, exhausted counter) the frame is dropped and counted. A receive frame is
 * enqueued only after authentication. Empty frames (which carry nothing to protect, and which
 * Chromium emits e.g. around DTX) pass through untouched, as the issue requires.
 */
import { SframeError } from './errors.ts';
import type { DecryptedFrame, SframeReceiver, SframeSender } from './sframe-context.ts';
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
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError('maxInFlight must be a positive integer');
  // Frames in arrival order; each slot settles independently, and settled slots at the head
  // are delivered at once. One promise reaction per frame, no chain of promises.
  interface Slot {
    frame: F;
    settled: boolean;
    out: Uint8Array | null;
    error: unknown;
  }
  const queue: Slot[] = [];
  let head = 0;
  let controllerRef: TransformStreamDefaultController<F> | null = null;
  let drained: (() => void) | null = null;

  const deliver = () => {
    while (head < queue.length && queue[head]!.settled) {
      const slot = queue[head]!;
      queue[head++] = undefined as unknown as Slot; // release the frame
      if (slot.out === null && slot.error === undefined) {
        stats.emptyPassed++;
        safeEnqueue(controllerRef!, slot.frame);
      } else if (slot.out !== null) {
        slot.frame.data = asBuffer(slot.out);
        if (side === 'send') stats.encrypted++;
        else stats.decrypted++;
        safeEnqueue(controllerRef!, slot.frame);
      } else {
        countDrop(stats, side, slot.error);
      }
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head >= 64) {
      // Under continuous flow the queue may never be empty: drop delivered slots so it does
      // not grow by one hole per frame for the whole call (only <= maxInFlight remain).
      queue.splice(0, head);
      head = 0;
    }
    if (drained && queue.length - head < maxInFlight) {
      const resolve = drained;
      drained = null;
      resolve();
    }
  };

  const waitForRoom = (): Promise<void> | undefined =>
    queue.length - head < maxInFlight ? undefined : new Promise<void>((resolve) => (drained = resolve));

  return {
    transform(frame, controller) {
      controllerRef = controller;
      const data = new Uint8Array(frame.data);
      const slot: Slot = { frame, settled: false, out: null, error: undefined };
      queue.push(slot);
      if (data.length === 0) {
        slot.settled = true;
        deliver();
        return waitForRoom();
      }
      // Started now (the sender's CTR is taken synchronously here), delivered in order.
      const work: Promise<Uint8Array | DecryptedFrame> = side === 'send' ? sender.encrypt(data) : receiver.decrypt(data);
      work.then(
        (out) => {
          slot.out = out instanceof Uint8Array ? out : out.plaintext;
          slot.settled = true;
          deliver();
        },
        (err: unknown) => {
          slot.error = err ?? new Error('unknown failure');
          slot.settled = true;
          deliver();
        },
      );
      return waitForRoom();
    },
    flush() {
      if (head === queue.length) return;
      return new Promise<void>((resolve) => {
        const check = () => (head === queue.length ? resolve() : void (drained = check));
        check();
      });
    },
  };
}
