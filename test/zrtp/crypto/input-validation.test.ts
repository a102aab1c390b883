/**
 * Hostile-argument table (in the manner of noble's TYPE_TEST): every public function of the wire
 * and crypto layer, given a non-byte value where bytes are expected (or a wrong size, or an
 * unknown algorithm), throws TypeError or RangeError naming the problem — never another error,
 * never a result.
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import { describe, it, expect } from 'vitest';
import { crc32c } from '../../../src/zrtp/crc32c.ts';
import { hash, hmac } from '../../../src/zrtp/crypto/hash.ts';
import { kdf } from '../../../src/zrtp/kdf.ts';
import { hashImage, makeHashChain, verifyHashChainLink } from '../../../src/zrtp/hash-chain.ts';
import { parseZrtpHashAttribute, verifyZrtpHash, zrtpHashAttribute } from '../../../src/zrtp/zrtp-hash.ts';
import { messageMac, verifyMessageMac, withMessageMac } from '../../../src/zrtp/crypto/message-mac.ts';
import { computeHvi, verifyHvi } from '../../../src/zrtp/crypto/hvi.ts';
import { cfbDecrypt, cfbEncrypt, confirmMac } from '../../../src/zrtp/crypto/confirm-cipher.ts';
import { renderSas, sasValue } from '../../../src/zrtp/sas.ts';
import { encodePacket } from '../../../src/zrtp/packet.ts';
import { encodeConfirmBody } from '../../../src/zrtp/messages/index.ts';
import { generateKeyPair } from '../../../src/zrtp/crypto/key-agreement.ts';
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js';
import { encodeMessage } from '../../../src/zrtp/messages/index.ts';

const HOSTILE: unknown[] = [
  undefined,
  null,
  0,
  Number.NaN,
  '',
  'deadbeef',
  [1, 2, 3],
  {},
  { length: 32 },
  new ArrayBuffer(32),
  new Uint16Array(16),
  new DataView(new ArrayBuffer(32)),
  Symbol('x'),
  () => new Uint8Array(32),
  new Proxy({}, {}),
];

const b = (n: number) => new Uint8Array(n).fill(1);
const hello = encodeMessage({
  type: 'Hello', version: '1.10', clientId: 'x', h3: b(32), zid: b(12),
  flags: { signatureCapable: false, mitm: false, passive: false }, hash: [], cipher: [], authTag: [], keyAgreement: [], sas: [], mac: b(8),
});

/** Each entry: a name and a call with one argument position replaced by `v`. */
const BYTE_POSITIONS: [string, (v: never) => unknown][] = [
  ['crc32c(data)', (v) => crc32c(v)],
  ['hash(alg, part)', (v) => hash('S256', v)],
  ['hmac(alg, key)', (v) => hmac('S256', v, b(1))],
  ['hmac(alg, key, part)', (v) => hmac('S384', b(32), v)],
  ['equalBytes(a)', (v) => equalBytes(v, b(1))],
  ['equalBytes(b)', (v) => equalBytes(b(1), v)],
  ['kdf(key)', (v) => kdf('S256', v, 'SAS', b(56), 256)],
  ['kdf(context)', (v) => kdf('S256', b(32), 'SAS', v, 256)],
  ['makeHashChain(h0)', (v) => makeHashChain('S256', v)],
  ['hashImage(preimage)', (v) => hashImage(v)],
  ['verifyHashChainLink(preimage)', (v) => verifyHashChainLink(v, b(32), 1)],
  ['verifyHashChainLink(image)', (v) => verifyHashChainLink(b(32), v, 1)],
  ['zrtpHashAttribute(hello)', (v) => zrtpHashAttribute(v)],
  ['verifyZrtpHash(hello)', (v) => verifyZrtpHash('1.10 ' + '0'.repeat(64), v)],
  ['messageMac(key)', (v) => messageMac('S256', v, b(24))],
  ['messageMac(message)', (v) => messageMac('S256', b(32), v)],
  ['withMessageMac(message)', (v) => withMessageMac('S256', b(32), v)],
  ['verifyMessageMac(key)', (v) => verifyMessageMac('S256', v, b(24))],
  ['computeHvi(dhPart2)', (v) => computeHvi('S256', v, b(8))],
  ['verifyHvi(hvi)', (v) => verifyHvi('S256', v, b(8), b(8))],
  ['cfbEncrypt(key)', (v) => cfbEncrypt('AES1', v, b(16), b(40))],
  ['cfbEncrypt(iv)', (v) => cfbEncrypt('AES1', b(16), v, b(40))],
  ['cfbDecrypt(ciphertext)', (v) => cfbDecrypt('AES3', b(32), b(16), v)],
  ['confirmMac(macKey)', (v) => confirmMac('S256', v, b(40))],
  ['renderSas(sasHash)', (v) => renderSas('B32', v)],
  ['sasValue(sasHash)', (v) => sasValue(v)],
  ['encodePacket(message)', (v) => encodePacket({ sequence: 1, ssrc: 1, message: v })],
  ['encodeConfirmBody(h0)', (v) => encodeConfirmBody({ h0: v, flags: { E: false, V: false, A: false, D: false }, cacheExpiry: 0 })],
  ['KeyPair.shared(peer)', (v) => generateKeyPair('X255', (n) => b(n)).shared(v)],
  ['bytesToHex(bytes)', (v) => bytesToHex(v)],
  ['concatBytes(part)', (v) => concatBytes(b(1), v)],
];

