/**
 * Retained secrets across sessions (RFC 6189 §4.3, §4.6.1, §4.6.1.1, §4.9), the aux secret
 * (§4.3, s2) and the a=zrtp-hash binding (§8.1).
 */
import { describe, expect, it } from 'vitest';
import { MemoryRetainedSecretCache } from '../../../src/zrtp/cache/memory-cache.ts';
import { hmac } from '../../../src/zrtp/crypto/hash.ts';
import { decodeMessage, type DhPartMessage } from '../../../src/zrtp/messages/index.ts';
import { handshake, hex, makeEndpoint, zidOf, type EndpointOptions } from '../support/harness.ts';

/** A pair of endpoints with persistent caches, so several calls can be placed. */
function pair() {
  const cacheA = new MemoryRetainedSecretCache();
  const cacheB = new MemoryRetainedSecretCache();
  return {
    cacheA,
    cacheB,
    async call(extraA: Partial<EndpointOptions> = {}, extraB: Partial<EndpointOptions> = {}) {
      const a = makeEndpoint({ name: 'alice', cache: cacheA, ...extraA });
      const b = makeEndpoint({ name: 'bob', cache: cacheB, ...extraB });
      await handshake(a, b);
      expect(a.errors).toEqual([]);
      expect(b.errors).toEqual([]);
      return { a, b };
    },
  };
}

const dhPartOf = (log: Uint8Array[]) =>
  log.map((m) => decodeMessage(m)).find((m): m is DhPartMessage => m.type === 'DHPart1' || m.type === 'DHPart2')!;

describe('retained secrets', () => {
  it('the first call stores rs1 on both sides; the second call matches it (§4.3.1 rs1ID = MAC(rs1, role))', async () => {
    const p = pair();
    const first = await p.call();
    const recA = (await p.cacheA.get(zidOf('alice'), zidOf('bob')))!;
    const recB = (await p.cacheB.get(zidOf('bob'), zidOf('alice')))!;
    expect(recA.rs1).toHaveLength(32);
    expect(hex(recA.rs1!)).toBe(hex(recB.rs1!));
    expect(recA.rs2).toBeNull();
    expect(recA.rs1ExpiresAt).toBeNull(); // 0xffffffff: never expires (§4.9)
    expect(recA.sasVerified).toBe(false);

    const second = await p.call();
    expect(second.a.secure!.cacheMismatch).toBe(false);
    expect(second.b.secure!.cacheMismatch).toBe(false);
    expect(second.a.secure!.sas).toBe(second.b.secure!.sas);
    // The rs1ID each side sent is MAC(rs1, "Initiator"/"Responder") under the negotiated hash.
    for (const ep of [second.a, second.b]) {
      const dh = dhPartOf(ep.outbound.log);
      const label = dh.type === 'DHPart2' ? 'Initiator' : 'Responder';
      expect(hex(dh.rs1Id)).toBe(hex(hmac('S256', recA.rs1!, new TextEncoder().encode(label)).slice(0, 8)));
    }
    // §4.6.1: rs2 := old rs1, rs1 := new
    const after = (await p.cacheA.get(zidOf('alice'), zidOf('bob')))!;
    expect(hex(after.rs2!)).toBe(hex(recA.rs1!));
    expect(hex(after.rs1!)).not.toBe(hex(recA.rs1!));
    // The SAS of the second call differs from the first (fresh DH, new s1).
    expect(second.a.secure!.sasHash).not.toEqual(first.a.secure!.sasHash);
  });

  it('previouslyVerified only after both sides verified the SAS, and only while continuity holds', async () => {
    const p = pair();
    const first = await p.call();
    await first.a.session.setSasVerified(true);
    const second = await p.call();
    // Only Alice verified: Bob's V flag is clear, so neither side may claim "previously verified".
    expect(second.a.secure!.previouslyVerified).toBe(false);
    expect(second.b.secure!.previouslyVerified).toBe(false);
    await second.b.session.setSasVerified(true);
    const third = await p.call();
    expect(third.a.secure!.previouslyVerified).toBe(true);
    expect(third.b.secure!.previouslyVerified).toBe(true);
    await third.a.session.setSasVerified(false);
    const fourth = await p.call();
    expect(fourth.a.secure!.previouslyVerified).toBe(false);
    expect(fourth.b.secure!.previouslyVerified).toBe(false);
  });

  it('a wiped cache on one side shows a cache mismatch on the other, clears V and withholds rs1 (§4.3.2, §4.6.1.1)', async () => {
    const p = pair();
    const first = await p.call();
    await first.a.session.setSasVerified(true);
    await first.b.session.setSasVerified(true);
    const before = (await p.cacheA.get(zidOf('alice'), zidOf('bob')))!;
    expect(before.sasVerified).toBe(true);

    await p.cacheB.delete(zidOf('bob'), zidOf('alice')); // Bob reinstalled his phone (or a MitM sits there)
    const second = await p.call();
    expect(second.a.secure!.cacheMismatch).toBe(true);
    expect(second.a.secure!.previouslyVerified).toBe(false);
    expect(second.b.secure!.cacheMismatch).toBe(false); // Bob knows nothing of Alice: no mismatch
    expect(second.a.secure!.sas).toBe(second.b.secure!.sas);
    const afterMismatch = (await p.cacheA.get(zidOf('alice'), zidOf('bob')))!;
    expect(afterMismatch.sasVerified).toBe(false);
    expect(hex(afterMismatch.rs1!)).toBe(hex(before.rs1!)); // not updated until the SAS is verified

    // The users compare the SAS and confirm: Alice now stores the new rs1.
    await second.a.session.setSasVerified(true);
    await second.b.session.setSasVerified(true);
    const verified = (await p.cacheA.get(zidOf('alice'), zidOf('bob')))!;
    const bobs = (await p.cacheB.get(zidOf('bob'), zidOf('alice')))!;
    expect(verified.sasVerified).toBe(true);
    expect(hex(verified.rs1!)).toBe(hex(bobs.rs1!));
    expect(hex(verified.rs2!)).toBe(hex(before.rs1!)); // §4.6.1: the old rs1 moves to rs2
    const third = await p.call();
    expect(third.a.secure!.cacheMismatch).toBe(false);
    expect(third.a.secure!.previouslyVerified).toBe(true);
  });

  it('a mismatch left unverified repeats on the next call', async () => {
    const p = pair();
    await p.call();
    await p.cacheB.delete(zidOf('bob'), zidOf('alice'));
    const second = await p.call();
    expect(second.a.secure!.cacheMismatch).toBe(true);
    const third = await p.call();
    expect(third.a.secure!.cacheMismatch).toBe(true);
  });

  it('one lost cache update is survived through rs2 (§4.6.1)', async () => {
    const p = pair();
    await p.call();
    const snapshot = (await p.cacheB.get(zidOf('bob'), zidOf('alice')))!;
    await p.call();
    await p.cacheB.put(zidOf('bob'), snapshot); // Bob's second update never reached his disk
    const third = await p.call();
    expect(third.a.secure!.cacheMismatch).toBe(false);
    expect(third.b.secure!.cacheMismatch).toBe(false);
    expect(third.a.secure!.sas).toBe(third.b.secure!.sas);
  });

  it('expired retained secrets are not used and do not count as a mismatch (§4.9)', async () => {
    const p = pair();
    await p.call();
    const rec = (await p.cacheA.get(zidOf('alice'), zidOf('bob')))!;
    await p.cacheA.put(zidOf('alice'), { ...rec, rs1ExpiresAt: -1 });
    const second = await p.call();
    expect(second.a.secure!.cacheMismatch).toBe(false);
    // Bob's rs1 did not match anything Alice still trusts; Bob sees a mismatch.
    expect(second.b.secure!.cacheMismatch).toBe(true);
  });
});

