/**
 * The retained-secret cache of RFC 6189 §4.9: per (local ZID, peer ZID), the retained secrets
 * rs1 and rs2 (§4.6.1), their expiry and the "SAS verified" flag (the V flag, §7.1).
 *
 * Implementations: MemoryRetainedSecretCache (./memory-cache.ts, tests and short-lived
 * processes), FileRetainedSecretCache (./file-cache.ts, Node only) and, in the softphone, an
 * IndexedDB store. The interface is async so that persistent stores fit it.
 *
 * Records hold secrets: implementations must never log them and must hand out copies, so a
 * caller zeroising its copy cannot corrupt the store (and vice versa).
 */
export interface RetainedSecretRecord {
  peerZid: Uint8Array;
  /** The newest retained secret (32 bytes) or null. */
  rs1: Uint8Array | null;
  /** The previous rs1, kept so one lost cache update does not break continuity (§4.6.1). */
  rs2: Uint8Array | null;
  /** Expiry of rs1 in ms since the epoch; null = never expires (interval 0xffffffff, §4.9). */
  rs1ExpiresAt: number | null;
  rs2ExpiresAt: number | null;
  /** The users compared the SAS and confirmed it (V flag, §7.1). */
  sasVerified: boolean;
  /** ms since the epoch of the last write. */
  updatedAt: number;
}

export interface RetainedSecretCache {
  get(localZid: Uint8Array, peerZid: Uint8Array): Promise<RetainedSecretRecord | null>;
  put(localZid: Uint8Array, record: RetainedSecretRecord): Promise<void>;
  setVerified(localZid: Uint8Array, peerZid: Uint8Array, verified: boolean): Promise<void>;
  delete(localZid: Uint8Array, peerZid: Uint8Array): Promise<void>;
}

const ZID_LENGTH = 12; // RFC 6189 §4.9: ZIDs are 96 bits

/** Validates a ZID argument (TypeError / RangeError). */
export function assertZid(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
  if (value.length !== ZID_LENGTH) throw new RangeError(`${name} must be ${ZID_LENGTH} bytes, got ${value.length}`);
}

function assertSecretOrNull(value: unknown, name: string): void {
  if (value === null) return;
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array or null`);
  if (value.length === 0 || value.length > 64) throw new RangeError(`${name} must be 1..64 bytes`);
}

function assertTimeOrNull(value: unknown, name: string): void {
  if (value === null) return;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${name} must be a finite number or null`);
}

/** Validates a record handed to `put` (TypeError / RangeError naming the field). */
export function assertRecord(record: unknown): asserts record is RetainedSecretRecord {
  if (typeof record !== 'object' || record === null) throw new TypeError('record must be an object');
  const r = record as Record<string, unknown>;
  assertZid(r.peerZid, 'record.peerZid');
  assertSecretOrNull(r.rs1, 'record.rs1');
  assertSecretOrNull(r.rs2, 'record.rs2');
  assertTimeOrNull(r.rs1ExpiresAt, 'record.rs1ExpiresAt');
  assertTimeOrNull(r.rs2ExpiresAt, 'record.rs2ExpiresAt');
  if (typeof r.sasVerified !== 'boolean') throw new TypeError('record.sasVerified must be a boolean');
  if (typeof r.updatedAt !== 'number' || !Number.isFinite(r.updatedAt)) throw new TypeError('record.updatedAt must be a finite number');
}

/** A deep copy, so stores and callers never share secret buffers. */
export function copyRecord(record: RetainedSecretRecord): RetainedSecretRecord {
  return {
    peerZid: record.peerZid.slice(),
    rs1: record.rs1 ? record.rs1.slice() : null,
    rs2: record.rs2 ? record.rs2.slice() : null,
    rs1ExpiresAt: record.rs1ExpiresAt,
    rs2ExpiresAt: record.rs2ExpiresAt,
    sasVerified: record.sasVerified,
    updatedAt: record.updatedAt,
  };
}

/** Map key for a (local, peer) ZID pair. ZIDs are not secret. */
export function zidPairKey(localZid: Uint8Array, peerZid: Uint8Array): string {
  let out = '';
  for (const b of localZid) out += b.toString(16).padStart(2, '0');
  out += ':';
  for (const b of peerZid) out += b.toString(16).padStart(2, '0');
  return out;
}
