/**
 * KDF (RFC 6189 §4.5.1) against the nine bzrtp/GNU ZRTP known answers, plus argument validation.
 */
import { describe, it, expect } from 'vitest';
import { hmac as nodeHmac } from './node-reference.ts';
import { kdf } from '../../../src/zrtp/kdf.ts';
import { hex, kdfFile, toHex } from '../wire/vectors.ts';

describe('kdf (RFC 6189 §4.5.1) known answers from bzrtp', () => {
  const vectors = kdfFile.kdf.vectors;

  it('has all nine vectors', () => {
    expect(vectors).toHaveLength(9);
  });

  for (const v of vectors) {
    it(`vector ${v.index}: "${v.label}", L=${v.length_bits}`, () => {
      expect(toHex(kdf('S256', hex(v.key), v.label, hex(v.context), v.length_bits))).toBe(v.output);
    });
  }

  it('builds exactly the HMAC input bzrtp shows for vector 0 (i || Label || 0x00 || Context || L)', () => {
    const v = vectors[0]!;
    const input = hex(kdfFile.kdf.example_hmac_input_vector0.hex);
    expect(toHex(kdf('S256', hex(v.key), v.label, hex(v.context), v.length_bits))).toBe(toHex(nodeHmac('sha256', hex(v.key), input).subarray(0, 16)));
  });

  it('uses HMAC-SHA-384 for S384 (cross-checked with node:crypto)', () => {
    const key = new Uint8Array(48).fill(3);
    const context = new Uint8Array(72).fill(9);
    const label = 'Initiator SRTP master key';
    const input = new Uint8Array([0, 0, 0, 1, ...Buffer.from(label), 0, ...context, 0, 0, 0x01, 0x80]);
    expect(toHex(kdf('S384', key, label, context, 384))).toBe(toHex(nodeHmac('sha384', key, input)));
  });

  it('rejects bad arguments with TypeError/RangeError naming them', () => {
    const k = new Uint8Array(32);
    expect(() => kdf('S256', 'x' as unknown as Uint8Array, 'l', k, 128)).toThrow(/key/);
    expect(() => kdf('S256', k, 'l', k, 0)).toThrow(RangeError);
    expect(() => kdf('S256', k, 'l', k, 12)).toThrow(/multiple of 8/);
    expect(() => kdf('S256', k, 'l', k, 264)).toThrow(RangeError);
    expect(() => kdf('S256', k, 'l', k, Number.NaN)).toThrow(TypeError);
    expect(() => kdf('S999' as 'S256', k, 'l', k, 128)).toThrow(RangeError);
    expect(() => kdf('S256', k, 'ł€', k, 128)).toThrow(/label/);
  });
});
