/**
 * CRC-32C, hash/HMAC, constant-time compare, AES-CFB and SAS rendering: known answers from the
 * bzrtp vectors and the standards, cross-checked against node:crypto (OpenSSL).
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import { describe, it, expect } from 'vitest';
import { crc32c } from '../../../src/zrtp/crc32c.ts';
import { hash, hmac } from '../../../src/zrtp/crypto/hash.ts';
import { cfbDecrypt, cfbEncrypt, confirmMac } from '../../../src/zrtp/crypto/confirm-cipher.ts';
import { renderSas, sasValue, B32_ALPHABET } from '../../../src/zrtp/sas.ts';
import { PGP_WORDS_EVEN, PGP_WORDS_ODD } from '../../../src/zrtp/pgp-words.ts';
import { kdf } from '../../../src/zrtp/kdf.ts';
import { aesCfb, digest, hmac as nodeHmac } from './node-reference.ts';
import { hex, kdfFile, toHex } from '../wire/vectors.ts';

describe('crc32c (Castagnoli, RFC 3309)', () => {
  it('check value of "123456789" is 0xe3069283', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });
  it('empty input gives 0', () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
  for (const [i, v] of kdfFile.crc32c.vectors.entries()) {
    it(`bzrtp CRC vector ${i}: value and little-endian wire bytes`, () => {
      const value = crc32c(hex(v.input));
      expect(value.toString(16).padStart(8, '0')).toBe(v.crc32c_value);
      const le = [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
      expect(toHex(new Uint8Array(le))).toBe(v.wire_crc_bytes);
      expect(v.full_packet_on_wire).toBe(v.input + v.wire_crc_bytes);
    });
  }
  it('rejects non-bytes', () => {
    expect(() => crc32c('abc' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('hash / hmac (§5.1.2)', () => {
  const data = new TextEncoder().encode('The quick brown fox jumps over the lazy dog');
  it('S256 and S384 equal node:crypto, and parts are concatenated', () => {
    expect(toHex(hash('S256', data))).toBe(toHex(digest('sha256', data)));
    expect(toHex(hash('S384', data.subarray(0, 10), data.subarray(10)))).toBe(toHex(digest('sha384', data)));
  });
  it('RFC 4231 test case 2 (HMAC-SHA-256 and -384 with key "Jefe")', () => {
    const key = new TextEncoder().encode('Jefe');
    const msg = new TextEncoder().encode('what do ya want for nothing?');
    expect(toHex(hmac('S256', key, msg))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(toHex(hmac('S384', key, msg.subarray(0, 4), msg.subarray(4)))).toBe(
      'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
    );
  });
  it('HMAC with a key longer than the block equals node:crypto', () => {
    const key = new Uint8Array(200).map((_, i) => i);
    expect(toHex(hmac('S384', key, data))).toBe(toHex(nodeHmac('sha384', key, data)));
  });
  it('equalBytes', () => {
    expect(equalBytes(hex('0102'), hex('0102'))).toBe(true);
    expect(equalBytes(hex('0102'), hex('0103'))).toBe(false);
    expect(equalBytes(hex('0102'), hex('010200'))).toBe(false);
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    expect(() => equalBytes([1] as unknown as Uint8Array, hex('01'))).toThrow(TypeError);
  });
  it('rejects unknown algorithms and non-byte parts', () => {
    expect(() => hash('MD5' as 'S256', data)).toThrow(RangeError);
    expect(() => hmac('S256', 'k' as unknown as Uint8Array, data)).toThrow(/key/);
    expect(() => hash('S256', null as unknown as Uint8Array)).toThrow(/parts\[0\]/);
  });
});

describe('AES-CFB for Confirm (§5.7)', () => {
  // NIST SP 800-38A F.3.13 / F.3.17 (CFB128-AES128 / -AES256), first two blocks.
  const iv = hex('000102030405060708090a0b0c0d0e0f');
  const pt = hex('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51');
  it('SP 800-38A CFB128-AES128 (AES1)', () => {
    const key = hex('2b7e151628aed2a6abf7158809cf4f3c');
    const ct = cfbEncrypt('AES1', key, iv, pt);
    expect(toHex(ct)).toBe('3b3fd92eb72dad20333449f8e83cfb4ac8a64537a0b3a93fcde3cdad9f1ce58b');
    expect(toHex(cfbDecrypt('AES1', key, iv, ct))).toBe(toHex(pt));
  });
  it('SP 800-38A CFB128-AES256 (AES3)', () => {
    const key = hex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4');
    expect(toHex(cfbEncrypt('AES3', key, iv, pt))).toBe('dc7e84bfda79164b7ecd8486985d386039ffed143b28b1c832113c6331e5407b');
  });
  it('partial last block (a 44-byte Confirm body) equals OpenSSL aes-cfb', () => {
    const key = new Uint8Array(32).fill(7);
    const body = new Uint8Array(44).map((_, i) => i * 3);
    expect(toHex(cfbEncrypt('AES3', key, iv, body))).toBe(toHex(aesCfb('encrypt', key, iv, body)));
    expect(toHex(cfbDecrypt('AES3', key, iv, body))).toBe(toHex(aesCfb('decrypt', key, iv, body)));
  });
  it('key length must match the cipher, IV must be 16 bytes', () => {
    expect(() => cfbEncrypt('AES1', new Uint8Array(32), iv, pt)).toThrow(/key must be 16 bytes/);
    expect(() => cfbEncrypt('AES3', new Uint8Array(16), iv, pt)).toThrow(/key must be 32 bytes/);
    expect(() => cfbEncrypt('AES1', new Uint8Array(16), iv.subarray(1), pt)).toThrow(/iv must be 16 bytes/);
    expect(() => cfbEncrypt('AES2' as 'AES1', new Uint8Array(16), iv, pt)).toThrow(RangeError);
  });
  it('confirm MAC with S384 is HMAC-SHA-384 truncated to 8 bytes', () => {
    const key = new Uint8Array(48).fill(1);
    expect(toHex(confirmMac('S384', key, pt))).toBe(toHex(nodeHmac('sha384', key, pt).subarray(0, 8)));
  });
});

describe('SAS rendering (§5.1.6)', () => {
  const s = kdfFile.sas_rendering_derived;
  it('the SAS hash is KDF(s0, "SAS", context, 256) (bzrtp vector)', () => {
    const v = kdfFile.kdf.vectors.find((x) => x.label === 'SAS')!;
    expect(toHex(kdf('S256', hex(v.key), 'SAS', hex(v.context), 256))).toBe(s.sashash);
  });
  it('B32 renders the leftmost 20 bits in z-base-32', () => {
    expect(sasValue(hex(s.sashash)).toString(16).padStart(8, '0')).toBe(s.sasvalue);
    expect(renderSas('B32', hex(s.sashash))).toBe(s.b32.rendering);
  });
  it('B256 renders two PGP words (even list, then odd list)', () => {
    expect(renderSas('B256', hex(s.sashash))).toBe(s.b256.rendering.join(' '));
  });
  it('B32 bit positions: each 5-bit group maps to one character, bits after 20 are ignored', () => {
    expect(renderSas('B32', hex('00000000'))).toBe('yyyy');
    expect(renderSas('B32', hex('ffffffff'))).toBe('9999');
    expect(renderSas('B32', hex('00000fff'))).toBe('yyyy');
    expect(renderSas('B32', hex('08000000'))).toBe('byyy'); // value 1 in the top 5 bits
    expect(renderSas('B32', hex('00001000'))).toBe('yyyb'); // lowest bit of the 20
  });
  it('B256 extremes and byte order', () => {
    expect(renderSas('B256', hex('0000ffff'))).toBe('aardvark adroitness');
    expect(renderSas('B256', hex('ffff0000'))).toBe(`${PGP_WORDS_EVEN[255]} ${PGP_WORDS_ODD[255]}`);
    expect(PGP_WORDS_EVEN[255]).toBe('Zulu');
    expect(PGP_WORDS_ODD[255]).toBe('Yucatan');
  });
  it('word lists: 256 unique words each, disjoint', () => {
    expect(new Set(PGP_WORDS_EVEN).size).toBe(256);
    expect(new Set(PGP_WORDS_ODD).size).toBe(256);
    expect(PGP_WORDS_EVEN.filter((w) => PGP_WORDS_ODD.includes(w))).toEqual([]);
    expect(B32_ALPHABET).toHaveLength(32);
    expect(new Set(B32_ALPHABET).size).toBe(32);
  });
  it('validates arguments', () => {
    expect(() => renderSas('B64' as 'B32', hex('00000000'))).toThrow(RangeError);
    expect(() => renderSas('B32', hex('000000'))).toThrow(RangeError);
    expect(() => renderSas('B32', 'abcd' as unknown as Uint8Array)).toThrow(TypeError);
  });
});
