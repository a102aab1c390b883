/**
 * Retained-secret caches (RFC 6189 §4.9): the in-memory one and the JSON file one (atomic
 * rename, mode 0600, fail-closed on a corrupt file), plus argument validation.
 */
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileRetainedSecretCache } from '../../../src/zrtp/cache/file-cache.ts';
import { MemoryRetainedSecretCache } from '../../../src/zrtp/cache/memory-cache.ts';
import {
  deserializeRecord,
  serializeRecord,
  type RetainedSecretCache,
  type RetainedSecretRecord,
} from '../../../src/zrtp/cache/retained-secret-cache.ts';
import { handshake, makeEndpoint, zidOf } from '../support/harness.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'susurro-zrtp-cache-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const local = zidOf('local');
const peer = zidOf('peer');
const record = (over: Partial<RetainedSecretRecord> = {}): RetainedSecretRecord => ({
  peerZid: peer,
  rs1: new Uint8Array(32).fill(1),
  rs2: null,
  rs1ExpiresAt: null,
  rs2ExpiresAt: null,
  sasVerified: false,
  updatedAt: 1000,
  ...over,
});

let fileCount = 0;
const makers: [string, () => RetainedSecretCache][] = [
  ['memory', () => new MemoryRetainedSecretCache()],
  ['file', () => new FileRetainedSecretCache(join(dir, `cache-${++fileCount}.json`))],
];

for (const [name, make] of makers) {
  describe(`${name} cache contract`, () => {
    it('get/put/setVerified/delete round-trip, per (local, peer) pair', async () => {
      const c = make();
      expect(await c.get(local, peer)).toBeNull();
      await c.put(local, record());
      const got = (await c.get(local, peer))!;
      expect([...got.rs1!]).toEqual(Array(32).fill(1));
      expect(got.rs2).toBeNull();
      expect(await c.get(zidOf('other'), peer)).toBeNull();
      await c.setVerified(local, peer, true);
      expect((await c.get(local, peer))!.sasVerified).toBe(true);
      await c.setVerified(local, zidOf('nobody'), true); // unknown pair: no record created
      expect(await c.get(local, zidOf('nobody'))).toBeNull();
      await c.delete(local, peer);
      expect(await c.get(local, peer)).toBeNull();
    });

    it('hands out copies: zeroising a returned record does not touch the store', async () => {
      const c = make();
      const r = record();
      await c.put(local, r);
      r.rs1!.fill(0);
      const got = (await c.get(local, peer))!;
      got.rs1!.fill(0);
      expect((await c.get(local, peer))!.rs1![0]).toBe(1);
    });

    it('validates arguments', async () => {
      const c = make();
      await expect(c.get(new Uint8Array(11), peer)).rejects.toThrow(RangeError);
      await expect(c.get('zid' as never, peer)).rejects.toThrow(TypeError);
      await expect(c.put(local, { ...record(), rs1: 'x' as never })).rejects.toThrow(TypeError);
      await expect(c.put(local, { ...record(), sasVerified: 1 as never })).rejects.toThrow(TypeError);
      await expect(c.setVerified(local, peer, 'yes' as never)).rejects.toThrow(TypeError);
    });

    it('backs two real ZRTP calls: continuity on the second', async () => {
      const ca = make();
      const cb = make();
      const call = async () => {
        const a = makeEndpoint({ name: 'alice', cache: ca });
        const b = makeEndpoint({ name: 'bob', cache: cb });
        await handshake(a, b);
        return { a, b };
      };
      await call();
      const second = await call();
      expect(second.a.secure!.cacheMismatch).toBe(false);
      expect((await ca.get(zidOf('alice'), zidOf('bob')))!.rs2).not.toBeNull();
    });
  });
}

describe('serialized record (file cache and the softphone IndexedDB cache)', () => {
  it('writes byte fields as lowercase hex and reads them back unchanged', () => {
    const r = record({ rs2: new Uint8Array(32).fill(0xab), rs1ExpiresAt: 5000, sasVerified: true });
    const s = serializeRecord(r);
    expect(s.peerZid).toBe(Buffer.from(peer).toString('hex'));
    expect(s.rs1).toBe('01'.repeat(32));
    expect(s.rs2).toBe('ab'.repeat(32));
    expect(deserializeRecord(JSON.parse(JSON.stringify(s)))).toEqual(r);
  });

  it('refuses to write an invalid record and to read malformed stored data', () => {
    expect(() => serializeRecord(record({ rs1: new Uint8Array(0) }))).toThrow(RangeError);
    const good = serializeRecord(record());
    for (const bad of [null, 'x', { ...good, peerZid: 7 }, { ...good, rs1: '' }, { ...good, rs1: 'AB'.repeat(32) }, { ...good, rs1: 'abc' },
      { ...good, peerZid: 'ab'.repeat(11) }, { ...good, sasVerified: 'yes' }, { ...good, updatedAt: undefined }]) {
      expect(() => deserializeRecord(bad)).toThrow();
    }
  });
});

describe('file cache specifics', () => {
  it('persists across instances, writes mode 0600 and leaves no temporary files', async () => {
    const path = join(dir, 'persist.json');
    const c1 = new FileRetainedSecretCache(path);
    await Promise.all([c1.put(local, record()), c1.put(zidOf('local2'), record({ sasVerified: true }))]);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const c2 = new FileRetainedSecretCache(path);
    expect((await c2.get(local, peer))!.rs1![5]).toBe(1);
    expect((await c2.get(zidOf('local2'), peer))!.sasVerified).toBe(true);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const doc = JSON.parse(await readFile(path, 'utf8'));
    expect(doc.format).toBe('susurro-zrtp-cache/1');
  });

  it('a corrupt file fails closed with SUSURRO_ZRTP_CACHE_CORRUPT, never an empty cache', async () => {
    for (const content of ['{not json', JSON.stringify({ format: 'other', records: {} }), JSON.stringify({ format: 'susurro-zrtp-cache/1', records: { bad: {} } })]) {
      const path = join(dir, `corrupt-${Math.random().toString(16).slice(2)}.json`);
      await writeFile(path, content, { mode: 0o600 });
      const c = new FileRetainedSecretCache(path);
      await expect(c.get(local, peer)).rejects.toMatchObject({ code: 'SUSURRO_ZRTP_CACHE_CORRUPT' });
    }
  });

  it('a session whose cache read fails reports it and proceeds without continuity', async () => {
    const path = join(dir, 'broken.json');
    await writeFile(path, '{', { mode: 0o600 });
    const cacheErrors: unknown[] = [];
    const b = makeEndpoint({ name: 'bob' });
    // Wrap the cache to observe the failure the session reports through onCacheError.
    const failing = new FileRetainedSecretCache(path);
    const observed: RetainedSecretCache = {
      get: (l, p) => failing.get(l, p).catch((e) => { cacheErrors.push(e); throw e; }),
      put: (l, r) => failing.put(l, r),
      setVerified: (l, p, v) => failing.setVerified(l, p, v),
      delete: (l, p) => failing.delete(l, p),
    };
    const a2 = makeEndpoint({ name: 'alice', cache: observed });
    await handshake(a2, b);
    expect(cacheErrors).toHaveLength(1);
    expect(a2.secure!.sas).toBe(b.secure!.sas);
    expect(a2.secure!.cacheMismatch).toBe(false);
  });
});