describe('cache expiration interval (§4.9)', () => {
  it('the shorter of the two announced intervals applies to the new rs1, on both sides', async () => {
    const p = pair();
    await p.call({ cacheExpirySeconds: 3600 }, {});
    const a = (await p.cacheA.get(zidOf('alice'), zidOf('bob')))!;
    const b = (await p.cacheB.get(zidOf('bob'), zidOf('alice')))!;
    expect(a.rs1ExpiresAt).toBe(3_600_000); // simulated clock at 0 ms
    expect(b.rs1ExpiresAt).toBe(3_600_000);
  });

  it('an interval of 0 means "do not cache": no record is written', async () => {
    const p = pair();
    const r = await p.call({}, { cacheExpirySeconds: 0 });
    expect(r.a.secure!.sas).toBe(r.b.secure!.sas);
    expect(await p.cacheA.get(zidOf('alice'), zidOf('bob'))).toBeNull();
    expect(await p.cacheB.get(zidOf('bob'), zidOf('alice'))).toBeNull();
  });
});

describe('aux secret (s2)', () => {
  const aux = new Uint8Array(32).fill(0xa5);
  it('matching aux secrets are reported; auxsecretID = MAC(aux, sender H3) on the wire (§4.3.1)', async () => {
    const withAux = await pair().call({ auxSecret: aux }, { auxSecret: aux });
    expect(withAux.a.secure!.auxSecretMatched).toBe(true);
    expect(withAux.b.secure!.auxSecretMatched).toBe(true);
    expect(withAux.a.secure!.sas).toBe(withAux.b.secure!.sas);
    for (const ep of [withAux.a, withAux.b]) {
      const hello = decodeMessage(ep.outbound.log[0]!);
      const dh = dhPartOf(ep.outbound.log);
      expect(hello.type).toBe('Hello');
      const h3 = hello.type === 'Hello' ? hello.h3 : new Uint8Array(0);
      expect(hex(dh.auxSecretId)).toBe(hex(hmac('S256', aux, h3).slice(0, 8)));
    }
  });

  it('different aux secrets: mismatch reported on both sides, the call still completes without s2', async () => {
    const r = await pair().call({ auxSecret: aux }, { auxSecret: new Uint8Array(32).fill(0x5a) });
    expect(r.a.secure!.auxSecretMatched).toBe(false);
    expect(r.b.secure!.auxSecretMatched).toBe(false);
    expect(r.a.secure!.sas).toBe(r.b.secure!.sas);
  });

  it('aux secret on one side only', async () => {
    const r = await pair().call({ auxSecret: aux }, {});
    expect(r.a.secure!.auxSecretMatched).toBe(false);
    expect(r.b.secure!.auxSecretMatched).toBeNull();
  });
});

describe('a=zrtp-hash (§8.1)', () => {
  it('a correct peerHelloHash lets the call through; a wrong one fails it', async () => {
    const cacheA = new MemoryRetainedSecretCache();
    const b = makeEndpoint({ name: 'bob' });
    const a = makeEndpoint({ name: 'alice', cache: cacheA, peerHelloHash: b.session.helloHash.toUpperCase() });
    await handshake(a, b);
    expect(a.secure).not.toBeNull();

    const b2 = makeEndpoint({ name: 'bob' });
    const a2 = makeEndpoint({ name: 'alice', peerHelloHash: b.session.helloHash }); // the previous Bob's Hello
    await handshake(a2, b2);
    expect(a2.secure).toBeNull();
    expect(a2.errors.map((e) => e.code)).toEqual(['SUSURRO_ZRTP_ZRTP_HASH_MISMATCH']);
  });
});
