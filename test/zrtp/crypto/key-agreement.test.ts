/**
 * Key agreement (RFC 6189 §4.4.1, §5.1.5): both sides agree, results equal OpenSSL's (node:crypto)
 * for the same keys, known answers where standards give them, and hostile public values are
 * refused with SUSURRO_ZRTP_BAD_DH_VALUE / protocol code 0x61 (§4.4.1.1).
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createDiffieHellman, createECDH, createPublicKey, diffieHellman, generateKeyPairSync, getDiffieHellman, randomBytes } from 'node:crypto';
import { generateKeyPair, publicValueLength, dhSecretBits, type KeyPair } from '../../../src/zrtp/crypto/key-agreement.ts';
import { MODP_2048, MODP_3072, modPow, bigIntToBytes, bytesToBigInt } from '../../../src/zrtp/crypto/modp.ts';
import type { KeyAgreementAlgorithm } from '../../../src/zrtp/algorithms.ts';
import { zrtpErrorOf } from '../support/errors.ts';
import { hex, toHex } from '../wire/vectors.ts';

const rng = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
/** A "random" source that returns the given bytes (then fails), to know the secret. */
const fixed = (bytes: Uint8Array) => (n: number): Uint8Array => {
  if (n !== bytes.length) throw new Error(`unexpected random(${n})`);
  return bytes.slice();
};

function expectBadPv(fn: () => unknown): void {
  const error = zrtpErrorOf(fn);
  expect(error.code).toBe('SUSURRO_ZRTP_BAD_DH_VALUE');
  expect(error.protocolCode).toBe(0x61);
}

describe('MODP groups (RFC 3526) and modPow', () => {
  it('primes equal OpenSSL modp14 / modp15, generator 2', () => {
    expect(toHex(bigIntToBytes(MODP_2048.p, 256))).toBe(getDiffieHellman('modp14').getPrime('hex'));
    expect(toHex(bigIntToBytes(MODP_3072.p, 384))).toBe(getDiffieHellman('modp15').getPrime('hex'));
    expect(getDiffieHellman('modp15').getGenerator('hex')).toBe('02');
  });

  it('primes follow their RFC 3526 definition from pi (independent of any library)', () => {
    // arctan(1/x) in fixed point, Machin's formula: pi = 16 atan(1/5) - 4 atan(1/239).
    const atanInv = (x: bigint, scale: bigint): bigint => {
      let sum = 0n;
      let term = scale / x;
      for (let n = 1n, sign = 1n; term !== 0n; n += 2n, sign = -sign, term /= x * x) sum += (sign * term) / n;
      return sum;
    };
    const floorPiTimes2Pow = (bits: bigint): bigint => {
      const scale = 1n << (bits + 64n);
      return (16n * atanInv(5n, scale) - 4n * atanInv(239n, scale)) >> 64n;
    };
    // RFC 3526 §3: p = 2^2048 - 2^1984 - 1 + 2^64 * { [2^1918 pi] + 124476 }
    expect(MODP_2048.p).toBe((1n << 2048n) - (1n << 1984n) - 1n + (1n << 64n) * (floorPiTimes2Pow(1918n) + 124476n));
    // RFC 3526 §4: p = 2^3072 - 2^3008 - 1 + 2^64 * { [2^2942 pi] + 1690314 }
    expect(MODP_3072.p).toBe((1n << 3072n) - (1n << 3008n) - 1n + (1n << 64n) * (floorPiTimes2Pow(2942n) + 1690314n));
  });

  it('g = 2 generates the prime-order subgroup: 2^((p-1)/2) = 1 mod p', () => {
    for (const g of [MODP_2048, MODP_3072]) expect(modPow(g.g, (g.p - 1n) / 2n, g.p)).toBe(1n);
  });

  it('modPow equals plain square-and-multiply on random inputs', () => {
    const naive = (b: bigint, e: bigint, m: bigint): bigint => {
      let r = 1n;
      b %= m;
      while (e > 0n) {
        if (e & 1n) r = (r * b) % m;
        b = (b * b) % m;
        e >>= 1n;
      }
      return r;
    };
    fc.assert(
      fc.property(fc.bigInt(0n, (1n << 300n) - 1n), fc.bigInt(0n, (1n << 200n) - 1n), fc.bigInt(2n, (1n << 256n) - 1n), (b, e, m) =>
        modPow(b, e, m) === naive(b, e, m),
      ),
      { numRuns: 300 },
    );
    expect(modPow(5n, 0n, 7n)).toBe(1n);
    expect(() => modPow(2n, 3n, 1n)).toThrow(RangeError);
    expect(() => modPow(2n, -1n, 7n)).toThrow(RangeError);
  });

  it('big-endian conversions round-trip and refuse overflow', () => {
    expect(toHex(bigIntToBytes(0x0102n, 4))).toBe('00000102');
    expect(bytesToBigInt(hex('00000102'))).toBe(0x102n);
    expect(() => bigIntToBytes(0x10000n, 2)).toThrow(RangeError);
  });
});

