/**
 * The SFrame worker: entry point of the dedicated Worker that backs every RTCRtpScriptTransform
 * of one call (sender and receiver sides), plus the createEncodedStreams fallback.
 *
 * Build it as a module worker (e.g. `new Worker(new URL('./sframe-worker.ts', import.meta.url),
 * { type: 'module' })` under Vite) and drive it with SframeWorker from ./page.ts.
 *
 * State: one SframeSender (all send transforms share its counter, so CTRs never repeat) and one
 * SframeReceiver (current + previous KID). No key => every outgoing frame is dropped.
 * Keys arrive as non-extractable HKDF CryptoKeys and are never exported; the derived AES-GCM
 * keys are non-extractable too. Nothing here logs.
 */
import { SframeError } from './errors.ts';
import { sframeTransformer, emptyStats, type EncodedFrameLike } from './frame-transform.ts';
import { deriveSframeKey, type SframeKey } from './key-schedule.ts';
import { SframeReceiver, SframeSender } from './sframe-context.ts';
import type { PageToWorker, SframeStats, SframeTransformOptions, TransformSide, WorkerToPage } from './worker-protocol.ts';

interface RtcTransformEvent extends Event {
  transformer: {
    readable: ReadableStream<EncodedFrameLike>;
    writable: WritableStream<EncodedFrameLike>;
    options?: unknown;
  };
}

const scope = globalThis as unknown as {
  postMessage(message: WorkerToPage): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<PageToWorker>) => void): void;
  addEventListener(type: 'rtctransform', listener: (event: RtcTransformEvent) => void): void;
  setInterval(fn: () => void, ms: number): number;
  clearInterval(handle: number): void;
};

const sender = new SframeSender();
const receiver = new SframeReceiver({ maxKeys: 2 });
const stats = emptyStats();
let statsTimer: number | null = null;
let lastPosted = '';

function snapshot(): SframeStats {
  return { ...stats, sendKid: sender.kid, receiveKids: receiver.kids };
}

function post(message: WorkerToPage): void {
  scope.postMessage(message);
}

function pipe(side: TransformSide, readable: ReadableStream<EncodedFrameLike>, writable: WritableStream<EncodedFrameLike>): void {
  readable
    .pipeThrough(new TransformStream(sframeTransformer({ side, sender, receiver, stats })))
    .pipeTo(writable)
    .catch(() => {
      /* the track or connection ended */
    });
}

function isTransformOptions(o: unknown): o is SframeTransformOptions {
  return typeof o === 'object' && o !== null && (o as SframeTransformOptions).susurroSframe === 1;
}

scope.addEventListener('rtctransform', (event) => {
  const { transformer } = event;
  const options = transformer.options;
  if (!isTransformOptions(options) || (options.side !== 'send' && options.side !== 'receive')) {
    // Unknown options: refuse to pass anything (fail closed) by erroring both ends.
    transformer.readable.cancel().catch(() => {});
    transformer.writable.abort().catch(() => {});
    post({ type: 'error', id: null, code: 'SUSURRO_SFRAME_INVALID_ARGUMENT', message: 'transform without susurro options' });
    return;
  }
  pipe(options.side, transformer.readable, transformer.writable);
});

async function setKeys(msg: Extract<PageToWorker, { type: 'set-keys' }>): Promise<void> {
  // Derive everything first, then install at once: a failure leaves the old state intact.
  const send: SframeKey | null = msg.send ? await deriveSframeKey(msg.suite, msg.send.kid, msg.send.baseKey) : null;
  const receive: SframeKey[] = [];
  for (const entry of msg.receive ?? []) receive.push(await deriveSframeKey(msg.suite, entry.kid, entry.baseKey));
  for (const key of receive) receiver.addKey(key);
  if (send) sender.setKey(send);
}

function startStats(intervalMs: number): void {
  if (statsTimer !== null) scope.clearInterval(statsTimer);
  statsTimer = null;
  if (intervalMs <= 0) return;
  statsTimer = scope.setInterval(() => {
    const s = snapshot();
    const key = JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    if (key === lastPosted) return;
    lastPosted = key;
    post({ type: 'stats', id: null, stats: s });
  }, intervalMs);
}

scope.addEventListener('message', (event) => {
  const msg = event.data;
  const fail = (id: number | null, err: unknown) =>
    post({
      type: 'error',
      id,
      code: err instanceof SframeError ? err.code : err instanceof RangeError || err instanceof TypeError ? 'SUSURRO_SFRAME_INVALID_ARGUMENT' : 'SUSURRO_SFRAME_INTERNAL',
      message: err instanceof Error ? err.message : String(err),
    });
  try {
    switch (msg?.type) {
      case 'set-keys':
        setKeys(msg).then(
          () => post({ type: 'ack', id: msg.id }),
          (err: unknown) => fail(msg.id, err),
        );
        return;
      case 'clear-keys':
        sender.clearKey();
        receiver.clearKeys();
        post({ type: 'ack', id: msg.id });
        return;
      case 'get-stats':
        post({ type: 'stats', id: msg.id, stats: snapshot() });
        return;
      case 'configure':
        if (!Number.isFinite(msg.statsIntervalMs) || msg.statsIntervalMs < 0) throw new RangeError('statsIntervalMs must be >= 0');
        // Bounded below so a page cannot make the worker spin on its timer.
        startStats(msg.statsIntervalMs === 0 ? 0 : Math.max(50, msg.statsIntervalMs));
        post({ type: 'ack', id: msg.id });
        return;
      case 'attach-streams':
        pipe(msg.side, msg.readable as ReadableStream<EncodedFrameLike>, msg.writable as WritableStream<EncodedFrameLike>);
        post({ type: 'ack', id: msg.id });
        return;
      default:
        fail(null, new TypeError('unknown message'));
    }
  } catch (err) {
    fail((msg as { id?: number })?.id ?? null, err);
  }
});

startStats(1000);
post({ type: 'ready' });
