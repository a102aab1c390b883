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
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

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

/**
 * A record in JSON-safe form, as persistent stores keep it (the file cache's JSON document, the
 * softphone's sealed IndexedDB entries): byte fields as lowercase hex, everything else as is.
 */
export interface SerializedRecord {
  peerZid: string;
  rs1: string | null;
  rs2: string | null;
  rs1ExpiresAt: number | null;
  rs2ExpiresAt: number | null;
  sasVerified: boolean;
  updatedAt: number;
}

/** The JSON-safe form of a record; validates it first, so a store never writes what it cannot read back. */
export function serializeRecord(record: RetainedSecretRecord): SerializedRecord {
  assertRecord(record);
  return {
    peerZid: bytesToHex(record.peerZid),
    rs1: record.rs1 ? bytesToHex(record.rs1) : null,
    rs2: record.rs2 ? bytesToHex(record.rs2) : null,
    rs1ExpiresAt: record.rs1ExpiresAt,
    rs2ExpiresAt: record.rs2ExpiresAt,
    sasVerified: record.sasVerified,
    updatedAt: record.updatedAt,
  };
}

/** Non-empty lowercase hex, exactly what serializeRecord writes. */
function hexField(value: unknown, name: string): Uint8Array {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a hex string`);
  if (!/^(?:[0-9a-f]{2})+$/.test(value)) throw new RangeError(`${name} is not hex`);
  return hexToBytes(value);
}

/**
 * A record back from its serialized form (parsed JSON of unknown shape), fully validated
 * (TypeError / RangeError naming the field, never its value): stored data is input too.
 */
export function deserializeRecord(value: unknown): RetainedSecretRecord {
  if (typeof value !== 'object' || value === null) throw new TypeError('record is not an object');
  const v = value as Record<string, unknown>;
  const record = {
    peerZid: hexField(v.peerZid, 'peerZid'),
    rs1: v.rs1 === null ? null : hexField(v.rs1, 'rs1'),
    rs2: v.rs2 === null ? null : hexField(v.rs2, 'rs2'),
    rs1ExpiresAt: v.rs1ExpiresAt,
    rs2ExpiresAt: v.rs2ExpiresAt,
    sasVerified: v.sasVerified,
    updatedAt: v.updatedAt,
  };
  assertRecord(record);
  return record;
}

/**
 * The record after an exchange (§4.6.1): rs2 := rs1 (if still live), rs1 := the new one, which
 * expires after `interval` seconds (§4.9; 0xffffffff = never).
 */
export function nextRetainedRecord(
  previous: RetainedSecretRecord | null,
  peerZid: Uint8Array,
  rs1: Uint8Array,
  verified: boolean,
  at: number,
  interval: number,
): RetainedSecretRecord {
  const oldRs1Live = previous?.rs1 && (previous.rs1ExpiresAt === null || previous.rs1ExpiresAt > at) ? previous.rs1 : null;
  return {
    peerZid: peerZid.slice(),
    rs1: rs1.slice(),
    rs2: oldRs1Live ? oldRs1Live.slice() : null,
    rs1ExpiresAt: interval === 0xffffffff ? null : at + interval * 1000,
    rs2ExpiresAt: oldRs1Live ? previous!.rs1ExpiresAt : null,
    sasVerified: verified,
    updatedAt: at,
  };
}
