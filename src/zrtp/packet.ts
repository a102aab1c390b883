/**
 * ZRTP packet framing over UDP (RFC 6189 §5, figure 2):
 *
 *   |0 0 0 1|0 0 0 0 0 0 0 0 0 0 0 0|   sequence number (16)   |
 *   |                 magic cookie 'ZRTP' (0x5a525450)           |
 *   |                        source identifier (SSRC)            |
 *   |                  ZRTP message (variable length)            |
 *   |                          CRC (1 word)                      |
 *
 * The CRC-32C covers header and message. It is written least-significant byte first, as bzrtp
 * and GNU ZRTP do (the vectors in test/vectors confirm it). Fragmented packets (first byte
 * 0x11, a bzrtp extension for post-quantum key sizes) are not supported and rejected as malformed.
 */
import { assertBytes, assertInteger, readU16, readU32, writeU16, writeU32 } from './bytes.ts';
import { crc32c } from './crc32c.ts';
import { malformed, ZrtpError } from './errors.ts';
import { MESSAGE_HEADER_LENGTH } from './messages/framing.ts';

export const MAGIC_COOKIE = 0x5a525450;
export const PACKET_HEADER_LENGTH = 12;
export const CRC_LENGTH = 4;

export interface ZrtpPacket {
  /** 16-bit sequence number, incremented per packet sent (§5). */
  sequence: number;
  /** 32-bit SSRC of the sender's media stream. */
  ssrc: number;
  /** One whole ZRTP message (preamble .. end). */
  message: Uint8Array;
}

/** Build a packet: header, message, CRC-32C little-endian. */
export function encodePacket(p: ZrtpPacket): Uint8Array {
  if (p === null || typeof p !== 'object') throw new TypeError('packet must be an object');
  assertInteger(p.sequence, 'sequence', 0, 0xffff);
  assertInteger(p.ssrc, 'ssrc', 0, 0xffffffff);
  assertBytes(p.message, 'message');
  if (p.message.length < MESSAGE_HEADER_LENGTH || p.message.length % 4 !== 0) {
    throw new RangeError('message must be a whole ZRTP message (>= 12 bytes, whole words)');
  }
  const out = new Uint8Array(PACKET_HEADER_LENGTH + p.message.length + CRC_LENGTH);
  out[0] = 0x10;
  writeU16(out, 2, p.sequence);
  writeU32(out, 4, MAGIC_COOKIE);
  writeU32(out, 8, p.ssrc);
  out.set(p.message, PACKET_HEADER_LENGTH);
  const crc = crc32c(out.subarray(0, out.length - CRC_LENGTH));
  const o = out.length - CRC_LENGTH;
  out[o] = crc & 0xff;
  out[o + 1] = (crc >>> 8) & 0xff;
  out[o + 2] = (crc >>> 16) & 0xff;
  out[o + 3] = crc >>> 24;
  return out;
}

/** True if `bytes` looks like a ZRTP packet (version nibble and magic cookie), for demultiplexing from RTP (§5). */
export function isZrtpPacket(bytes: Uint8Array): boolean {
  return bytes instanceof Uint8Array && bytes.length >= PACKET_HEADER_LENGTH && (bytes[0]! & 0xf0) === 0x10 && readU32(bytes, 4) === MAGIC_COOKIE;
}

/**
 * Check and split a packet. The CRC is checked first (a corrupted packet says nothing reliable).
 * The message itself is not parsed (use decodeMessage).
 * @throws ZrtpError SUSURRO_ZRTP_BAD_CRC, or SUSURRO_ZRTP_MALFORMED for a bad header or size
 */
export function decodePacket(bytes: Uint8Array): ZrtpPacket {
  if (!(bytes instanceof Uint8Array)) throw malformed('packet must be a Uint8Array');
  if (bytes.length < PACKET_HEADER_LENGTH + MESSAGE_HEADER_LENGTH + CRC_LENGTH) {
    throw malformed(`packet too short: ${bytes.length} bytes`);
  }
  const o = bytes.length - CRC_LENGTH;
  const wire = (bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24)) >>> 0;
  if (crc32c(bytes.subarray(0, o)) !== wire) {
    // §5: "If the CRC check fails, the packet is discarded" — the caller drops it silently.
    throw new ZrtpError('SUSURRO_ZRTP_BAD_CRC', 'ZRTP packet CRC-32C mismatch');
  }
  if (bytes[0] === 0x11) throw malformed('fragmented ZRTP packets are not supported');
  if (bytes[0] !== 0x10 || bytes[1] !== 0) throw malformed('bad ZRTP packet header (expected 0x1000)');
  if (readU32(bytes, 4) !== MAGIC_COOKIE) throw malformed('bad ZRTP magic cookie');
  if ((o - PACKET_HEADER_LENGTH) % 4 !== 0) throw malformed('ZRTP message is not a whole number of words');
  return { sequence: readU16(bytes, 2), ssrc: readU32(bytes, 8), message: bytes.slice(PACKET_HEADER_LENGTH, o) };
}

