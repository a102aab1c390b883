/**
 * ZRTP over UDP (RFC 6189 §5 packets, §6 timers), driven by an injected scheduler.
 *
 * Outbound: every message the session hands over is framed by packet.ts (header, sequence
 * number, SSRC, CRC-32C) with a fresh sequence number — retransmissions too, as §5 and bzrtp
 * do. A message sent with a timer ('T1'/'T2') becomes THE retransmitted message and replaces
 * the previous one; a message sent with `null` (HelloACK, DHPart1, Confirm1, Conf2ACK, ErrorACK)
 * is sent once and leaves the running retransmission alone (e.g. our Hello keeps being
 * retransmitted while we ACK the peer's). `onStopRetransmit` cancels it. When the count of §6
 * runs out, the session's timeout() is called.
 *
 * Inbound: packets failing CRC or framing are dropped silently (§5: a corrupted packet is
 * as good as lost; the peer's retransmission recovers). The first valid packet fixes the
 * peer SSRC; packets from another SSRC and packets whose sequence number is not newer than
 * the last accepted one (duplicates, reordering; serial-number arithmetic, RFC 1982) are
 * dropped, as bzrtp's packet check does. Counters explain what was dropped.
 */
import { decodeMessage, encodeMessage } from '../messages/index.ts';
import { decodePacket, encodePacket } from '../packet.ts';
import type { Scheduler } from './scheduler.ts';
import { retransmitDelay, TIMER_POLICY, type RetransmitTimer } from './retransmission.ts';

export type { Scheduler } from './scheduler.ts';

/** The part of a ZrtpSession the transport drives. */
export interface PacketSessionSink {
  receive(message: Uint8Array): void;
  timeout(): void;
}

export interface UdpPacketTransportOptions {
  /** Our SSRC (the media stream's, §5). */
  ssrc: number;
  /** Puts one datagram on the wire. */
  send(packet: Uint8Array): void;
  scheduler: Scheduler;
  /**
   * First sequence number (default 1; a random start is allowed, §5). Never 0: bzrtp starts
   * its peer's "last valid" sequence at 0 and drops any packet numbered <= it as out of order
   * (bzrtp src/packetParser.c bzrtp_packetCheck), so a first Hello numbered 0 is lost.
   */
  initialSequence?: number;
  /**
   * Our 8-byte endpoint hash for PingACK (§5.16; bzrtp uses the first 8 bytes of its ZID). With
   * it, a Ping (§5.15) is answered here, at the packet level where its SSRC is known, and never
   * reaches the session; without it, Pings are dropped.
   */
  endpointHash?: Uint8Array;
}

export interface UdpTransportStats {
  sent: number;
  retransmitted: number;
  received: number;
  droppedMalformed: number;
  droppedDuplicate: number;
  droppedForeignSsrc: number;
}

interface PendingRetransmission {
  message: Uint8Array;
  timer: RetransmitTimer;
  count: number;
  handle: unknown;
}

export class UdpPacketTransport {
  readonly ssrc: number;
  readonly stats: UdpTransportStats = {
    sent: 0,
    retransmitted: 0,
    received: 0,
    droppedMalformed: 0,
    droppedDuplicate: 0,
    droppedForeignSsrc: 0,
  };
  readonly #send: (packet: Uint8Array) => void;
  readonly #scheduler: Scheduler;
  #sequence: number;
  #session: PacketSessionSink | null = null;
  #peerSsrc: number | null = null;
  #lastPeerSequence: number | null = null;
  #retransmit: PendingRetransmission | null = null;
  #closed = false;
  readonly #endpointHash: Uint8Array | null;

  constructor(opts: UdpPacketTransportOptions) {
    if (typeof opts !== 'object' || opts === null) throw new TypeError('opts must be an object');
    if (!Number.isInteger(opts.ssrc) || opts.ssrc < 0 || opts.ssrc > 0xffffffff) throw new RangeError('ssrc must be a 32-bit unsigned integer');
    if (typeof opts.send !== 'function') throw new TypeError('send must be a function');
    if (typeof opts.scheduler?.setTimeout !== 'function' || typeof opts.scheduler?.clearTimeout !== 'function') {
      throw new TypeError('scheduler must provide setTimeout and clearTimeout');
    }
    const initial = opts.initialSequence ?? 1;
    if (!Number.isInteger(initial) || initial < 1 || initial > 0xffff) throw new RangeError('initialSequence must be an integer in 1..65535');
    this.ssrc = opts.ssrc;
    this.#send = opts.send;
    this.#scheduler = opts.scheduler;
    this.#sequence = initial;
    if (opts.endpointHash !== undefined && (!(opts.endpointHash instanceof Uint8Array) || opts.endpointHash.length !== 8)) {
      throw new RangeError('endpointHash must be 8 bytes');
    }
    this.#endpointHash = opts.endpointHash ? opts.endpointHash.slice() : null;
  }

