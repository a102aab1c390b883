/**
 * Page-side API of the SFrame worker (main thread). Small on purpose:
 *
 *   const sframe = new SframeWorker(new Worker(url, { type: 'module' }));
 *   const pc = new RTCPeerConnection({ ...config, ...sframePeerConnectionConfig() });
 *   attachSframe(pc, sframe);               // now, and again after every addTrack/addTransceiver
 *   ... ZRTP secure ...
 *   await sframe.installEpoch(await sframeKeysFromZrtp({ ...result, localZid }, 0));
 *   sframe.onStats = (s) => { ... s.encrypted, s.droppedAuth ... };
 *
 * Transforms must exist before media flows: Chromium silently bypasses a transform set after
 * the first frames (see DESIGN.md). attachSframe(pc) attaches to every current transceiver
 * and to each transceiver announced by a later 'track' event, synchronously inside it.
 * Until installEpoch resolves, the worker drops every outgoing frame (fail closed).
 */
import { SframeError } from './errors.ts';
import type { SframeKeyBundle } from './zrtp-keys.ts';
import type { KeyEntry, PageToWorker, SframeStats, SframeTransformOptions, TransformSide, WorkerToPage } from './worker-protocol.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class SframeWorker {
  /** Called with the worker's counters whenever they change (at most once per interval). */
  onStats: ((stats: SframeStats) => void) | null = null;
  /** Errors not tied to a request (e.g. a transform with foreign options). */
  onError: ((error: SframeError) => void) | null = null;
  readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private terminated = false;

  constructor(worker: Worker) {
    if (typeof worker?.postMessage !== 'function') throw new TypeError('worker must be a Worker');
    this.worker = worker;
    worker.addEventListener('message', (event: MessageEvent<WorkerToPage>) => this.onMessage(event.data));
    worker.addEventListener('error', () => this.failAll(new SframeError('SUSURRO_SFRAME_WORKER', 'worker error')));
  }

  private onMessage(msg: WorkerToPage): void {
    if (msg.type === 'ready') return;
    const id = 'id' in msg ? msg.id : null;
    const waiter = id === null ? undefined : this.pending.get(id);
    if (waiter && id !== null) this.pending.delete(id);
    switch (msg.type) {
      case 'ack':
        waiter?.resolve(undefined);
        return;
      case 'stats':
        if (waiter) waiter.resolve(msg.stats);
        else this.onStats?.(msg.stats);
        return;
      case 'error': {
        const err = new SframeError(msg.code, msg.message);
        if (waiter) waiter.reject(err);
        else this.onError?.(err);
      }
    }
  }

  private failAll(err: SframeError): void {
    for (const w of this.pending.values()) w.reject(err);
    this.pending.clear();
  }

  private request<T>(req: DistributiveOmit<PageToWorker, 'id'>, transfer: Transferable[] = []): Promise<T> {
    if (this.terminated) return Promise.reject(new SframeError('SUSURRO_SFRAME_WORKER', 'worker terminated'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id } as PageToWorker, transfer);
    });
  }

  /**
   * Install keys. `send` must carry a KID this worker never sent with (a sender refuses to
   * restart a KID's counter). `receive` keys are added; the worker keeps the two newest KIDs.
   */
  setKeys(keys: { suite: number; send?: KeyEntry; receive?: KeyEntry[] }): Promise<void> {
    return this.request({ type: 'set-keys', ...keys });
  }

  /** Install one epoch from sframeKeysFromZrtp: receive key first, then switch sending to it. */
  installEpoch(bundle: SframeKeyBundle): Promise<void> {
    return this.setKeys({
      suite: bundle.suite,
      send: { kid: bundle.kid, baseKey: bundle.send },
      receive: [{ kid: bundle.kid, baseKey: bundle.receive }],
    });
  }

  /** Forget all keys: outgoing frames are dropped from now on, incoming ones too. */
  clearKeys(): Promise<void> {
    return this.request({ type: 'clear-keys' });
  }

  getStats(): Promise<SframeStats> {
    return this.request({ type: 'get-stats' });
  }

  /** How often the worker pushes changed stats to onStats (ms; 0 = never). Default 1000. */
  setStatsInterval(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('interval must be >= 0');
    return this.request({ type: 'configure', statsIntervalMs: ms });
  }

  /** Fallback path: hand the encoded streams of a sender/receiver to the worker. */
  attachStreams(side: TransformSide, streams: { readable: ReadableStream; writable: WritableStream }): Promise<void> {
    return this.request({ type: 'attach-streams', side, readable: streams.readable, writable: streams.writable }, [
      streams.readable as unknown as Transferable,
      streams.writable as unknown as Transferable,
    ]);
  }

  terminate(): void {
    this.terminated = true;
    this.worker.terminate();
    this.failAll(new SframeError('SUSURRO_SFRAME_WORKER', 'worker terminated'));
  }
}

