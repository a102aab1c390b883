import { describe, it, expect } from 'vitest';
import { importAead } from '../../src/media-crypto/aead.ts';
import { cipherSuite } from '../../src/media-crypto/cipher-suites.ts';
import { SframeError } from '../../src/media-crypto/errors.ts';
import { aeadVectors, hex, toHex } from './vectors.ts';

describe('AES-CTR + HMAC AEAD (RFC 9605 §4.5.1)', () => {
  it('covers the six reference vectors (suites 1-3 and the 256-bit 6-8)', () => {
    expect(aeadVectors.map((v) => v.cipher_suite).sort()).toEqual([1, 2, 3, 6, 7, 8]);
  });

  for (const v of aeadVectors) {
    it(`suite ${v.cipher_suite}: key split, seal and open match the vector`, async () => {
      const suite = cipherSuite(v.cipher_suite);
      expect(toHex(hex(v.key).subarray(0, suite.nka))).toBe(v.enc_key);
      expect(toHex(hex(v.key).subarray(suite.nka))).toBe(v.auth_key);
      const aead = await importAead(suite, hex(v.key));
      expect(toHex(await aead.seal(hex(v.nonce), hex(v.aad), hex(v.pt)))).toBe(v.ct);
      expect(toHex(await aead.open(hex(v.nonce), hex(v.aad), hex(v.ct)))).toBe(v.pt);
    });

    it(`suite ${v.cipher_suite}: any flipped bit in ciphertext, tag or aad is rejected`, async () => {
      const aead = await importAead(cipherSuite(v.cipher_suite), hex(v.key));
      const ct = hex(v.ct);
      for (const bit of [0, 7, (ct.length - 1) * 8, (ct.length - 5) * 8 + 3]) {
        const bad = ct.slice();
        bad[bit >> 3]! ^= 1 << (bit & 7);
        await expect(aead.open(hex(v.nonce), hex(v.aad), bad)).rejects.toMatchObject({ code: 'SUSURRO_SFRAME_AUTH_FAILED' });
      }
      const aad = hex(v.aad);
      aad[0]! ^= 0x80;
      await expect(aead.open(hex(v.nonce), aad, ct)).rejects.toBeInstanceOf(SframeError);
    });
  }

  it('refuses a key of the wrong length', async () => {
    await expect(importAead(cipherSuite(4), new Uint8Array(32))).rejects.toThrow(RangeError);
  });
});
