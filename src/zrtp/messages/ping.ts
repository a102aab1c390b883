/**
 * Ping and PingACK (RFC 6189 §5.15), used by a PBX to learn whether two legs are the same
 * endpoint. Ping: version (1 word) | endpoint hash (2 words). PingACK: version (1 word)
 * | sender's endpoint hash (2 words) | received endpoint hash (2 words) | received SSRC (1 word).
 */
import { MessageReader } from './framing.ts';
import { MessageWriter } from './writer.ts';

export interface PingMessage {
  type: 'Ping';
  /** "1.10". */
  version: string;
  /** 8 bytes (§5.15.1). */
  endpointHash: Uint8Array;
}

export interface PingAckMessage {
  type: 'PingACK';
  version: string;
  /** The PingACK sender's own endpoint hash, 8 bytes. */
  senderEndpointHash: Uint8Array;
  /** The endpoint hash copied from the Ping, 8 bytes. */
  receivedEndpointHash: Uint8Array;
  /** SSRC of the packet that carried the Ping. */
  ssrc: number;
}

export function encodePing(m: PingMessage): Uint8Array {
  return new MessageWriter('Ping').text(m.version, 'Ping.version', 4).bytes(m.endpointHash, 'Ping.endpointHash', 8).finish();
}

export function decodePing(bytes: Uint8Array): PingMessage {
  const r = new MessageReader(bytes, 'Ping');
  const m: PingMessage = { type: 'Ping', version: r.name('version'), endpointHash: r.take(8, 'endpoint hash') };
  r.end();
  return m;
}

export function encodePingAck(m: PingAckMessage): Uint8Array {
  return new MessageWriter('PingACK')
    .text(m.version, 'PingACK.version', 4)
    .bytes(m.senderEndpointHash, 'PingACK.senderEndpointHash', 8)
    .bytes(m.receivedEndpointHash, 'PingACK.receivedEndpointHash', 8)
    .u32(m.ssrc, 'PingACK.ssrc')
    .finish();
}

export function decodePingAck(bytes: Uint8Array): PingAckMessage {
  const r = new MessageReader(bytes, 'PingACK');
  const m: PingAckMessage = {
    type: 'PingACK',
    version: r.name('version'),
    senderEndpointHash: r.take(8, 'sender endpoint hash'),
    receivedEndpointHash: r.take(8, 'received endpoint hash'),
    ssrc: r.u32('received SSRC'),
  };
  r.end();
  return m;
}