describe('DH3k / DH2k', () => {
  for (const [alg, group, name] of [['DH3k', 'modp15', 384], ['DH2k', 'modp14', 256]] as const) {
    it(`${alg}: public value and shared secret equal OpenSSL's for the same exponent`, () => {
      const exponent = rng(32);
      const ours = generateKeyPair(alg, fixed(exponent), { dhSecretBits: 256 });
      const effective = exponent.slice();
      effective[0] = effective[0]! | 0x80; // the top bit is forced (never a short exponent)
      const node = createDiffieHellman(getDiffieHellman(group).getPrime(), Buffer.from([2]));
      node.setPrivateKey(Buffer.from(effective));
      const nodePub = new Uint8Array(node.generateKeys());
      expect(ours.publicValue).toHaveLength(name);
      expect(toHex(ours.publicValue)).toBe(toHex(bigIntToBytes(bytesToBigInt(nodePub), name)));
      const peer = createDiffieHellman(getDiffieHellman(group).getPrime(), Buffer.from([2]));
      const peerPub = new Uint8Array(peer.generateKeys());
      const expected = bigIntToBytes(bytesToBigInt(new Uint8Array(peer.computeSecret(Buffer.from(ours.publicValue)))), name);
      expect(toHex(ours.shared(bigIntToBytes(bytesToBigInt(peerPub), name)))).toBe(toHex(expected));
    });

    it(`${alg}: two engines agree (default 512-bit exponent)`, () => {
      const a = generateKeyPair(alg, rng);
      const b = generateKeyPair(alg, rng);
      expect(toHex(a.shared(b.publicValue))).toBe(toHex(b.shared(a.publicValue)));
      expect(a.publicValue).toHaveLength(publicValueLength(alg));
    });

    it(`${alg}: rejects 0, 1, p-1, p, p+1, all-ones and wrong lengths (§4.4.1.1)`, () => {
      const g = alg === 'DH3k' ? MODP_3072 : MODP_2048;
      const kp = generateKeyPair(alg, rng, { dhSecretBits: 256 });
      for (const v of [0n, 1n, g.p - 1n, g.p, g.p + 1n, (1n << BigInt(g.byteLength * 8)) - 1n]) {
        expectBadPv(() => kp.shared(bigIntToBytes(v, g.byteLength)));
      }
      expectBadPv(() => kp.shared(new Uint8Array(g.byteLength - 1).fill(2)));
      expectBadPv(() => kp.shared(new Uint8Array(g.byteLength + 4).fill(2)));
      // The smallest and largest legal values are accepted.
      expect(kp.shared(bigIntToBytes(2n, g.byteLength))).toHaveLength(g.byteLength);
      expect(kp.shared(bigIntToBytes(g.p - 2n, g.byteLength))).toHaveLength(g.byteLength);
    });
  }

  it('exponent size follows the cipher (§5.1.5: twice the AES key size), validated', () => {
    expect(dhSecretBits('AES1')).toBe(256);
    expect(dhSecretBits('AES3')).toBe(512);
    expect(() => dhSecretBits('AES9' as 'AES1')).toThrow(RangeError);
    expect(() => generateKeyPair('DH3k', rng, { dhSecretBits: 100 })).toThrow(RangeError);
    expect(() => generateKeyPair('DH3k', rng, { dhSecretBits: 257 })).toThrow(RangeError);
  });
});

