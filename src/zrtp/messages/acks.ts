/**
 * The five acknowledgements, which have no body beyond preamble, length and type block
 * (3 words): HelloACK (§5.3), Conf2ACK (§5.8), ErrorACK (§5.10), ClearACK (§5.12) and
 * RelayACK (§5.14). They carry no MAC, so they only ever stop retransmissions.
 */
import { MessageReader } from './framing.ts';
import { MessageWriter } from './writer.ts';

export interface HelloAckMessage {
  type: 'HelloACK';
}
export interface Conf2AckMessage {
  type: 'Conf2ACK';
}
export interface ErrorAckMessage {
  type: 'ErrorACK';
}
export interface ClearAckMessage {
  type: 'ClearACK';
}
export interface RelayAckMessage {
  type: 'RelayACK';
}

export type AckMessage = HelloAckMessage | Conf2AckMessage | ErrorAckMessage | ClearAckMessage | RelayAckMessage;
export type AckType = AckMessage['type'];

export function encodeAck(m: AckMessage): Uint8Array {
  return new MessageWriter(m.type).finish();
}

export function decodeAck<T extends AckType>(bytes: Uint8Array, type: T): { type: T } {
  new MessageReader(bytes, type).end();
  return { type };
}
