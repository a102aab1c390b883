/**
 * Building messages (RFC 6189 §5): a growable writer that emits the preamble, the length in
 * words and the type block, and validates every field it is given (TypeError/RangeError naming
 * the field), so a caller bug never produces a malformed message on the wire.
 */
import { assertBytes, assertInteger, assertString, latin1Bytes, writeU16, writeU32 } from '../bytes.ts';
import { MAX_MESSAGE_LENGTH, MESSAGE_TYPE_BLOCKS, PREAMBLE, type ZrtpMessageType } from './framing.ts';

export class MessageWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  constructor(type: ZrtpMessageType) {
    const header = new Uint8Array(12);
    writeU16(header, 0, PREAMBLE);
    header.set(latin1Bytes(MESSAGE_TYPE_BLOCKS[type], 'type'), 4);
    this.push(header);
  }

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }

  /** Exactly `length` bytes (when given) copied from `value`. */
  bytes(value: Uint8Array, field: string, length?: number): this {
    assertBytes(value, field, length);
    this.push(value.slice());
    return this;
  }

  /** Variable-length bytes that must fill whole 32-bit words. */
  words(value: Uint8Array, field: string): this {
    assertBytes(value, field);
    if (value.length % 4 !== 0) throw new RangeError(`${field} must be a multiple of 4 bytes`);
    return this.bytes(value, field);
  }

  u32(value: number, field: string): this {
    assertInteger(value, field, 0, 0xffffffff);
    const b = new Uint8Array(4);
    writeU32(b, 0, value);
    this.push(b);
    return this;
  }

  /** A fixed-width ASCII field, padded with spaces on the right (§5.1.1, §5.2 client id). */
  text(value: string, field: string, width: number): this {
    assertString(value, field);
    const raw = latin1Bytes(value, field);
    if (raw.length > width) throw new RangeError(`${field} must be at most ${width} characters`);
    const b = new Uint8Array(width).fill(0x20);
    b.set(raw);
    this.push(b);
    return this;
  }

  /** A 4-character algorithm name block (§5.1), e.g. 'B32' -> "B32 ". */
  name(value: string, field: string): this {
    return this.text(value, field, 4);
  }

  /** The finished message with its length field filled in. */
  finish(): Uint8Array {
    if (this.length > MAX_MESSAGE_LENGTH) throw new RangeError('message too long for its 16-bit length field');
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    writeU16(out, 2, this.length / 4);
    return out;
  }
}
