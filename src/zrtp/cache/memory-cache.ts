/**
 * In-memory retained-secret cache: for tests, and for endpoints that deliberately keep no
 * continuity across restarts. Copies in and out (see RetainedSecretCache).
 */
import {
  assertRecord,
  assertZid,
  copyRecord,
  zidPairKey,
  type RetainedSecretCache,
  type RetainedSecretRecord,
} from './retained-secret-cache.ts';

export class MemoryRetainedSecretCache implements RetainedSecretCache {
  readonly #records = new Map<string, RetainedSecretRecord>();

  async get(localZid: Uint8Array, peerZid: Uint8Array): Promise<RetainedSecretRecord | null> {
    assertZid(localZid, 'localZid');
    assertZid(peerZid, 'peerZid');
    const r = this.#records.get(zidPairKey(localZid, peerZid));
    return r ? copyRecord(r) : null;
  }

  async put(localZid: Uint8Array, record: RetainedSecretRecord): Promise<void> {
    assertZid(localZid, 'localZid');
    assertRecord(record);
    const key = zidPairKey(localZid, record.peerZid);
    this.#records.get(key)?.rs1?.fill(0);
    this.#records.get(key)?.rs2?.fill(0);
    this.#records.set(key, copyRecord(record));
  }

  async setVerified(localZid: Uint8Array, peerZid: Uint8Array, verified: boolean): Promise<void> {
    assertZid(localZid, 'localZid');
    assertZid(peerZid, 'peerZid');
    if (typeof verified !== 'boolean') throw new TypeError('verified must be a boolean');
    const r = this.#records.get(zidPairKey(localZid, peerZid));
    if (r) r.sasVerified = verified;
  }

  async delete(localZid: Uint8Array, peerZid: Uint8Array): Promise<void> {
    assertZid(localZid, 'localZid');
    assertZid(peerZid, 'peerZid');
    const key = zidPairKey(localZid, peerZid);
    const r = this.#records.get(key);
    r?.rs1?.fill(0);
    r?.rs2?.fill(0);
    this.#records.delete(key);
  }

  /** Number of stored pairs (diagnostics and tests). */
  get size(): number {
    return this.#records.size;
  }
}