describe('public functions refuse hostile byte arguments with TypeError/RangeError', () => {
  for (const [name, call] of BYTE_POSITIONS) {
    it(name, () => {
      for (const v of HOSTILE) {
        let thrown: unknown = 'nothing thrown';
        try {
          call(v as never);
        } catch (e) {
          thrown = e;
        }
        expect(thrown instanceof TypeError || thrown instanceof RangeError, `${name} with ${String(typeof v === 'symbol' ? 'symbol' : v)}`).toBe(true);
      }
    });
  }
});

describe('wrong sizes and unknown algorithms are RangeErrors naming the argument', () => {
  it.each([
    ['makeHashChain h0 of 31 bytes', () => makeHashChain('S256', b(31)), /h0 must be 32 bytes/],
    ['makeHashChain with S384', () => makeHashChain('S384' as 'S256', b(32)), /always uses S256/],
    ['verifyHashChainLink steps 4', () => verifyHashChainLink(b(32), b(32), 4 as 1), /steps/],
    ['hash S512', () => hash('S512' as 'S256', b(1)), /unknown hash/],
    ['verifyHvi hvi of 16 bytes', () => verifyHvi('S256', b(16), b(8), b(8)), /commitHvi must be 32 bytes/],
    ['zrtpHashAttribute of a non-Hello', () => zrtpHashAttribute(encodeMessage({ type: 'HelloACK' })), /encoded Hello/],
    ['withMessageMac on a 12-byte message', () => withMessageMac('S256', b(32), b(12)), /too short/],
    ['cfbEncrypt AES1 with a 24-byte key', () => cfbEncrypt('AES1', b(24), b(16), b(4)), /key must be 16 bytes/],
    ['renderSas B16', () => renderSas('B16' as 'B32', b(32)), /unknown SAS type/],
    ['hexToBytes odd length', () => hexToBytes('abc'), /hex/],
    ['hexToBytes non-hex', () => hexToBytes('zz'), /hex/],
  ] as const)('%s', (_n, fn, re) => {
    expect(fn).toThrow(re);
  });

  it('parseZrtpHashAttribute returns null for malformed values and parses good ones', () => {
    expect(parseZrtpHashAttribute('1.10')).toBeNull();
    expect(parseZrtpHashAttribute('1.10 ' + 'a'.repeat(63))).toBeNull();
    expect(parseZrtpHashAttribute('1.10 ' + 'g'.repeat(64))).toBeNull();
    expect(parseZrtpHashAttribute('1.10 ' + 'A'.repeat(64))?.hash).toEqual(new Uint8Array(32).fill(0xaa));
    expect(() => parseZrtpHashAttribute(42 as unknown as string)).toThrow(TypeError);
    expect(zrtpHashAttribute(hello)).toMatch(/^1\.10 [0-9a-f]{64}$/);
  });
});
