import type { ZrtpSecureResult } from '../../../src/zrtp/session.ts';
import { sframeKeysFromZrtp } from '../../../src/media-crypto/zrtp-keys.ts';
import { SframeWorker, attachSframe } from '../../../src/media-crypto/page.ts';
import type { SframeStats } from '../../../src/media-crypto/worker-protocol.ts';
import type { Scheduler } from '../app/scheduler.ts';
import type { MediaCryptoStats, MediaProtection } from './media-protection.ts';

/**
 * MediaProtection over src/media-crypto's page API (page.ts: SframeWorker, attachSframe;
 * its README shows this integration): one dedicated worker per call backs the transform of
 * every sender and receiver of that call, so the counters it reports are the call's own.
 *
 * Fail closed: the worker drops every outgoing frame until installEpoch() installed a send
 * key (epoch 0 from the ZRTP Exported Key, per src/media-crypto/SPEC.md). attachSframe uses
 * RTCRtpScriptTransform, else Chromium's older createEncodedStreams (the connection is then
 * created with encodedInsertableStreams, see sframePeerConnectionConfig), else throws: no call
 * without end-to-end encryption.
 */

/** How often the worker pushes changed counters (the watchdog samples every second). */
const STATS_INTERVAL_MS = 250;
/** In-flight frames drain this long before a closed call's worker goes (its tracks are being stopped). */
const DRAIN_MS = 1000;

export class SframeProtection implements MediaProtection {
  private readonly sframe: SframeWorker;
  private latest: SframeStats | null = null;
  private closed = false;

  constructor(
    private readonly localZid: Uint8Array,
    worker: Worker,
    private readonly scheduler: Scheduler,
  ) {
    this.sframe = new SframeWorker(worker);
    this.sframe.onStats = (stats) => (this.latest = stats);
    void this.sframe.setStatsInterval(STATS_INTERVAL_MS).catch(() => undefined);
  }

  protect(pc: RTCPeerConnection): void {
    attachSframe(pc, this.sframe);
  }

  async setKeys(result: ZrtpSecureResult): Promise<void> {
    const keys = await sframeKeysFromZrtp(
      { role: result.role, hash: result.hash, cipher: result.cipher, exportedKey: result.exportedKey, peerZid: result.peerZid, localZid: this.localZid },
      0,
    );
    await this.sframe.installEpoch(keys);
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
    this.scheduler.after(DRAIN_MS, () => this.sframe.terminate());
  }
}

export function sframeProtectionFactory(scheduler: Scheduler): (zid: Uint8Array) => MediaProtection {
  return (zid) =>
    new SframeProtection(zid, new Worker(new URL('../../../src/media-crypto/sframe-worker.ts', import.meta.url), { type: 'module', name: 'sframe' }), scheduler);
}
