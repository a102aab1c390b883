/**
 * A UDP relay on 127.0.0.1 between two ZRTP peers, for the interop tests: it can drop packets
 * (loss, to exercise RFC 6189 §6 retransmission across implementations) or rewrite them (an
 * attacker on the media path, §4.4.1.1/§9: any altered byte must make the exchange fail).
 *
 *   peer A --(sends to portForA)--> relay --(from portForB)--> peer B, and back.
 *
 * Each datagram goes through `decide`, which returns the bytes to forward or null to drop.
 */
import { createSocket, type Socket } from 'node:dgram';
import { decodePacket, encodePacket } from '../../src/zrtp/packet.ts';

export type RelayDirection = 'a->b' | 'b->a';

export type RelayDecision = (direction: RelayDirection, packet: Uint8Array) => Uint8Array | null;

export interface UdpRelay {
  /** Where peer A must send (its --remote). */
  portForA: number;
  /** Where peer B must send (its --remote). */
  portForB: number;
  /** Counts per direction: forwarded / dropped / rewritten / injected. */
  stats: Record<RelayDirection, { forwarded: number; dropped: number; rewritten: number; injected: number }>;
  /** Sends a datagram of the attacker's own to the peer `direction` points at, from the relay's socket. */
  inject(direction: RelayDirection, datagram: Uint8Array): void;
  close(): Promise<void>;
}

function bind(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => {
      s.off('error', reject);
      s.on('error', () => undefined); // ICMP unreachable while a peer is gone: a lost packet
      resolve(s);
    });
  });
}

export async function startUdpRelay(
  ports: { relayA: number; relayB: number; peerA: number; peerB: number },
  decide: RelayDecision,
): Promise<UdpRelay> {
  const sockA = await bind(ports.relayA);
  const sockB = await bind(ports.relayB);
  const stats: UdpRelay['stats'] = {
    'a->b': { forwarded: 0, dropped: 0, rewritten: 0, injected: 0 },
    'b->a': { forwarded: 0, dropped: 0, rewritten: 0, injected: 0 },
  };
  const pipe = (from: Socket, to: Socket, toPort: number, direction: RelayDirection) =>
    from.on('message', (datagram) => {
      const input = new Uint8Array(datagram);
      const output = decide(direction, input);
      if (output === null) {
        stats[direction].dropped++;
        return;
      }
      if (Buffer.compare(Buffer.from(output), datagram) !== 0) stats[direction].rewritten++;
      stats[direction].forwarded++;
      to.send(output, toPort, '127.0.0.1');
    });
  pipe(sockA, sockB, ports.peerB, 'a->b');
  pipe(sockB, sockA, ports.peerA, 'b->a');
  return {
    portForA: ports.relayA,
    portForB: ports.relayB,
    stats,
    inject: (direction, datagram) => {
      stats[direction].injected++;
      if (direction === 'a->b') sockB.send(datagram, ports.peerB, '127.0.0.1');
      else sockA.send(datagram, ports.peerA, '127.0.0.1');
    },
    close: async () => {
      await Promise.all([new Promise<void>((r) => sockA.close(() => r())), new Promise<void>((r) => sockB.close(() => r()))]);
    },
  };
}

/** §5: the 8-character message type of a ZRTP packet ("Hello", "DHPart1", ...), or null. */
export function packetMessageType(packet: Uint8Array): string | null {
  try {
    const { message } = decodePacket(packet);
    return Buffer.from(message.subarray(4, 12)).toString('latin1').trimEnd();
  } catch {
    return null;
  }
}

/**
 * The same packet with one bit of its MESSAGE flipped at `offset` (from the message start) and
 * a correct CRC again, so the receiver's §5 CRC check passes and only ZRTP's own integrity
 * mechanisms (MACs, hash chain, hvi) can catch it.
 */
export function flipMessageBit(packet: Uint8Array, offset: number): Uint8Array {
  const p = decodePacket(packet);
  const message = p.message.slice();
  if (offset < 12 || offset >= message.length) throw new RangeError(`offset ${offset} outside the message body`);
  message[offset]! ^= 0x01;
  return encodePacket({ sequence: p.sequence, ssrc: p.ssrc, message });
}