  /** Delegate methods to spread into the ZrtpSessionDelegate. */
  readonly sessionDelegate = {
    onSend: (message: Uint8Array, retransmit: RetransmitTimer | null): void => this.#onSend(message, retransmit),
    onStopRetransmit: (): void => this.#cancel(),
  };

  /** Connects the session that receives decoded messages and timeouts. */
  attach(session: PacketSessionSink): void {
    this.#session = session;
  }

  /** Feed one received datagram. Never throws. */
  receivePacket(datagram: Uint8Array): void {
    if (this.#closed || !this.#session) return;
    let packet: { sequence: number; ssrc: number; message: Uint8Array };
    try {
      packet = decodePacket(datagram);
    } catch {
      this.stats.droppedMalformed++;
      return;
    }
    if (this.#peerSsrc !== null && packet.ssrc !== this.#peerSsrc) {
      this.stats.droppedForeignSsrc++;
      return;
    }
    if (this.#lastPeerSequence !== null) {
      const ahead = (packet.sequence - this.#lastPeerSequence) & 0xffff;
      if (ahead === 0 || ahead >= 0x8000) {
        this.stats.droppedDuplicate++;
        return;
      }
    }
    this.#peerSsrc = packet.ssrc;
    this.#lastPeerSequence = packet.sequence;
    this.stats.received++;
    if (this.#answerPing(packet.message, packet.ssrc)) return;
    this.#session.receive(packet.message);
  }

  /** Stops timers; later sends and packets are ignored. */
  close(): void {
    this.#cancel();
    this.#closed = true;
  }

  #onSend(message: Uint8Array, retransmit: RetransmitTimer | null): void {
    if (this.#closed) return;
    if (retransmit !== null) {
      this.#cancel();
      this.#retransmit = { message: message.slice(), timer: retransmit, count: 0, handle: null };
      this.#arm();
    }
    this.#transmit(message);
  }

  /** §5.15/§5.16: Ping -> PingACK(our hash, its hash, its SSRC). True if it was a Ping. */
  #answerPing(message: Uint8Array, ssrc: number): boolean {
    // "Ping    " type block at offset 4; decode fully only then.
    if (message.length < 12 || message[4] !== 0x50 || message[5] !== 0x69 || message[6] !== 0x6e || message[7] !== 0x67 || message[8] !== 0x20) return false;
    try {
      const ping = decodeMessage(message);
      if (ping.type !== 'Ping') return false;
      if (this.#endpointHash) {
        this.#transmit(
          encodeMessage({ type: 'PingACK', version: '1.10', senderEndpointHash: this.#endpointHash, receivedEndpointHash: ping.endpointHash, ssrc }),
        );
      }
    } catch {
      this.stats.droppedMalformed++;
    }
    return true;
  }

  #transmit(message: Uint8Array): void {
    const packet = encodePacket({ sequence: this.#sequence, ssrc: this.ssrc, message });
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.stats.sent++;
    this.#send(packet);
  }

  #arm(): void {
    const r = this.#retransmit;
    if (!r) return;
    r.handle = this.#scheduler.setTimeout(() => this.#fire(r), retransmitDelay(r.timer, r.count + 1));
  }

  #fire(r: PendingRetransmission): void {
    if (this.#retransmit !== r || this.#closed) return;
    if (r.count >= TIMER_POLICY[r.timer].maxRetransmissions) {
      this.#retransmit = null;
      this.#session?.timeout();
      return;
    }
    r.count++;
    this.stats.retransmitted++;
    this.#transmit(r.message);
    this.#arm();
  }

  #cancel(): void {
    if (this.#retransmit) {
      this.#scheduler.clearTimeout(this.#retransmit.handle);
      this.#retransmit = null;
    }
  }
}