/** Marks objects already given a transform, so nothing is attached twice. */
const ATTACHED = Symbol.for('susurro.sframe.attached');

type Transformable = (RTCRtpSender | RTCRtpReceiver) & { transform?: unknown; [ATTACHED]?: true };

interface LegacyEncodedStreams {
  createEncodedStreams(): { readable: ReadableStream; writable: WritableStream };
}

/** True when this browser has RTCRtpScriptTransform (Chromium >= 141, Safari, Firefox). */
export function hasScriptTransform(): boolean {
  return typeof (globalThis as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform === 'function';
}

/**
 * Extra RTCPeerConnection configuration for the createEncodedStreams fallback: older Chromium
 * versions only allow it on a connection created with encodedInsertableStreams (Chromium 156
 * no longer requires it; the browser test checks both). Empty where RTCRtpScriptTransform exists.
 */
export function sframePeerConnectionConfig(): RTCConfiguration {
  return hasScriptTransform() ? {} : ({ encodedInsertableStreams: true } as RTCConfiguration);
}

function attachOne(target: Transformable, side: TransformSide, sframe: SframeWorker): void {
  if (target[ATTACHED]) return;
  if (hasScriptTransform()) {
    const options: SframeTransformOptions = { susurroSframe: 1, side };
    const Ctor = (globalThis as unknown as { RTCRtpScriptTransform: new (w: Worker, o: unknown) => RTCRtpScriptTransform })
      .RTCRtpScriptTransform;
    target.transform = new Ctor(sframe.worker, options);
  } else if (typeof (target as unknown as LegacyEncodedStreams).createEncodedStreams === 'function') {
    const streams = (target as unknown as LegacyEncodedStreams).createEncodedStreams();
    void sframe.attachStreams(side, streams).catch((err: unknown) => sframe.onError?.(err as SframeError));
  } else {
    throw new SframeError('SUSURRO_SFRAME_WORKER', 'no encoded-transform API: refusing to send unprotected media');
  }
  target[ATTACHED] = true;
}

/**
 * Put the SFrame transform on a sender, a receiver, both halves of a transceiver, or every
 * transceiver of a peer connection (now and, via 'track', those created by remote offers).
 * Idempotent. Call it right after addTrack/addTransceiver, before negotiation completes.
 */
export function attachSframe(
  target: RTCPeerConnection | RTCRtpTransceiver | RTCRtpSender | RTCRtpReceiver,
  sframe: SframeWorker,
): void {
  const g = globalThis as unknown as Record<string, { prototype: object } | undefined>;
  const is = (name: string) => typeof g[name] === 'function' && target instanceof (g[name] as unknown as new () => object);
  if (is('RTCPeerConnection')) {
    const pc = target as RTCPeerConnection & { [ATTACHED]?: true };
    for (const t of pc.getTransceivers()) attachSframe(t, sframe);
    if (!pc[ATTACHED]) {
      pc[ATTACHED] = true;
      pc.addEventListener('track', (event) => attachSframe(event.transceiver, sframe));
    }
  } else if (is('RTCRtpTransceiver')) {
    const t = target as RTCRtpTransceiver;
    attachOne(t.sender as Transformable, 'send', sframe);
    attachOne(t.receiver as Transformable, 'receive', sframe);
  } else if (is('RTCRtpSender')) {
    attachOne(target as Transformable, 'send', sframe);
  } else if (is('RTCRtpReceiver')) {
    attachOne(target as Transformable, 'receive', sframe);
  } else {
    throw new TypeError('attachSframe: expected an RTCPeerConnection, transceiver, sender or receiver');
  }
}
