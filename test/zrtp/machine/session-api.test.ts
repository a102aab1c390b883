/**
 * The public surface: index.ts exports the agreed API (zrtp-api.md) and not the Node-only file
 * cache; ZrtpSession validates its options (TypeError/RangeError) and never throws from receive().
 */
import { describe, expect, it } from 'vitest';
import * as api from '../../../src/zrtp/index.ts';
import { MemoryRetainedSecretCache } from '../../../src/zrtp/cache/memory-cache.ts';
import { decodeMessage } from '../../../src/zrtp/messages/index.ts';
import { ZrtpSession, type ZrtpSessionOptions } from '../../../src/zrtp/session.ts';
import { zrtpHashAttribute } from '../../../src/zrtp/zrtp-hash.ts';
import { zidOf } from '../support/harness.ts';

const base = (): ZrtpSessionOptions => ({ zid: zidOf('a'), cache: new MemoryRetainedSecretCache(), delegate: { onSend: () => undefined } });

describe('index.ts', () => {
  it('exports the agreed API and keeps the file cache out', () => {
    for (const name of ['ZrtpSession', 'MemoryRetainedSecretCache', 'UdpPacketTransport', 'attachMessageChannel', 'ZrtpError', 'ProtocolErrorCode', 'zrtpHashAttribute', 'negotiate', 'DEFAULT_PREFERENCES']) {
      expect(api, name).toHaveProperty(name);
    }
    expect(api).not.toHaveProperty('FileRetainedSecretCache');
  });
});

describe('ZrtpSession options', () => {
  it.each([
    ['zid of 11 bytes', { zid: new Uint8Array(11) }, RangeError],
    ['zid not bytes', { zid: 'zid' }, TypeError],
    ['clientId too long', { clientId: 'x'.repeat(17) }, RangeError],
    ['cache without get', { cache: {} }, TypeError],
    ['random not a function', { random: 5 }, TypeError],
    ['empty aux secret', { auxSecret: new Uint8Array(0) }, RangeError],
    ['unknown commit mode', { commit: 'later' }, RangeError],
    ['cache expiry out of range', { cacheExpirySeconds: 2 ** 32 }, RangeError],
    ['no onSend', { delegate: {} }, TypeError],
    ['unknown algorithm', { preferences: { keyAgreement: ['RSA1'] } }, RangeError],
  ] as const)('%s', (_name, patch, errorType) => {
    expect(() => new ZrtpSession({ ...base(), ...(patch as object) } as ZrtpSessionOptions)).toThrow(errorType);
  });

  it('random returning the wrong length is caught at construction', () => {
    expect(() => new ZrtpSession({ ...base(), random: () => new Uint8Array(3) })).toThrow(RangeError);
  });
});

describe('ZrtpSession behaviour at the edges', () => {
  it('Hello: our client id, version 1.10, no Multistream offered, helloHash = its §8.1 hash', () => {
    const sent: Uint8Array[] = [];
    const s = new ZrtpSession({ ...base(), delegate: { onSend: (m) => sent.push(m) } });
    s.start();
    s.start(); // idempotent
    expect(sent).toHaveLength(1);
    const hello = decodeMessage(sent[0]!);
    expect(hello.type).toBe('Hello');
    if (hello.type !== 'Hello') return;
    expect(hello.clientId.trim()).toBe('susurro 0.1');
    expect(hello.version).toBe('1.10');
    expect(hello.keyAgreement).not.toContain('Mult');
    expect(hello.keyAgreement).toContain('DH3k');
    expect(s.helloHash).toBe(zrtpHashAttribute(sent[0]!));
  });

  it('receive() never throws, whatever it is given', () => {
    const errors: unknown[] = [];
    const s = new ZrtpSession({ ...base(), delegate: { onSend: () => undefined, onError: (e) => errors.push(e) } });
    for (const junk of [null, undefined, 5, 'Hello', {}, new Uint8Array(0), new Uint8Array(3000)]) {
      expect(() => s.receive(junk as never)).not.toThrow();
    }
    expect(errors).toEqual([]);
    expect(s.state).toBe('discovery');
  });

  it('setSasVerified before secure rejects; with a non-boolean throws TypeError', async () => {
    const s = new ZrtpSession(base());
    await expect(s.setSasVerified(true)).rejects.toMatchObject({ code: 'SUSURRO_ZRTP_INVALID_ARGUMENT' });
    await expect(s.setSasVerified('yes' as never)).rejects.toThrow(TypeError);
  });

  it('a delegate that throws from onSend fails the session cleanly instead of escaping', () => {
    const errors: unknown[] = [];
    const s = new ZrtpSession({ ...base(), delegate: { onSend: () => { throw new Error('socket closed'); }, onError: (e) => errors.push(e) } });
    expect(() => s.start()).not.toThrow();
    expect(s.state).toBe('failed');
    expect(errors).toHaveLength(1);
  });
});

describe('synchronous in-process wiring', () => {
  it('a delegate that delivers straight into the peer (no queue) still completes: input is never handled re-entrantly', async () => {
    const results: string[] = [];
    let a!: ZrtpSession;
    let b!: ZrtpSession;
    const make = (name: string, peer: () => ZrtpSession) =>
      new ZrtpSession({
        zid: zidOf(name),
        cache: new MemoryRetainedSecretCache(),
        delegate: { onSend: (m) => peer().receive(m), onSecure: (r) => results.push(r.sas), onError: (e) => results.push(e.code) },
      });
    a = make('alice', () => b);
    b = make('bob', () => a);
    a.start();
    b.start();
    for (let i = 0; i < 10 && results.length < 2; i++) await Promise.all([a.idle(), b.idle()]);
    expect(results).toHaveLength(2);
    expect(results[0]).toBe(results[1]);
    expect(results[0]).toMatch(/^[a-z0-9]{4}$/);
  });
});

describe('bindSignalling (SDP offerer: helloHash published before the peer is known)', () => {
  it('binds the aux secret and the peer a=zrtp-hash before start(), and refuses afterwards', async () => {
    const { handshake, makeEndpoint } = await import('../support/harness.ts');
    const aux = new Uint8Array(32).fill(3);
    const a = makeEndpoint({ name: 'alice' });
    const b = makeEndpoint({ name: 'bob' });
    a.session.bindSignalling({ auxSecret: aux, peerHelloHash: b.session.helloHash });
    b.session.bindSignalling({ auxSecret: aux, peerHelloHash: a.session.helloHash });
    await handshake(a, b);
    expect(a.secure!.auxSecretMatched).toBe(true);
    expect(b.secure!.auxSecretMatched).toBe(true);
    expect(() => a.session.bindSignalling({})).toThrow(expect.objectContaining({ code: 'SUSURRO_ZRTP_INVALID_ARGUMENT' }));

    const c = makeEndpoint({ name: 'carol' });
    const d = makeEndpoint({ name: 'dave' });
    c.session.bindSignalling({ peerHelloHash: a.session.helloHash }); // not dave's
    expect(() => c.session.bindSignalling({ auxSecret: new Uint8Array(0) })).toThrow(RangeError);
    await handshake(c, d);
    expect(c.errors.map((e) => e.code)).toEqual(['SUSURRO_ZRTP_ZRTP_HASH_MISMATCH']);
  });
});
