import type { ZrtpSecureResult } from '../../../src/zrtp/session.ts';
import { sframeKeysFromZrtp } from '../../../src/media-crypto/zrtp-keys.ts';
import type { PageToWorker, SframeStats, SframeTransformOptions, WorkerToPage } from '../../../src/media-crypto/worker-protocol.ts';
import type { MediaCryptoStats, MediaProtection, MediaProtectionFactory } from './media-protection.ts';

/**
 * MediaProtection over src/media-crypto's SFrame worker: one dedicated worker per call
 * backs the RTCRtpScriptTransform of every sender and receiver of that call, so the
 * counters it reports are the call's own. Speaks the worker's message union
 * (worker-protocol.ts) directly.
 *
 * Fail closed: the worker drops every outgoing frame until 'set-keys' installed a send key
 * (epoch 0 from the ZRTP Exported Key, per src/media-crypto/SPEC.md). A browser with neither
 * RTCRtpScriptTransform nor createEncodedStreams gets no transform and therefore no call.
 */

/** Whether connections must be created with encodedInsertableStreams (legacy transform path). */
export function needsInsertableStreams(): boolean {
  return typeof RTCRtpScriptTransform !== 'function' && typeof (RTCRtpSender.prototype as { createEncodedStreams?: unknown }).createEncodedStreams === 'function';
}
export class SframeProtection implements MediaProtection {
  private readonly worker: Worker;
  private latest: SframeStats | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private closed = false;

  constructor(private readonly localZid: Uint8Array) {
    this.worker = new Worker(new URL('../../../src/media-crypto/sframe-worker.ts', import.meta.url), { type: 'module', name: 'sframe' });
    this.worker.addEventListener('message', (e: MessageEvent<WorkerToPage>) => this.onMessage(e.data));
    this.post({ type: 'configure', id: this.nextId++, statsIntervalMs: 250 });
  }

  private onMessage(m: WorkerToPage): void {
    if (m.type === 'stats') this.latest = m.stats;
    else if (m.type === 'ack') this.settle(m.id, null);
    else if (m.type === 'error' && m.id !== null) this.settle(m.id, new Error(`${m.code}: ${m.message}`));
  }

  private settle(id: number, error: Error | null): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (error) p.reject(error);
    else p.resolve();
  }

  private post(message: PageToWorker): void {
    if (!this.closed) this.worker.postMessage(message);
  }

  /**
   * RTCRtpScriptTransform where the browser has it; else Chromium's older
   * createEncodedStreams (the connection must then be created with
   * encodedInsertableStreams, see relayOnlyConfiguration), whose streams are transferred to
   * the same worker. Neither → throw: no call without end-to-end encryption.
   */
  private attach(target: RTCRtpSender | RTCRtpReceiver, side: 'send' | 'receive'): void {
    if (typeof RTCRtpScriptTransform === 'function') {
      const options: SframeTransformOptions = { susurroSframe: 1, side };
      target.transform = new RTCRtpScriptTransform(this.worker, options);
      return;
    }
    const legacy = target as unknown as { createEncodedStreams?: () => { readable: ReadableStream; writable: WritableStream } };
    if (typeof legacy.createEncodedStreams === 'function') {
      const { readable, writable } = legacy.createEncodedStreams();
      const message: PageToWorker = { type: 'attach-streams', id: this.nextId++, side, readable, writable };
      if (!this.closed) this.worker.postMessage(message, [readable as unknown as Transferable, writable as unknown as Transferable]);
      return;
    }
    throw new Error('SUSURRO_SOFTPHONE_NO_TRANSFORM: this browser cannot encrypt media end to end');
  }

  protectSender(sender: RTCRtpSender): void {
    this.attach(sender, 'send');
  }

  protectReceiver(receiver: RTCRtpReceiver): void {
    this.attach(receiver, 'receive');
  }

  async setKeys(result: ZrtpSecureResult): Promise<void> {
    const keys = await sframeKeysFromZrtp(
      { role: result.role, hash: result.hash, cipher: result.cipher, exportedKey: result.exportedKey, peerZid: result.peerZid, localZid: this.localZid },
      0,
    );
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.post({ type: 'set-keys', id, suite: keys.suite, send: { kid: keys.kid, baseKey: keys.send }, receive: [{ kid: keys.kid, baseKey: keys.receive }] });
    await done;
  }

  stats(): MediaCryptoStats {
    const s = this.latest;
    return {
      framesEncrypted: s?.encrypted ?? 0,
      framesDecrypted: s?.decrypted ?? 0,
      droppedNoKey: s?.droppedNoKey ?? 0,
      droppedAuth: s?.droppedAuth ?? 0,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new Error('closed'));
    this.pending.clear();
    // Let in-flight frames drain before the worker goes (the tracks are being stopped).
    setTimeout(() => this.worker.terminate(), 1000);
  }
}

export function sframeProtectionFactory(): (zid: Uint8Array) => MediaProtection {
  return (zid) => new SframeProtection(zid);
}

export type { MediaProtectionFactory };
