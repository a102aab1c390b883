/**
 * Retained-secret cache in one JSON file, for Node endpoints (the zrtp-peer command, tests
 * against bzrtp). This is the one I/O exception inside src/zrtp and is deliberately NOT
 * re-exported from src/zrtp/index.ts, so browser bundles never pull in node:fs.
 *
 * Durability: every write goes to a temporary file in the same directory (mode 0600: the file
 * holds rs1/rs2, which let anyone who reads them impersonate the continuity of past calls),
 * is fsync'ed and then renamed over the target, so a crash leaves the old or the new file,
 * never a torn one. Writes within one process are serialised; several processes sharing one
 * file are NOT coordinated (last writer wins) — give each endpoint its own file.
 *
 * A corrupt or foreign file fails closed: the constructor's first operation rejects with a
 * ZrtpError rather than silently starting an empty cache (which would hide a cache mismatch).
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { ZrtpError } from '../errors.ts';
import {
  assertRecord,
  assertZid,
  copyRecord,
  deserializeRecord,
  serializeRecord,
  zidPairKey,
  type RetainedSecretCache,
  type RetainedSecretRecord,
  type SerializedRecord,
} from './retained-secret-cache.ts';

const FORMAT = 'susurro-zrtp-cache/1';

export class FileRetainedSecretCache implements RetainedSecretCache {
  readonly path: string;
  #records: Map<string, RetainedSecretRecord> | null = null;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    if (typeof path !== 'string' || path.length === 0) throw new TypeError('path must be a non-empty string');
    this.path = path;
  }

  async get(localZid: Uint8Array, peerZid: Uint8Array): Promise<RetainedSecretRecord | null> {
    assertZid(localZid, 'localZid');
    assertZid(peerZid, 'peerZid');
    return this.#serialised(async () => {
      const r = (await this.#load()).get(zidPairKey(localZid, peerZid));
      return r ? copyRecord(r) : null;
    });
  }

  async put(localZid: Uint8Array, record: RetainedSecretRecord): Promise<void> {
    assertZid(localZid, 'localZid');
    assertRecord(record);
    await this.#serialised(async () => {
      const records = await this.#load();
      records.set(zidPairKey(localZid, record.peerZid), copyRecord(record));
      await this.#save(records);
    });
  }

  async setVerified(localZid: Uint8Array, peerZid: Uint8Array, verified: boolean): Promise<void> {
    assertZid(localZid, 'localZid');
    assertZid(peerZid, 'peerZid');
    if (typeof verified !== 'boolean') throw new TypeError('verified must be a boolean');
    await this.#serialised(async () => {
      const records = await this.#load();
      const r = records.get(zidPairKey(localZid, peerZid));
      if (!r) return;
      r.sasVerified = verified;
      await this.#save(records);
    });
  }

  async delete(localZid: Uint8Array, peerZid: Uint8Array): Promise<void> {
    assertZid(localZid, 'localZid');
    assertZid(peerZid, 'peerZid');
    await this.#serialised(async () => {
      const records = await this.#load();
      if (records.delete(zidPairKey(localZid, peerZid))) await this.#save(records);
    });
  }

  /** Runs `task` after every earlier operation of this instance, even a failed one. */
  #serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #load(): Promise<Map<string, RetainedSecretRecord>> {
    if (this.#records) return this.#records;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#records = new Map();
        return this.#records;
      }
      throw e;
    }
    const records = new Map<string, RetainedSecretRecord>();
    try {
      const doc = JSON.parse(text) as { format?: unknown; records?: unknown };
      if (doc.format !== FORMAT || typeof doc.records !== 'object' || doc.records === null) {
        throw new TypeError(`not a ${FORMAT} file`);
      }
      for (const [key, value] of Object.entries(doc.records as Record<string, unknown>)) {
        if (!/^[0-9a-f]{24}:[0-9a-f]{24}$/.test(key)) throw new TypeError('bad key');
        records.set(key, deserializeRecord(value));
      }
    } catch (cause) {
      // No secret material in the message: only the path and the parse failure's kind.
      throw new ZrtpError('SUSURRO_ZRTP_CACHE_CORRUPT', `retained-secret cache ${this.path} is unreadable`, { cause });
    }
    this.#records = records;
    return records;
  }

  async #save(records: Map<string, RetainedSecretRecord>): Promise<void> {
    const stored: Record<string, SerializedRecord> = {};
    for (const [key, r] of records) stored[key] = serializeRecord(r);
    const tmp = `${this.path}.${process.pid}.${Date.now()}.tmp`;
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify({ format: FORMAT, records: stored }) + '\n', 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(tmp, this.path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }
}
