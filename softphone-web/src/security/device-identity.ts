import { DeviceStore, STORES } from './device-store.ts';

/**
 * This device's ZRTP identity and cache-wrapping key, created once and kept in IndexedDB.
 *
 * - ZID: 96 random bits (RFC 6189 §4.9: "a ZID ... generated once at installation") —
 *   the retained-secret cache is keyed by it, so it must survive reloads.
 * - Wrapping key: AES-GCM 256, generated NON-extractable: script (including an XSS
 *   payload or a browser extension reading IndexedDB) can use it but never read its
 *   bytes, so a copied IndexedDB is useless elsewhere. IndexedDB stores the CryptoKey
 *   object itself (structured clone), never raw key material.
 */
export interface DeviceIdentity {
  zid: Uint8Array;
  wrappingKey: CryptoKey;
}

export async function loadDeviceIdentity(store: DeviceStore): Promise<DeviceIdentity> {
  const zid = await store.getOrCreate<Uint8Array>(STORES.device, 'zid', () =>
    crypto.getRandomValues(new Uint8Array(12)),
  );
  let wrappingKey = await store.get<CryptoKey>(STORES.device, 'wrapping-key');
  if (!wrappingKey) {
    wrappingKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    // Another tab may have won the race: keep whichever landed first.
    const stored = await store.getOrCreate<CryptoKey>(STORES.device, 'wrapping-key', () => wrappingKey!);
    wrappingKey = stored;
  }
  if (!(zid instanceof Uint8Array) || zid.length !== 12) throw new Error('device ZID is corrupt');
  return { zid: new Uint8Array(zid), wrappingKey };
}
