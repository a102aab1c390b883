/**
 * Fail-closed watchdog over the encrypted-frame counters (issue #6: "a watchdog ends the
 * call with an explanation if encrypted-frame counters stop while RTP flows").
 *
 * The sender transform drops every frame it cannot encrypt, so RTP packets leaving while
 * the SFrame "encrypted" counter stands still mean frames are bypassing the transform —
 * exactly the silent failure DESIGN.md warns about (a transform attached too late). The
 * same holds inbound for "decrypted". Pure: the caller feeds cumulative samples (from
 * getStats and the SFrame worker) once per interval and acts on the verdict.
 */
export interface MediaCounters {
  /** RTCOutboundRtpStreamStats.packetsSent (audio), cumulative. */
  rtpPacketsSent: number;
  /** RTCInboundRtpStreamStats.packetsReceived (audio), cumulative. */
  rtpPacketsReceived: number;
  /** Frames the SFrame sender transform encrypted, cumulative. */
  framesEncrypted: number;
  /** Frames the SFrame receiver transform authenticated and decrypted, cumulative. */
  framesDecrypted: number;
}

export type WatchdogVerdict = 'ok' | 'send-bypass' | 'receive-bypass';

export interface MediaWatchdogOptions {
  /** Consecutive bad intervals before tripping (default 3; one interval is ~1 s). */
  tolerance?: number;
  /** Packets per interval below which RTP is considered idle (DTX, mute), default 5. */
  minPackets?: number;
}

export class MediaWatchdog {
  private last: MediaCounters | null = null;
  private badSend = 0;
  private badReceive = 0;
  private readonly tolerance: number;
  private readonly minPackets: number;

  constructor(options: MediaWatchdogOptions = {}) {
    this.tolerance = options.tolerance ?? 3;
    this.minPackets = options.minPackets ?? 5;
    if (!Number.isInteger(this.tolerance) || this.tolerance < 1) throw new RangeError('tolerance must be an integer >= 1');
    if (!Number.isFinite(this.minPackets) || this.minPackets < 1) throw new RangeError('minPackets must be >= 1');
  }

  observe(sample: MediaCounters): WatchdogVerdict {
    for (const [name, v] of Object.entries(sample)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`watchdog: ${name} must be a count`);
    }
    const prev = this.last;
    this.last = { ...sample };
    if (!prev) return 'ok';
    const sent = sample.rtpPacketsSent - prev.rtpPacketsSent;
    const received = sample.rtpPacketsReceived - prev.rtpPacketsReceived;
    const encrypted = sample.framesEncrypted - prev.framesEncrypted;
    const decrypted = sample.framesDecrypted - prev.framesDecrypted;
    // One Opus frame per RTP packet for audio: RTP flowing with no frame passing the
    // transform is a bypass. Counter resets (negative deltas) count as bad too.
    this.badSend = sent >= this.minPackets && encrypted <= 0 ? this.badSend + 1 : 0;
    this.badReceive = received >= this.minPackets && decrypted <= 0 ? this.badReceive + 1 : 0;
    if (this.badSend >= this.tolerance) return 'send-bypass';
    if (this.badReceive >= this.tolerance) return 'receive-bypass';
    return 'ok';
  }
}
