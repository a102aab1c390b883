/**
 * Hostile inputs at every public boundary (after noble's TYPE_TEST): wrong types must give
 * TypeError, out-of-range values RangeError, and nothing may be accepted silently.
 */
import { describe, it, expect } from 'vitest';
import { decodeHeader, encodeHeader } from '../../src/media-crypto/header.ts';
import { cipherSuite } from '../../src/media-crypto/cipher-suites.ts';
import { importAead } from '../../src/media-crypto/aead.ts';
import { deriveSframeKey, deriveSframeKeyBytes, importBaseKey } from '../../src/media-crypto/key-schedule.ts';
import { encryptFrame, frameNonce, SframeReceiver, SframeSender } from '../../src/media-crypto/sframe-context.ts';
import { ReplayWindow } from '../../src/media-crypto/replay-window.ts';
import { deriveSframeBaseKeys } from '../../src/media-crypto/zrtp-keys.ts';

const NOT_BYTES: unknown[] = [undefined, null, 0, NaN, '00', [0, 1], { length: 3 }, new Uint16Array(2), new ArrayBuffer(4), Symbol('x'), () => 0];
const NOT_BIGINT: unknown[] = [undefined, null, 0, 1.5, NaN, '1', [1n], { valueOf: () => 1n }];

async function throwsTypeOrRange(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    return (e as Error).name;
  }
  return 'accepted';
}

describe('hostile inputs', () => {
  it('header codec', async () => {
    for (const v of NOT_BIGINT) {
      expect(await throwsTypeOrRange(() => encodeHeader(v as bigint, 0n)), String(v)).toBe('TypeError');
      expect(await throwsTypeOrRange(() => encodeHeader(0n, v as bigint)), String(v)).toBe('TypeError');
    }
    for (const v of NOT_BYTES) expect(await throwsTypeOrRange(() => decodeHeader(v as Uint8Array))).toBe('TypeError');
    expect(await throwsTypeOrRange(() => encodeHeader(1n << 64n, 0n))).toBe('RangeError');
  });

  it('cipher suites and AEAD import', async () => {
    for (const v of ['4', 4.5, NaN, null, 4n]) expect(await throwsTypeOrRange(() => cipherSuite(v as number))).toBe('TypeError');
    for (const v of [0, 9, 0xffff, -1]) expect(await throwsTypeOrRange(() => cipherSuite(v))).toBe('SframeError');
    for (const v of NOT_BYTES) expect(await throwsTypeOrRange(() => importAead(cipherSuite(4), v as Uint8Array))).toBe('TypeError');
    expect(await throwsTypeOrRange(() => importAead(cipherSuite(5), new Uint8Array(16)))).toBe('RangeError');
  });

  it('key schedule', async () => {
    for (const v of NOT_BYTES) {
      expect(await throwsTypeOrRange(() => deriveSframeKey(4, 0n, v as Uint8Array))).toBe('TypeError');
      expect(await throwsTypeOrRange(() => importBaseKey(v as Uint8Array))).toBe('TypeError');
    }
    for (const v of NOT_BIGINT) {
      expect(await throwsTypeOrRange(() => deriveSframeKey(4, v as bigint, new Uint8Array(16)))).toBe('TypeError');
      expect(await throwsTypeOrRange(() => deriveSframeKeyBytes(4, v as bigint, new Uint8Array(16)))).toBe('TypeError');
    }
    expect(await throwsTypeOrRange(() => deriveSframeKey(4, -1n, new Uint8Array(16)))).toBe('RangeError');
    expect(await throwsTypeOrRange(() => importBaseKey(new Uint8Array(0)))).toBe('SframeError');
    // A CryptoKey of the wrong kind is refused, not used.
    const aes = await crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt']);
    expect(await throwsTypeOrRange(() => deriveSframeKey(4, 0n, aes as unknown as Uint8Array))).toBe('TypeError');
  });

  it('sender, receiver, nonce, frame encryption', async () => {
    const key = await deriveSframeKey(4, 0n, new Uint8Array(16).fill(1));
    const tx = new SframeSender();
    const rx = new SframeReceiver();
    for (const v of [null, {}, { kid: 0n }, { ...key, salt: new Uint8Array(3) }, { ...key, kid: 0 }]) {
      expect(await throwsTypeOrRange(() => tx.setKey(v as never)), JSON.stringify(v, (_k, x: unknown) => String(x))).toBe('TypeError');
      expect(await throwsTypeOrRange(() => rx.addKey(v as never))).toBe('TypeError');
      expect(await throwsTypeOrRange(() => encryptFrame(v as never, 0n, new Uint8Array(1)))).toBe('TypeError');
    }
    tx.setKey(key);
    rx.addKey(key);
    for (const v of NOT_BYTES) {
      expect(await throwsTypeOrRange(() => tx.encrypt(v as Uint8Array))).toBe('TypeError');
      expect(await throwsTypeOrRange(() => tx.encrypt(new Uint8Array(1), v as Uint8Array)), String(v)).toBe(v === undefined ? 'accepted' : 'TypeError');
      expect(await throwsTypeOrRange(() => rx.decrypt(v as Uint8Array))).toBe('TypeError');
      expect(await throwsTypeOrRange(() => frameNonce(v as Uint8Array, 0n))).toBe('TypeError');
    }
    for (const v of NOT_BIGINT) expect(await throwsTypeOrRange(() => frameNonce(new Uint8Array(12), v as bigint))).toBe('TypeError');
    expect(await throwsTypeOrRange(() => frameNonce(new Uint8Array(12), -1n))).toBe('RangeError');
    for (const v of [0, -1, 4097]) expect(await throwsTypeOrRange(() => new SframeReceiver({ replayWindow: v }))).toBe('RangeError');
    for (const v of [0, 17, 1.5]) expect(await throwsTypeOrRange(() => new SframeReceiver({ maxKeys: v }))).toBe('RangeError');
    expect(await throwsTypeOrRange(() => new ReplayWindow('128' as unknown as number))).toBe('TypeError');
  });

  it('ZRTP key source', async () => {
    const good = {
      role: 'initiator' as const, hash: 'S256' as const, cipher: 'AES1' as const,
      exportedKey: new Uint8Array(32), peerZid: new Uint8Array(12), localZid: new Uint8Array(12).fill(1),
    };
    expect(await throwsTypeOrRange(() => deriveSframeBaseKeys(null as never, 0))).toBe('TypeError');
    for (const field of ['exportedKey', 'peerZid', 'localZid'] as const) {
      for (const v of NOT_BYTES) expect(await throwsTypeOrRange(() => deriveSframeBaseKeys({ ...good, [field]: v } as never, 0))).toBe('TypeError');
    }
    expect(await throwsTypeOrRange(() => deriveSframeBaseKeys({ ...good, hash: 'S512' as never }, 0))).toBe('TypeError');
    expect(await throwsTypeOrRange(() => deriveSframeBaseKeys({ ...good, cipher: 'AES2' as never }, 0))).toBe('SframeError');
    for (const e of [NaN, 1.5, -1, 2 ** 32, '0']) expect(await throwsTypeOrRange(() => deriveSframeBaseKeys(good, e as number))).toBe('RangeError');
  });
});
