/**
 * SFrame header codec, RFC 9605 §4.3.
 *
 *    0 1 2 3 4 5 6 7
 *   +-+-+-+-+-+-+-+-+------------+------------+
 *   |X|  K  |Y|  C  |   KID...   |   CTR...   |
 *   +-+-+-+-+-+-+-+-+------------+------------+
 *
 * X = 0: K is the KID itself (0..7). X = 1: K + 1 is the byte length of the KID that follows.
 * Y / C likewise for CTR. Values are unsigned big-endian, at most 64 bits. We always encode in
 * the fewest bytes (as the RFC's reference and vectors do); on decode any length 1..8 is accepted,
 * because the header bytes are authenticated as AAD anyway (§4.4.3) and the replay window works
 * on the numeric value, so a re-encoded header gains an attacker nothing.
 */
import { SframeError } from './errors.ts';

export const MAX_UINT64 = (1n << 64n) - 1n;

export interface SframeHeader {
  kid: bigint;
  ctr: bigint;
  /** Bytes the header occupies at the start of the frame. */
  length: number;
}

function assertUint64(name: string, v: bigint): void {
  if (typeof v !== 'bigint') throw new TypeError(`${name} must be a bigint`);
  if (v < 0n || v > MAX_UINT64) throw new RangeError(`${name} must be in 0..2^64-1`);
}

/** Minimal number of bytes for a value >= 8 (1..8). */
function byteLength(v: bigint): number {
  let n = 1;
  while (v > 0xffn) {
    v >>= 8n;
    n++;
  }
  return n;
}

function writeBE(out: Uint8Array, offset: number, v: bigint, len: number): void {
  for (let i = len - 1; i >= 0; i--) {
    out[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** Encode KID and CTR into an SFrame header (RFC 9605 §4.3). */
export function encodeHeader(kid: bigint, ctr: bigint): Uint8Array {
  assertUint64('kid', kid);
  assertUint64('ctr', ctr);
  const klen = kid < 8n ? 0 : byteLength(kid);
  const clen = ctr < 8n ? 0 : byteLength(ctr);
  const out = new Uint8Array(1 + klen + clen);
  const k = klen === 0 ? Number(kid) | 0x00 : 0x08 | (klen - 1);
  const c = clen === 0 ? Number(ctr) : 0x08 | (clen - 1);
  out[0] = (k << 4) | c;
  if (klen) writeBE(out, 1, kid, klen);
  if (clen) writeBE(out, 1 + klen, ctr, clen);
  return out;
}

function readBE(bytes: Uint8Array, offset: number, len: number): bigint {
  // Up to 6 bytes fit a double exactly; this is the hot path for real counters.
  if (len <= 6) {
    let n = 0;
    for (let i = 0; i < len; i++) n = n * 256 + bytes[offset + i]!;
    return BigInt(n);
  }
  let v = 0n;
  for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(bytes[offset + i]!);
  return v;
}

/** Decode the SFrame header at the start of `frame` (RFC 9605 §4.3). */
export function decodeHeader(frame: Uint8Array): SframeHeader {
  if (!(frame instanceof Uint8Array)) throw new TypeError('frame must be a Uint8Array');
  if (frame.length < 1) throw new SframeError('SUSURRO_SFRAME_MALFORMED_HEADER', 'empty frame');
  const config = frame[0]!;
  const x = (config & 0x80) !== 0;
  const k = (config >> 4) & 0x07;
  const y = (config & 0x08) !== 0;
  const c = config & 0x07;
  const klen = x ? k + 1 : 0;
  const clen = y ? c + 1 : 0;
  const length = 1 + klen + clen;
  if (frame.length < length) throw new SframeError('SUSURRO_SFRAME_MALFORMED_HEADER', 'frame shorter than its header');
  const kid = x ? readBE(frame, 1, klen) : BigInt(k);
  const ctr = y ? readBE(frame, 1 + klen, clen) : BigInt(c);
  return { kid, ctr, length };
}
