import {
  assertZid,
  deserializeRecord,
  serializeRecord,
  zidPairKey,
  type RetainedSecretCache,
  type RetainedSecretRecord,
} from '../../../src/zrtp/cache/retained-secret-cache.ts';
import { DeviceStore, STORES } from './device-store.ts';

/**
 * The ZRTP retained-secret cache (RFC 6189 §4.9) in IndexedDB, every record sealed with
 * AES-GCM under the device's non-extractable wrapping key (device-identity.ts).
 *
 * Record key: hex(localZid) ":" hex(peerZid). The record key is also the AES-GCM
 * additional data, so a sealed record moved to another peer's slot fails to open
 * instead of lending its secrets to a different colleague. A record that fails to open
 * (tampered, or the wrapping key was lost) is treated as absent: ZRTP then reports a
 * cache mismatch for a known peer, which the UI shows as a warning — fail closed.
 */
interface SealedRecord {
  v: 1;
  iv: Uint8Array;
  ciphertext: ArrayBuffer;
}

export class IndexedDbRetainedSecretCache implements RetainedSecretCache {
  constructor(
    private readonly store: DeviceStore,
    private readonly wrappingKey: CryptoKey,
  ) {}

  private recordKey(localZid: Uint8Array, peerZid: Uint8Array): string {
    assertZid(localZid, 'localZid');
    assertZid(peerZid, 'peerZid');
    return zidPairKey(localZid, peerZid);
  }

  async get(localZid: Uint8Array, peerZid: Uint8Array): Promise<RetainedSecretRecord | null> {
    const key = this.recordKey(localZid, peerZid);
    const sealed = await this.store.get<SealedRecord>(STORES.secrets, key);
    if (!sealed || sealed.v !== 1) return null;
    let plain: unknown;
    try {
      const bytes = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: new Uint8Array(sealed.iv), additionalData: new TextEncoder().encode(key) },
        this.wrappingKey,
        sealed.ciphertext,
      );
      plain = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    } catch {
      return null;
    }
    return deserializeRecord(plain);
  }

  async put(localZid: Uint8Array, record: RetainedSecretRecord): Promise<void> {
    const key = this.recordKey(localZid, record.peerZid);
    const plain = serializeRecord(record);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ciphertext = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(key) },
      this.wrappingKey,
      new TextEncoder().encode(JSON.stringify(plain)),
    );
    await this.store.put(STORES.secrets, key, { v: 1, iv, ciphertext } satisfies SealedRecord);
  }

  async setVerified(localZid: Uint8Array, peerZid: Uint8Array, verified: boolean): Promise<void> {
    const existing = await this.get(localZid, peerZid);
    if (!existing) return;
    await this.put(localZid, { ...existing, sasVerified: verified, updatedAt: Date.now() });
  }

  async delete(localZid: Uint8Array, peerZid: Uint8Array): Promise<void> {
    await this.store.delete(STORES.secrets, this.recordKey(localZid, peerZid));
  }
}
