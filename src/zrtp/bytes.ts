/**
 * The byte helpers @noble/hashes/utils lacks, shared by src/zrtp and src/media-crypto: argument
 * validation (TypeError for a wrong type, RangeError for a wrong size, both naming the
 * argument), big-endian integers, Latin-1 text, wiping. Hex and concatenation come from
 * @noble/hashes/utils.js (bytesToHex, hexToBytes, concatBytes), the constant-time comparison from
 * @noble/ciphers/utils.js (equalBytes). Pure; no Node APIs, so it runs in browsers.
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

/** 2-byte big-endian encoding of a 16-bit unsigned integer. */
export function u16be(value: number): Uint8Array {
  const out = new Uint8Array(2);
  writeU16(out, 0, value);
  return out;
}

/** 8-byte big-endian encoding of a 64-bit unsigned integer. */
export function u64be(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value);
  return out;
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
