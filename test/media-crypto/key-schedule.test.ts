import { createCipheriv, createHmac, hkdfSync } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { cipherSuite } from '../../src/media-crypto/cipher-suites.ts';
import {
  deriveSframeKey,
  deriveSframeKeyBytes,
  importBaseKey,
  sframeKeyLabel,
  sframeSaltLabel,
} from '../../src/media-crypto/key-schedule.ts';
import { encryptFrame, frameNonce, SframeReceiver } from '../../src/media-crypto/sframe-context.ts';
import { sframeVectors, hex, toHex } from './vectors.ts';

describe('SFrame key schedule and frame encryption (RFC 9605 §4.4)', () => {
  it('covers all five suites of the reference vectors', () => {
    expect(sframeVectors.map((v) => v.cipher_suite)).toEqual([1, 2, 3, 4, 5]);
  });

  for (const v of sframeVectors) {
    describe(`suite ${v.cipher_suite} (${cipherSuite(v.cipher_suite).name})`, () => {
      const kid = BigInt(v.kid);
      const ctr = BigInt(v.ctr);

      it('builds the exact key and salt labels', () => {
        expect(toHex(sframeKeyLabel(kid, v.cipher_suite))).toBe(v.sframe_key_label);
        expect(toHex(sframeSaltLabel(kid, v.cipher_suite))).toBe(v.sframe_salt_label);
      });

      it('derives sframe_key and sframe_salt; the vector secret is HKDF-Extract("", base_key) (node:crypto check)', async () => {
        const { key, salt } = await deriveSframeKeyBytes(v.cipher_suite, kid, hex(v.base_key));
        expect(toHex(key)).toBe(v.sframe_key);
        expect(toHex(salt)).toBe(v.sframe_salt);
        const hash = cipherSuite(v.cipher_suite).hash === 'SHA-256' ? 'sha256' : 'sha512';
        // Independent: Extract with node's HMAC (empty salt = zero key), Expand with node's hkdf.
        expect(createHmac(hash, Buffer.alloc(0)).update(hex(v.base_key)).digest('hex')).toBe(v.sframe_secret);
        const nodeKey = Buffer.from(hkdfSync(hash, hex(v.base_key), Buffer.alloc(0), hex(v.sframe_key_label), key.length));
        expect(nodeKey.toString('hex')).toBe(v.sframe_key);
      });

      it('computes the nonce and the full protected frame', async () => {
        const key = await deriveSframeKey(v.cipher_suite, kid, hex(v.base_key));
        expect(toHex(key.salt)).toBe(v.sframe_salt);
        expect(toHex(frameNonce(key.salt, ctr))).toBe(v.nonce);
        expect(toHex(await encryptFrame(key, ctr, hex(v.pt), hex(v.metadata)))).toBe(v.ct);
      });

      it('receiver opens the vector frame, then refuses its replay and a 1-bit change', async () => {
        const base = await importBaseKey(hex(v.base_key)); // non-extractable CryptoKey path
        const rx = new SframeReceiver();
        rx.addKey(await deriveSframeKey(v.cipher_suite, kid, base));
        const frame = hex(v.ct);
        const tampered = frame.slice();
        tampered[frame.length - 3]! ^= 0x10;
        await expect(rx.decrypt(tampered, hex(v.metadata))).rejects.toMatchObject({ code: 'SUSURRO_SFRAME_AUTH_FAILED' });
        const out = await rx.decrypt(frame, hex(v.metadata));
        expect([toHex(out.plaintext), out.kid, out.ctr]).toEqual([v.pt, kid, ctr]);
        await expect(rx.decrypt(frame, hex(v.metadata))).rejects.toMatchObject({ code: 'SUSURRO_SFRAME_REPLAY' });
      });
    });
  }

  it('AES-GCM suites agree with node:crypto createCipheriv on a fresh frame', async () => {
    for (const suiteId of [4, 5]) {
      const base = new Uint8Array(32).map((_, i) => i * 7 + suiteId);
      const key = await deriveSframeKey(suiteId, 9n, base);
      const { key: raw } = await deriveSframeKeyBytes(suiteId, 9n, base);
      const pt = new Uint8Array(100).map((_, i) => i);
      const frame = await encryptFrame(key, 1000n, pt);
      const header = frame.subarray(0, 4); // X=1 KLEN=1 (KID 9), Y=1 CLEN=2 (CTR 1000): 89 09 03e8
      expect(toHex(header)).toBe('890903e8');
      const c = createCipheriv(suiteId === 4 ? 'aes-128-gcm' : 'aes-256-gcm', raw, frameNonce(key.salt, 1000n));
      c.setAAD(header);
      const expected = Buffer.concat([header, c.update(pt), c.final(), c.getAuthTag()]);
      expect(toHex(frame)).toBe(expected.toString('hex'));
    }
  });
});
