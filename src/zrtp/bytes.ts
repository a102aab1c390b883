/**
 * Small byte helpers shared by the ZRTP codec and crypto: argument validation (TypeError for a
 * wrong type, RangeError for a wrong size, both naming the argument), hex, concatenation and
 * big-endian integer access. Pure; no Node APIs, so it runs in browsers.
 */

/** Throws TypeError unless `value` is a Uint8Array (optionally of exactly `length` bytes). */
export function assertBytes(value: unknown, name: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes, got ${value.length}`);
  }
}

/** Throws unless `value` is an integer in [min, max]. */
export function assertInteger(value: unknown, name: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${name} must be an integer`);
  if (value < min || value > max) throw new RangeError(`${name} must be in [${min}, ${max}], got ${value}`);
}

/** Throws TypeError unless `value` is a string. */
export function assertString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
}

const HEX = '0123456789abcdef';

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes');
  let out = '';
  for (const b of bytes) out += HEX[b >> 4]! + HEX[b & 15]!;
  return out;
}

/** Bytes of an even-length hex string (either case). */
export function fromHex(hex: string): Uint8Array {
  assertString(hex, 'hex');
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new RangeError('hex must be an even-length hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** One new array holding all `parts` in order. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const [i, p] of parts.entries()) {
    assertBytes(p, `parts[${i}]`);
    length += p.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Big-endian unsigned 16-bit read. The caller guarantees the bounds. */
export function readU16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 8) | bytes[offset + 1]!;
}

/** Big-endian unsigned 32-bit read. The caller guarantees the bounds. */
export function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** Big-endian unsigned 16-bit write. */
export function writeU16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 8) & 0xff;
  bytes[offset + 1] = value & 0xff;
}

/** Big-endian unsigned 32-bit write. */
export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 24) & 0xff;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}

/** 4-byte big-endian encoding of a 32-bit unsigned integer. */
export function u32be(value: number): Uint8Array {
  const out = new Uint8Array(4);
  writeU32(out, 0, value);
  return out;
}

/** ASCII/Latin-1 bytes of a string whose code units are all < 256 (RangeError otherwise). */
export function latin1Bytes(text: string, name: string): Uint8Array {
  assertString(text, name);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`${name} must contain only 8-bit characters`);
    out[i] = c;
  }
  return out;
}

/** The Latin-1 string of `bytes` (one character per byte, lossless). */
export function latin1String(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

/** Overwrite `bytes` with zeros (best effort: JS cannot erase copies made by the engine). */
export function wipe(...arrays: (Uint8Array | null | undefined)[]): void {
  for (const a of arrays) a?.fill(0);
}
