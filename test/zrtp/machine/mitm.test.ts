/**
 * Active attackers between Alice and Bob:
 * - Mallory runs a ZRTP session of her own with each victim and relays nothing but her own
 *   messages: both calls complete, but the hash commitment (§4.4.1.1) forces her to fix her DH
 *   value towards each victim before she sees theirs, so the two SASes differ (§4.5.2) and the
 *   humans reading them aloud notice.
 * - A relay that alters any single byte of any message makes the exchange fail (fast-check over
 *   message and byte position): hash chain, MACs, hvi and the Confirm MAC leave no byte unbound.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../src/zrtp/messages/index.ts';
import { handshake, hex, makeEndpoint, runUntilQuiet, zidOf } from '../support/harness.ts';

describe('man in the middle running her own sessions', () => {
  for (const ka of ['X255', 'DH3k'] as const) {
    it(`${ka}: both victims reach "secure" but read different SASes`, async () => {
      const preferences = { keyAgreement: [ka], sas: ['B256' as const] };
      // Mallory even claims the victims' ZIDs, so neither sees a foreign ZID.
      const alice = makeEndpoint({ name: 'alice', preferences, seed: 11 });
      const malloryAsBob = makeEndpoint({ name: 'm1', zid: zidOf('bob'), preferences, seed: 12 });
      const malloryAsAlice = makeEndpoint({ name: 'm2', zid: zidOf('alice'), preferences, seed: 13 });
      const bob = makeEndpoint({ name: 'bob', preferences, seed: 14 });
      await Promise.all([handshake(alice, malloryAsBob), handshake(malloryAsAlice, bob)]);
      for (const e of [alice, malloryAsBob, malloryAsAlice, bob]) expect(e.secure).not.toBeNull();
      expect(alice.secure!.sas).toBe(malloryAsBob.secure!.sas);
      expect(bob.secure!.sas).toBe(malloryAsAlice.secure!.sas);
      expect(hex(alice.secure!.sasHash)).not.toBe(hex(bob.secure!.sasHash));
      expect(alice.secure!.sas).not.toBe(bob.secure!.sas);
      expect(hex(alice.secure!.srtp.initiator.key)).not.toBe(hex(bob.secure!.srtp.initiator.key));
    });
  }

  it('with a shared cache history, the victim sees a cache mismatch', async () => {
    const { MemoryRetainedSecretCache } = await import('../../../src/zrtp/cache/memory-cache.ts');
    const cacheA = new MemoryRetainedSecretCache();
    const cacheB = new MemoryRetainedSecretCache();
    await handshake(makeEndpoint({ name: 'alice', cache: cacheA }), makeEndpoint({ name: 'bob', cache: cacheB }));
    const alice = makeEndpoint({ name: 'alice', cache: cacheA });
    const mallory = makeEndpoint({ name: 'm', zid: zidOf('bob') });
    await handshake(alice, mallory);
    expect(alice.secure!.cacheMismatch).toBe(true);
    expect(alice.secure!.previouslyVerified).toBe(false);
  });
});

describe('a relay altering one byte in flight', () => {
  /** Clean run (seeded, Bob waits so there is exactly one Commit): the list of messages. */
  async function cleanTranscript() {
    const a = makeEndpoint({ name: 'alice', seed: 1, preferences: { keyAgreement: ['X255'] } });
    const b = makeEndpoint({ name: 'bob', seed: 2, commit: 'wait', preferences: { keyAgreement: ['X255'] } });
    await handshake(a, b);
    expect(a.secure!.sas).toBe(b.secure!.sas);
    return { fromAlice: a.outbound.log, fromBob: b.outbound.log };
  }

  it('every byte of every message is bound: any alteration fails the exchange', async () => {
    const clean = await cleanTranscript();
    const types = (log: Uint8Array[]) => log.map((m) => decodeMessage(m).type);
    expect(types(clean.fromAlice)).toEqual(['Hello', 'HelloACK', 'Commit', 'DHPart2', 'Confirm2']);
    expect(types(clean.fromBob)).toEqual(['Hello', 'HelloACK', 'DHPart1', 'Confirm1', 'Conf2ACK']);
    const targets: { side: 'fromAlice' | 'fromBob'; index: number; length: number }[] = [];
    for (const side of ['fromAlice', 'fromBob'] as const) clean[side].forEach((m, index) => targets.push({ side, index, length: m.length }));

    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: targets.length - 1 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (t, rawPosition, mask) => {
          const target = targets[t]!;
          const position = rawPosition % target.length;
          const a = makeEndpoint({ name: 'alice', seed: 1, preferences: { keyAgreement: ['X255'] } });
          const b = makeEndpoint({ name: 'bob', seed: 2, commit: 'wait', preferences: { keyAgreement: ['X255'] } });
          const link = target.side === 'fromAlice' ? a.outbound : b.outbound;
          link.tap = (bytes, index) => {
            if (index === target.index) bytes[position]! ^= mask;
            return bytes;
          };
          a.session.start();
          b.session.start();
          await runUntilQuiet(a, b);
          const bothSecure = a.secure !== null && b.secure !== null;
          if (bothSecure) {
            // Only Alice's HelloACK carries nothing Bob needs (Bob waits for a Commit anyway).
            expect(`${target.side}:${decodeMessage(clean[target.side][target.index]!).type}`).toBe('fromAlice:HelloACK');
            expect(a.secure!.sas).toBe(b.secure!.sas);
            expect(hex(a.secure!.srtp.responder.key)).toBe(hex(b.secure!.srtp.responder.key));
          }
          for (const e of [...a.errors, ...b.errors]) expect(e.code).toMatch(/^SUSURRO_ZRTP_/);
        },
      ),
      { numRuns: 400, seed: 20261122 },
    );
  }, 60_000);
});
