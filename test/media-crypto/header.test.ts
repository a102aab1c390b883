import { describe, it, expect } from 'vitest';
import { decodeHeader, encodeHeader, MAX_UINT64 } from '../../src/media-crypto/header.ts';
import { SframeError } from '../../src/media-crypto/errors.ts';
import { headerVectors, hex, toHex } from './vectors.ts';

describe('SFrame header (RFC 9605 §4.3)', () => {
  it('has the full reference vector set', () => {
    expect(headerVectors.length).toBe(289);
    expect(headerVectors.some((v) => v.kid === MAX_UINT64 && v.ctr === MAX_UINT64)).toBe(true);
  });

  it('encodes every reference vector byte for byte', () => {
    for (const v of headerVectors) expect(toHex(encodeHeader(v.kid, v.ctr)), `kid=${v.kid} ctr=${v.ctr}`).toBe(v.encoded);
  });

  it('decodes every reference vector, with trailing payload ignored', () => {
    for (const v of headerVectors) {
      const bytes = hex(v.encoded + 'abcdef');
      const h = decodeHeader(bytes);
      expect([h.kid, h.ctr, h.length]).toEqual([v.kid, v.ctr, v.encoded.length / 2]);
    }
  });

  it('accepts a non-minimal encoding (authenticated as AAD) with the same value', () => {
    // X=1 KLEN=2 for KID 5, Y=1 CLEN=1 for CTR 3.
    expect(decodeHeader(hex('98' + '0005' + '03'))).toEqual({ kid: 5n, ctr: 3n, length: 4 });
  });

  it('rejects truncated headers with MALFORMED_HEADER', () => {
    for (const bad of ['', '99', '990123', '99012345', 'ff00000000000000']) {
      expect(() => decodeHeader(hex(bad)), bad).toThrowError(SframeError);
      try {
        decodeHeader(hex(bad));
      } catch (e) {
        expect((e as SframeError).code).toBe('SUSURRO_SFRAME_MALFORMED_HEADER');
      }
    }
  });

  it('validates inputs', () => {
    expect(() => encodeHeader(-1n, 0n)).toThrow(RangeError);
    expect(() => encodeHeader(0n, MAX_UINT64 + 1n)).toThrow(RangeError);
    expect(() => encodeHeader(1 as unknown as bigint, 0n)).toThrow(TypeError);
    expect(() => decodeHeader('00' as unknown as Uint8Array)).toThrow(TypeError);
  });
});
