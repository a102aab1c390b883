/**
 * The part every ZRTP message shares (RFC 6189 §5): the 16-bit preamble 0x505a, the 16-bit
 * message length in 32-bit words (the whole message, preamble included, packet header and CRC
 * excluded), and the 8-byte ASCII message type block. Plus bounds-checked readers/writers that
 * turn every out-of-range access into a ZrtpError, so decoders never throw anything else.
 */
import { malformed, ZrtpError } from '../errors.ts';
import { latin1String, readU16, readU32 } from '../bytes.ts';

/** The preamble "PZ" (§5). */
export const PREAMBLE = 0x505a;
/** Preamble + length + type block, in bytes (§5). */
export const MESSAGE_HEADER_LENGTH = 12;
/** Longest message the 16-bit word count can express, in bytes. */
export const MAX_MESSAGE_LENGTH = 0xffff * 4;

/** TypeScript discriminants of all RFC 6189 messages, with their 8-byte type blocks (§5.1.1). */
export const MESSAGE_TYPE_BLOCKS = {
  Hello: 'Hello   ',
  HelloACK: 'HelloACK',
  Commit: 'Commit  ',
  DHPart1: 'DHPart1 ',
  DHPart2: 'DHPart2 ',
  Confirm1: 'Confirm1',
  Confirm2: 'Confirm2',
  Conf2ACK: 'Conf2ACK',
  Error: 'Error   ',
  ErrorACK: 'ErrorACK',
  GoClear: 'GoClear ',
  ClearACK: 'ClearACK',
  SASrelay: 'SASrelay',
  RelayACK: 'RelayACK',
  Ping: 'Ping    ',
  PingACK: 'PingACK ',
} as const;

export type ZrtpMessageType = keyof typeof MESSAGE_TYPE_BLOCKS;

const TYPE_BY_BLOCK = new Map<string, ZrtpMessageType>(
  Object.entries(MESSAGE_TYPE_BLOCKS).map(([t, b]) => [b, t as ZrtpMessageType]),
);

/** The message type named by an 8-byte type block, or undefined if unknown. */
export function messageTypeOfBlock(block: string): ZrtpMessageType | undefined {
  return TYPE_BY_BLOCK.get(block);
}

/**
 * Check preamble, length field and type block of `bytes` (one whole message) and return its
 * type. Strict: the length field must equal the actual length (§5), which must be a whole
 * number of words.
 * @throws ZrtpError SUSURRO_ZRTP_MALFORMED, or SUSURRO_ZRTP_UNKNOWN_MESSAGE for an unknown type block
 */
export function readMessageHeader(bytes: Uint8Array): ZrtpMessageType {
  if (!(bytes instanceof Uint8Array)) throw malformed('message must be a Uint8Array');
  if (bytes.length < MESSAGE_HEADER_LENGTH) throw malformed(`message too short: ${bytes.length} bytes`);
  if (bytes.length % 4 !== 0) throw malformed('message length is not a whole number of 32-bit words');
  if (readU16(bytes, 0) !== PREAMBLE) throw malformed('bad preamble (expected 0x505a)');
  const words = readU16(bytes, 2);
  if (words * 4 !== bytes.length) {
    throw malformed(`length field says ${words} words but the message has ${bytes.length / 4}`);
  }
  const block = latin1String(bytes.subarray(4, 12));
  const type = messageTypeOfBlock(block);
  if (type === undefined) {
    throw new ZrtpError('SUSURRO_ZRTP_UNKNOWN_MESSAGE', `unknown message type block ${JSON.stringify(block)}`);
  }
  return type;
}

/**
 * A cursor over a message body. Every read is bounds-checked and throws ZrtpError MALFORMED,
 * and `end()` demands that the whole message was consumed.
 */
export class MessageReader {
  private offset: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.offset = MESSAGE_HEADER_LENGTH;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** A copy of the next `n` bytes. */
  take(n: number, field: string): Uint8Array {
    if (n < 0 || this.offset + n > this.bytes.length) throw malformed(`${this.what}: truncated at ${field}`);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  u32(field: string): number {
    if (this.offset + 4 > this.bytes.length) throw malformed(`${this.what}: truncated at ${field}`);
    const v = readU32(this.bytes, this.offset);
    this.offset += 4;
    return v;
  }

  /** A 4-byte algorithm/name block, trailing spaces removed (the encoder pads them back). */
  name(field: string): string {
    return latin1String(this.take(4, field)).replace(/ +$/, '');
  }

  end(): void {
    if (this.offset !== this.bytes.length) throw malformed(`${this.what}: ${this.remaining} unexpected trailing bytes`);
  }
}
