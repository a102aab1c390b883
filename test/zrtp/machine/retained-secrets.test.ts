/**
 * retained-secrets.ts: rsID / auxsecretID formulas (§4.3.1, checked against node:crypto) and
 * the s1 choice with cache-mismatch detection (§4.3, §4.3.2).
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auxSecretId, auxSecretMatches, retainedSecretId, selectS1 } from '../../../src/zrtp/retained-secrets.ts';

const rs = (b: number) => new Uint8Array(32).fill(b);
const never = () => {
  throw new Error('no randomness expected');
};
const nodeMac = (alg: 'sha256' | 'sha384', key: Uint8Array, data: Uint8Array | string) =>
  new Uint8Array(createHmac(alg, key).update(data).digest().subarray(0, 8));

describe('secret IDs (§4.3.1)', () => {
  it('rsIDi = MAC(rs, "Initiator"), rsIDr = MAC(rs, "Responder"), negotiated hash, 64 bits', () => {
    expect(retainedSecretId('S256', rs(1), 'initiator', never)).toEqual(nodeMac('sha256', rs(1), 'Initiator'));
    expect(retainedSecretId('S384', rs(1), 'responder', never)).toEqual(nodeMac('sha384', rs(1), 'Responder'));
  });
  it('auxsecretID = MAC(aux, sender H3); absent secrets give 8 random bytes', () => {
    const h3 = rs(7);
    expect(auxSecretId('S256', rs(3), h3, never)).toEqual(nodeMac('sha256', rs(3), h3));
    expect(auxSecretMatches('S256', rs(3), h3, nodeMac('sha256', rs(3), h3))).toBe(true);
    expect(auxSecretMatches('S256', rs(3), rs(8), nodeMac('sha256', rs(3), h3))).toBe(false);
    const random = (n: number) => new Uint8Array(n).fill(0xee);
    expect(retainedSecretId('S256', null, 'initiator', random)).toEqual(new Uint8Array(8).fill(0xee));
    expect(auxSecretId('S256', null, h3, random)).toEqual(new Uint8Array(8).fill(0xee));
  });
});

describe('s1 selection (§4.3)', () => {
  const idsOf = (a: Uint8Array | null, b: Uint8Array | null) => [
    a ? retainedSecretId('S256', a, 'responder', never) : new Uint8Array(8).fill(0xaa),
    b ? retainedSecretId('S256', b, 'responder', never) : new Uint8Array(8).fill(0xbb),
  ] as const;

  it('prefers our rs1 against either peer ID, then our rs2', () => {
    const [p1, p2] = idsOf(rs(1), rs(2));
    expect(selectS1('S256', { rs1: rs(1), rs2: rs(2) }, p1, p2, 'responder')).toMatchObject({ matched: 'rs1', cacheMismatch: false });
    const [q1, q2] = idsOf(rs(9), rs(1)); // peer updated once more than we did: its rs2 is our rs1
    expect(selectS1('S256', { rs1: rs(1), rs2: null }, q1, q2, 'responder')).toMatchObject({ matched: 'rs1' });
    const [r1] = idsOf(rs(2), null); // we updated, the peer did not: our rs2 is its rs1
    const sel = selectS1('S256', { rs1: rs(3), rs2: rs(2) }, r1, new Uint8Array(8), 'responder');
    expect(sel.matched).toBe('rs2');
    expect(sel.s1).toEqual(rs(2));
  });

  it('IDs made for the other role never match (a reflected DHPart is no continuity)', () => {
    const asInitiator = retainedSecretId('S256', rs(1), 'initiator', never);
    expect(selectS1('S256', { rs1: rs(1), rs2: null }, asInitiator, asInitiator, 'responder')).toMatchObject({ matched: null, cacheMismatch: true });
  });

  it('no secrets on our side is not a mismatch; secrets that match nothing are', () => {
    const [p1, p2] = idsOf(rs(5), rs(6));
    expect(selectS1('S256', { rs1: null, rs2: null }, p1, p2, 'responder')).toEqual({ s1: null, matched: null, cacheMismatch: false });
    expect(selectS1('S256', { rs1: rs(1), rs2: rs(2) }, p1, p2, 'responder')).toEqual({ s1: null, matched: null, cacheMismatch: true });
  });
});
