/**
 * The one IndexedDB database of this device ("susurro-device"): the ZRTP ZID, the
 * non-extractable key that wraps the retained-secret cache, and the encrypted cache
 * records themselves. Small promise wrappers, nothing else.
 */
const DB_NAME = 'susurro-device';
const DB_VERSION = 1;
export const STORES = { device: 'device', secrets: 'retained-secrets' } as const;

function promisify<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

export class DeviceStore {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(factory: IDBFactory = indexedDB): Promise<DeviceStore> {
    const req = factory.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(STORES.device)) db.createObjectStore(STORES.device);
      if (!db.objectStoreNames.contains(STORES.secrets)) db.createObjectStore(STORES.secrets);
    };
    return new DeviceStore(await promisify(req));
  }

  async get<T>(store: string, key: string): Promise<T | undefined> {
    const tx = this.db.transaction(store, 'readonly');
    return (await promisify(tx.objectStore(store).get(key))) as T | undefined;
  }

  async put(store: string, key: string, value: unknown): Promise<void> {
    const tx = this.db.transaction(store, 'readwrite');
    await promisify(tx.objectStore(store).put(value, key));
  }

  /** Insert only if absent, atomically (two tabs racing to create the ZID agree). */
  async getOrCreate<T>(store: string, key: string, create: () => T): Promise<T> {
    const tx = this.db.transaction(store, 'readwrite');
    const os = tx.objectStore(store);
    const existing = (await promisify(os.get(key))) as T | undefined;
    if (existing !== undefined) return existing;
    const value = create();
    await promisify(os.put(value, key));
    return value;
  }

  async delete(store: string, key: string): Promise<void> {
    const tx = this.db.transaction(store, 'readwrite');
    await promisify(tx.objectStore(store).delete(key));
  }

  close(): void {
    this.db.close();
  }
}