describe('EC25 (P-256)', () => {
  it('pv is x || y (64 bytes) and the result is the x coordinate, equal to OpenSSL ECDH', () => {
    const ours = generateKeyPair('EC25', rng);
    expect(ours.publicValue).toHaveLength(64);
    const node = createECDH('prime256v1');
    const nodePub = new Uint8Array(node.generateKeys()); // 0x04 || x || y
    const expected = new Uint8Array(node.computeSecret(Buffer.from([4, ...ours.publicValue])));
    expect(toHex(ours.shared(nodePub.subarray(1)))).toBe(toHex(expected));
  });

  it('two engines agree', () => {
    const a = generateKeyPair('EC25', rng);
    const b = generateKeyPair('EC25', rng);
    expect(toHex(a.shared(b.publicValue))).toBe(toHex(b.shared(a.publicValue)));
  });

  it('rejects off-curve points, coordinates >= p, zero, wrong lengths', () => {
    const kp = generateKeyPair('EC25', rng);
    const good = generateKeyPair('EC25', rng).publicValue;
    const offCurve = good.slice();
    offCurve[63] = offCurve[63]! ^ 1;
    expectBadPv(() => kp.shared(offCurve));
    expectBadPv(() => kp.shared(new Uint8Array(64)));
    expectBadPv(() => kp.shared(new Uint8Array(64).fill(0xff)));
    expectBadPv(() => kp.shared(good.subarray(0, 32)));
    expectBadPv(() => kp.shared(new Uint8Array([4, ...good])));
    // A coordinate equal to p (not a field element) is refused, whatever the other one is.
    const p = bigIntToBytes(0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn, 32);
    expectBadPv(() => kp.shared(new Uint8Array([...p, ...good.subarray(32)])));
    expectBadPv(() => kp.shared(new Uint8Array([...good.subarray(0, 32), ...p])));
  });
});

describe('X255 (Curve25519, RFC 7748, bzrtp byte layout)', () => {
  it('RFC 7748 §6.1 known answer: public values and shared secret (little-endian u)', () => {
    const alice = generateKeyPair('X255', fixed(hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')));
    const bob = generateKeyPair('X255', fixed(hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb')));
    expect(toHex(alice.publicValue)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(toHex(bob.publicValue)).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const secret = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    expect(toHex(alice.shared(bob.publicValue))).toBe(secret);
    expect(toHex(bob.shared(alice.publicValue))).toBe(secret);
  });

  it('equals OpenSSL X25519', () => {
    const ours = generateKeyPair('X255', rng);
    const { privateKey, publicKey } = generateKeyPairSync('x25519');
    const nodePub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    const peerKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(ours.publicValue).toString('base64url') }, format: 'jwk' });
    const expected = new Uint8Array(diffieHellman({ privateKey, publicKey: peerKey }));
    expect(toHex(ours.shared(new Uint8Array(nodePub)))).toBe(toHex(expected));
  });

  it('rejects small-order public values (all-zero result) and wrong lengths', () => {
    const kp = generateKeyPair('X255', rng);
    const smallOrder = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ];
    for (const v of smallOrder) expectBadPv(() => kp.shared(hex(v)));
    expectBadPv(() => kp.shared(new Uint8Array(31).fill(9)));
    expectBadPv(() => kp.shared(new Uint8Array(33).fill(9)));
  });
});

describe('generateKeyPair API', () => {
  const all: KeyAgreementAlgorithm[] = ['DH3k', 'DH2k', 'EC25', 'X255'];

  it('publicValueLength matches bzrtp (384, 256, 64, 32)', () => {
    expect(all.map(publicValueLength)).toEqual([384, 256, 64, 32]);
    expect(() => publicValueLength('Mult')).toThrow(RangeError);
  });

  it('destroy() makes shared() unusable', () => {
    for (const alg of all) {
      const a: KeyPair = generateKeyPair(alg, rng, { dhSecretBits: 256 });
      const b = generateKeyPair(alg, rng, { dhSecretBits: 256 });
      a.destroy();
      expect(() => a.shared(b.publicValue)).toThrow(/destroyed/);
    }
  });

  it('validates its arguments', () => {
    expect(() => generateKeyPair('Mult', rng)).toThrow(RangeError);
    expect(() => generateKeyPair('EC38' as 'EC25', rng)).toThrow(RangeError);
    expect(() => generateKeyPair('X255', 'rng' as unknown as typeof rng)).toThrow(TypeError);
    expect(() => generateKeyPair('X255', () => new Uint8Array(3))).toThrow(TypeError);
    const kp = generateKeyPair('X255', rng);
    expect(() => kp.shared('x' as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('distinct randomness gives distinct public values', () => {
    for (const alg of all) {
      expect(toHex(generateKeyPair(alg, rng, { dhSecretBits: 256 }).publicValue)).not.toBe(
        toHex(generateKeyPair(alg, rng, { dhSecretBits: 256 }).publicValue),
      );
    }
  });
});
