/**
 * The OpenSSL backend (src/zrtp/crypto/node-key-agreement.ts) is interchangeable with the pure-JS
 * one: same public values from the same randomness, the same shared secrets across backends, the
 * same refusals of hostile values (validation happens before either backend runs).
 */
import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { generateKeyPair, PURE_JS_PRIMITIVES, type KeyAgreementPrimitives } from '../../../src/zrtp/crypto/key-agreement.ts';
import { NODE_PRIMITIVES } from '../../../src/zrtp/crypto/node-key-agreement.ts';
import { bigIntToBytes, MODP_2048 } from '../../../src/zrtp/crypto/modp.ts';
import { ZrtpError } from '../../../src/zrtp/errors.ts';
import { hex, toHex } from '../wire/vectors.ts';

const ALGS = ['X255', 'EC25', 'DH2k', 'DH3k'] as const;
/** Deterministic randomness: the same stream for both backends. */
function stream(seed: number) {
  let counter = seed;
  return (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      counter = (Math.imul(counter, 1103515245) + 12345) >>> 0;
      out[i] = counter >>> 24;
    }
    return out;
  };
}
const rng = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

describe('node:crypto key agreement backend', () => {
  for (const alg of ALGS) {
    it(`${alg}: same randomness -> same public value as pure JS; secrets agree across backends`, () => {
      const opts = { dhSecretBits: 256 };
      const pure = generateKeyPair(alg, stream(7), { ...opts, primitives: PURE_JS_PRIMITIVES });
      const native = generateKeyPair(alg, stream(7), { ...opts, primitives: NODE_PRIMITIVES });
      expect(toHex(native.publicValue)).toBe(toHex(pure.publicValue));
      const peerPure = generateKeyPair(alg, rng, opts);
      const peerNative = generateKeyPair(alg, rng, { ...opts, primitives: NODE_PRIMITIVES });
      expect(toHex(native.shared(peerPure.publicValue))).toBe(toHex(peerPure.shared(native.publicValue)));
      expect(toHex(pure.shared(peerNative.publicValue))).toBe(toHex(peerNative.shared(pure.publicValue)));
      expect(toHex(native.shared(peerNative.publicValue))).toBe(toHex(pure.shared(peerNative.publicValue)));
    });
  }

  it('RFC 5903 §8.1 (ECDH P-256) known answer: pv = x || y, result = x, both backends', () => {
    const i = hex('c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433');
    const r = hex('c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53');
    const gi = 'dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180' + '5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3';
    const gr = 'd12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63' + '56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab';
    const gir = 'd6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de';
    for (const p of [PURE_JS_PRIMITIVES, NODE_PRIMITIVES]) {
      expect(toHex(p.publicValue('EC25', i)), p.name).toBe(gi);
      expect(toHex(p.publicValue('EC25', r)), p.name).toBe(gr);
      expect(toHex(p.sharedSecret('EC25', i, hex(gr))), p.name).toBe(gir);
      expect(toHex(p.sharedSecret('EC25', r, hex(gi))), p.name).toBe(gir);
    }
  });

  it('RFC 7748 §6.1 known answer through OpenSSL', () => {
    const alice = generateKeyPair('X255', () => hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'), { primitives: NODE_PRIMITIVES });
    expect(toHex(alice.publicValue)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(toHex(alice.shared(hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')))).toBe(
      '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
    );
  });

  it('hostile values are refused the same way (0x61) before OpenSSL sees them', () => {
    const refusals = (kp: ReturnType<typeof generateKeyPair>, values: Uint8Array[]) =>
      values.map((v) => {
        try {
          kp.shared(v);
          return 'accepted';
        } catch (e) {
          return e instanceof ZrtpError ? `${e.code}/${e.protocolCode}` : `other: ${String(e)}`;
        }
      });
    const p = MODP_2048.p;
    const dhValues = [0n, 1n, p - 1n, p].map((v) => bigIntToBytes(v, 256));
    const xValues = [new Uint8Array(32), hex('0100000000000000000000000000000000000000000000000000000000000000'), hex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800')];
    const ecValues = [new Uint8Array(64), new Uint8Array(64).fill(0xff)];
    for (const [alg, values] of [['DH2k', dhValues], ['X255', xValues], ['EC25', ecValues]] as const) {
      const native = refusals(generateKeyPair(alg, rng, { dhSecretBits: 256, primitives: NODE_PRIMITIVES }), values);
      expect(native).toEqual(values.map(() => 'SUSURRO_ZRTP_BAD_DH_VALUE/97'));
    }
  });

  it('pads results with leading zero bytes to |p| (§4.4.1.4), where OpenSSL would strip them', () => {
    const mine = generateKeyPair('DH2k', stream(99), { dhSecretBits: 256, primitives: NODE_PRIMITIVES });
    const seeds = stream(1234);
    for (let i = 0; i < 4000; i++) {
      const peer = generateKeyPair('DH2k', seeds, { dhSecretBits: 256, primitives: NODE_PRIMITIVES });
      const native = mine.shared(peer.publicValue);
      if (native[0] !== 0) continue;
      expect(native).toHaveLength(256);
      const pure = generateKeyPair('DH2k', stream(99), { dhSecretBits: 256 });
      expect(toHex(pure.shared(peer.publicValue))).toBe(toHex(native));
      return;
    }
    throw new Error('no result with a leading zero byte in 4000 tries (expected ~1 in 256)');
  });

  it('a backend that does not support an algorithm falls back to pure JS', () => {
    const onlyX: KeyAgreementPrimitives = { ...NODE_PRIMITIVES, name: 'x only', supports: (alg) => alg === 'X255' };
    const kp = generateKeyPair('EC25', stream(3), { primitives: onlyX });
    expect(toHex(kp.publicValue)).toBe(toHex(generateKeyPair('EC25', stream(3)).publicValue));
    expect(() => generateKeyPair('X255', rng, { primitives: {} as KeyAgreementPrimitives })).toThrow(TypeError);
  });
});

describe('shared() on arbitrary peer values (fast-check)', () => {
  // OpenSSL arithmetic keeps this fast; the validation under test is shared by both backends.
  const cases = [
    ['X255', 32],
    ['EC25', 64],
    ['DH2k', 256],
    ['DH3k', 384],
  ] as const;
  for (const [alg, length] of cases) {
    it(`${alg}: any ${length}-byte value gives a ${length === 64 ? 32 : length}-byte result or BAD_DH_VALUE, nothing else`, () => {
      const mine = generateKeyPair(alg, rng, { dhSecretBits: 256, primitives: NODE_PRIMITIVES });
      const valid = fc.constant(null).map(() => generateKeyPair(alg, rng, { dhSecretBits: 256, primitives: NODE_PRIMITIVES }).publicValue);
      const anyBytes = fc.uint8Array({ minLength: length, maxLength: length });
      const outcomes = { accepted: 0, refused: 0 };
      fc.assert(
        fc.property(fc.oneof(anyBytes, valid), (pv) => {
          try {
            const s = mine.shared(pv);
            outcomes.accepted++;
            return s.length === (alg === 'EC25' ? 32 : length);
          } catch (e) {
            if (!(e instanceof ZrtpError) || e.code !== 'SUSURRO_ZRTP_BAD_DH_VALUE' || e.protocolCode !== 0x61) throw e;
            outcomes.refused++;
            return true;
          }
        }),
        { numRuns: alg.startsWith('DH') ? 60 : 150 },
      );
      expect(outcomes.accepted).toBeGreaterThan(0);
      if (alg === 'EC25') expect(outcomes.refused).toBeGreaterThan(0); // random x||y is almost never on the curve
    });
  }
});
