/**
 * Failures and their RFC 6189 §5.9 Error codes, ErrorACK handling, timeouts, the repeated-message
 * rule (a differing repeat is dropped and counted, never fatal, as bzrtp) and Commit contention (§4.2). A hostile peer is simulated by rewriting messages in
 * flight and re-sealing them with the sender's hash-chain keys, which the test knows because the
 * endpoints draw their randomness from a seeded PRNG (H0 is the first 32 bytes drawn).
 */
import { describe, expect, it } from 'vitest';
import { hashImage } from '../../../src/zrtp/hash-chain.ts';
import { computeHvi } from '../../../src/zrtp/key-derivation.ts';
import { MODP_3072, bigIntToBytes } from '../../../src/zrtp/crypto/modp.ts';
import { decodeMessage, encodeMessage, type ConfirmMessage, type DhPartMessage, type ZrtpMessage } from '../../../src/zrtp/messages/index.ts';
import { sealWithChainMac } from '../../../src/zrtp/states/message-auth.ts';
import { handshake, hex, makeEndpoint, runUntilQuiet, seededRandom, settle, zidOf, type Endpoint } from '../support/harness.ts';

const h0Of = (seed: number) => seededRandom(seed)(32);
const typesOf = (log: Uint8Array[]) => log.map((m) => decodeMessage(m).type);
const lastError = (e: Endpoint) => {
  const errs = e.outbound.log.map((m) => decodeMessage(m)).filter((m) => m.type === 'Error');
  return errs.length ? (errs[errs.length - 1] as Extract<ZrtpMessage, { type: 'Error' }>).code : null;
};

/** Alice (seed 1, Commits) and Bob (seed 2, waits): roles are fixed. */
function fixedRoles(ka: 'DH3k' | 'X255' = 'X255') {
  const a = makeEndpoint({ name: 'alice', seed: 1, preferences: { keyAgreement: [ka] } });
  const b = makeEndpoint({ name: 'bob', seed: 2, commit: 'wait', preferences: { keyAgreement: [ka] } });
  return { a, b };
}

/** Rewrites the first message of `type` on a link; `edit` returns the new decoded form. */
function rewrite(ep: Endpoint, type: ZrtpMessage['type'], edit: (m: ZrtpMessage) => Uint8Array) {
  ep.outbound.tap = (bytes) => {
    const m = decodeMessage(bytes);
    return m.type === type ? edit(m) : bytes;
  };
}

describe('Error messages with RFC codes (§5.9)', () => {
  for (const [label, pv] of [
    ['1', bigIntToBytes(1n, 384)],
    ['p-1', bigIntToBytes(MODP_3072.p - 1n, 384)],
  ] as const) {
    it(`DHPart1 with pv = ${label}: initiator sends Error 0x61 (DH bad pv, §4.4.1.1), responder ACKs`, async () => {
      const { a, b } = fixedRoles('DH3k');
      rewrite(b, 'DHPart1', (m) => sealWithChainMac(h0Of(2), encodeMessage({ ...(m as DhPartMessage), pv })));
      await handshake(a, b);
      expect(a.errors.map((e) => [e.code, e.protocolCode])).toEqual([['SUSURRO_ZRTP_BAD_DH_VALUE', 0x61]]);
      expect(lastError(a)).toBe(0x61);
      expect(b.errors.map((e) => [e.code, e.protocolCode])).toEqual([['SUSURRO_ZRTP_PEER_ERROR', 0x61]]);
      expect(typesOf(b.outbound.log)).toContain('ErrorACK');
      expect(a.session.state).toBe('failed');
      expect(b.session.state).toBe('failed');
      expect(a.retransmitRequests.at(-1)).toBe('T2'); // the Error is retransmitted until ErrorACK
    });
  }

  it('DHPart2 swapped for a validly MACed one: responder sends Error 0x62 (hvi mismatch)', async () => {
    const { a, b } = fixedRoles();
    const other = new Uint8Array(32).fill(9);
    rewrite(a, 'DHPart2', (m) => sealWithChainMac(h0Of(1), encodeMessage({ ...(m as DhPartMessage), pv: other })));
    await handshake(a, b);
    expect(b.errors.map((e) => [e.code, e.protocolCode])).toEqual([['SUSURRO_ZRTP_HVI_MISMATCH', 0x62]]);
    expect(a.errors.map((e) => e.protocolCode)).toEqual([0x62]);
  });

  it('a malicious initiator committing to pv = 0 for X255 is rejected by the responder with 0x61', async () => {
    const { a, b } = fixedRoles();
    const bobHello = () => b.outbound.log[0]!;
    // The Commit (which commits to DHPart2 through hvi) goes out first: take Alice's DHPart2
    // from a dry run with the same seed, forge it, and re-commit to the forgery.
    const dry = fixedRoles();
    await handshake(dry.a, dry.b);
    const dh2 = decodeMessage(dry.a.outbound.log.find((x) => decodeMessage(x).type === 'DHPart2')!);
    const forged = sealWithChainMac(h0Of(1), encodeMessage({ ...(dh2 as DhPartMessage), pv: new Uint8Array(32) }));
    a.outbound.tap = (bytes) => {
      const m = decodeMessage(bytes);
      if (m.type === 'Commit' && m.mode === 'dh') {
        return sealWithChainMac(hashImage(h0Of(1)), encodeMessage({ ...m, hvi: computeHvi('S256', forged, bobHello()) }));
      }
      if (m.type === 'DHPart2') return forged;
      return bytes;
    };
    await handshake(a, b);
    expect(b.errors.map((e) => [e.code, e.protocolCode])).toEqual([['SUSURRO_ZRTP_BAD_DH_VALUE', 0x61]]);
  });

  it('Confirm1 with a wrong confirm_mac: initiator sends Error 0x70', async () => {
    const { a, b } = fixedRoles();
    rewrite(b, 'Confirm1', (m) => {
      const c = m as ConfirmMessage;
      const mac = c.confirmMac.slice();
      mac[0]! ^= 0x80;
      return encodeMessage({ ...c, confirmMac: mac });
    });
    await handshake(a, b);
    expect(a.errors.map((e) => [e.code, e.protocolCode])).toEqual([['SUSURRO_ZRTP_BAD_MAC', 0x70]]);
    expect(b.errors.map((e) => e.code)).toEqual(['SUSURRO_ZRTP_PEER_ERROR']);
  });

  it('both endpoints with the same ZID: Error 0x90 (equal ZID)', async () => {
    const a = makeEndpoint({ name: 'alice', zid: zidOf('same') });
    const b = makeEndpoint({ name: 'bob', zid: zidOf('same') });
    await handshake(a, b);
    expect(a.errors.map((e) => e.code)).toContain('SUSURRO_ZRTP_ZID_COLLISION');
    expect(lastError(a)).toBe(0x90);
  });

  it('a Hello announcing version 2.00: Error 0x30 (unsupported version)', async () => {
    const { a, b } = fixedRoles();
    rewrite(b, 'Hello', (m) => encodeMessage({ ...(m as Extract<ZrtpMessage, { type: 'Hello' }>), version: '2.00' }));
    await handshake(a, b);
    expect(a.errors.map((e) => [e.code, e.protocolCode])).toEqual([['SUSURRO_ZRTP_UNSUPPORTED_VERSION', 0x30]]);
  });

  it('a Commit naming an algorithm the responder did not offer: Error 0x53', async () => {
    const a = makeEndpoint({ name: 'alice', seed: 1 });
    const b = makeEndpoint({ name: 'bob', seed: 2, commit: 'wait', preferences: { keyAgreement: ['X255'] } });
    rewrite(a, 'Commit', (m) => sealWithChainMac(hashImage(h0Of(1)), encodeMessage({ ...(m as Extract<ZrtpMessage, { type: 'Commit' }>), keyAgreement: 'EC25' })));
    await handshake(a, b);
    expect(b.errors.map((e) => [e.code, e.protocolCode])).toEqual([['SUSURRO_ZRTP_UNSUPPORTED_ALGORITHM', 0x53]]);
  });

  it('unauthenticated messages (bad H2 in Commit, bad H1 in DHPart1) are dropped; the genuine ones still complete', async () => {
    const { a, b } = fixedRoles();
    const forge = (ep: Endpoint, type: 'Commit' | 'DHPart1', edit: (m: ZrtpMessage) => ZrtpMessage) => {
      ep.outbound.tap = (bytes) => {
        const m = decodeMessage(bytes);
        if (m.type === type) ep.outbound.queue.push(encodeMessage(edit(m))); // the forgery arrives first
        return bytes;
      };
    };
    forge(a, 'Commit', (m) => ({ ...(m as Extract<ZrtpMessage, { type: 'Commit' }>), h2: new Uint8Array(32).fill(1) }));
    forge(b, 'DHPart1', (m) => ({ ...(m as DhPartMessage), h1: new Uint8Array(32).fill(2) }));
    await handshake(a, b);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    expect(a.secure!.sas).toBe(b.secure!.sas);
    expect(a.session.inputStats.dropped.unauthenticated).toBeGreaterThanOrEqual(1);
    expect(b.session.inputStats.dropped.unauthenticated).toBeGreaterThanOrEqual(1);
  });

  it('an Error from the peer ends the session with PEER_ERROR and is acknowledged', () => {
    const a = makeEndpoint({ name: 'alice' });
    a.session.start();
    a.session.receive(encodeMessage({ type: 'Error', code: 0xa0 }));
    expect(a.errors.map((e) => [e.code, e.protocolCode])).toEqual([['SUSURRO_ZRTP_PEER_ERROR', 0xa0]]);
    expect(typesOf(a.outbound.log)).toEqual(['Hello', 'ErrorACK']);
    // A repeated Error after failure is acknowledged again, nothing else happens.
    a.session.receive(encodeMessage({ type: 'Error', code: 0xa0 }));
    expect(typesOf(a.outbound.log)).toEqual(['Hello', 'ErrorACK', 'ErrorACK']);
    expect(a.errors).toHaveLength(1);
  });

  it('timeout() before secure fails with TIMEOUT and sends nothing; after secure it is ignored', async () => {
    const a = makeEndpoint({ name: 'alice' });
    a.session.start();
    a.session.timeout();
    expect(a.errors.map((e) => e.code)).toEqual(['SUSURRO_ZRTP_TIMEOUT']);
    expect(typesOf(a.outbound.log)).toEqual(['Hello']);
    const { a: x, b: y } = fixedRoles();
    await handshake(x, y);
    x.session.timeout();
    expect(x.errors).toEqual([]);
    expect(x.session.state).toBe('secure');
  });

  it('close() wipes and ignores later input', async () => {
    const { a, b } = fixedRoles();
    a.session.start();
    a.session.close();
    expect(a.session.state).toBe('closed');
    b.session.start();
    await runUntilQuiet(a, b);
    expect(a.secure).toBeNull();
    expect(a.errors).toEqual([]);
  });
});

describe('repeated messages (§6 retransmission, bzrtp repetition check)', () => {
  /** Runs the exchange, recording every message, then replays `type` into its receiver. */
  async function replay(type: ZrtpMessage['type']) {
    const { a, b } = fixedRoles();
    await handshake(a, b);
    const fromA = a.outbound.log.find((m) => decodeMessage(m).type === type);
    const sender = fromA ? a : b;
    const receiver = fromA ? b : a;
    const original = (fromA ?? b.outbound.log.find((m) => decodeMessage(m).type === type))!;
    const before = receiver.outbound.log.length;
    return { a, b, sender, receiver, original, sentSince: () => typesOf(receiver.outbound.log.slice(before)) };
  }

  it('a repeated Hello is acknowledged again', async () => {
    const a = makeEndpoint({ name: 'alice' });
    const b = makeEndpoint({ name: 'bob' });
    a.session.start();
    b.session.start();
    const bobHello = b.outbound.queue[0]!;
    a.deliver(bobHello);
    a.deliver(bobHello);
    await settle(); // the peer's cache record is read between the two
    expect(typesOf(a.outbound.log)).toEqual(['Hello', 'HelloACK', 'HelloACK']);
  });

  it('a different Hello from the same peer is dropped and counted, not acknowledged, not fatal', async () => {
    const a = makeEndpoint({ name: 'alice' });
    a.session.start();
    a.deliver(helloOf('bob', 5));
    await settle();
    const before = a.session.inputStats;
    a.deliver(helloOf('bob', 6));
    await settle();
    expect(a.errors).toEqual([]);
    expect(a.session.state).toBe('discovery');
    expect(typesOf(a.outbound.log)).toEqual(['Hello', 'HelloACK']); // no second HelloACK, no Error 0x40
    expect(a.session.inputStats.dropped['unmatched-repetition']).toBe(before.dropped['unmatched-repetition'] + 1);
    expect(a.session.inputStats.repeated).toBe(before.repeated);
    expect(a.drops).toEqual([['unmatched-repetition', 'Hello']]); // the event the application sees
  });

  it('the responder answers a repeated Confirm2 with Conf2ACK, even when secure', async () => {
    const r = await replay('Confirm2');
    r.receiver.deliver(r.original);
    expect(r.sentSince()).toEqual(['Conf2ACK']);
    expect(r.receiver.session.state).toBe('secure');
  });

  it('a Confirm2 differing from the stored one is dropped once secure; the genuine repeat is still answered', async () => {
    const r = await replay('Confirm2');
    const keys = hex(r.receiver.secure!.exportedKey);
    const altered = r.original.slice();
    altered[altered.length - 1]! ^= 1;
    r.receiver.deliver(altered);
    expect(r.receiver.errors).toEqual([]);
    expect(r.receiver.session.state).toBe('secure');
    expect(r.sentSince()).toEqual([]); // not answered
    expect(r.receiver.session.inputStats.dropped['unmatched-repetition']).toBe(1);
    r.receiver.deliver(r.original);
    expect(r.sentSince()).toEqual(['Conf2ACK']);
    expect(hex(r.receiver.secure!.exportedKey)).toBe(keys);
  });

  it('an Error once secure is dropped (§5.9: it ends an exchange in progress only); before secure it is obeyed', async () => {
    const { a, b } = fixedRoles();
    await handshake(a, b);
    const sas = a.secure!.sas;
    const sentBefore = a.outbound.log.length;
    a.session.receive(encodeMessage({ type: 'Error', code: 0x70 }));
    expect(a.errors).toEqual([]);
    expect(a.session.state).toBe('secure');
    expect(a.outbound.log.length).toBe(sentBefore); // no ErrorACK either: nothing was processed
    expect(a.session.inputStats.dropped['error-after-secure']).toBe(1);
    expect(a.drops.at(-1)).toEqual(['error-after-secure', 'Error']);
    expect(a.secure!.sas).toBe(sas);
    // Positive control: the same message one step earlier ends the exchange.
    const c = makeEndpoint({ name: 'carol' });
    c.session.start();
    c.session.receive(encodeMessage({ type: 'Error', code: 0x70 }));
    expect(c.errors.map((e) => e.code)).toEqual(['SUSURRO_ZRTP_PEER_ERROR']);
  });

  it('at every step of the exchange, a differing copy of every message either side stored is dropped; keys equal a clean run', async () => {
    const clean = fixedRoles();
    await handshake(clean.a, clean.b);
    const { a, b } = fixedRoles();
    const statesHit = new Set<string>();
    const forgedKinds = ['Hello', 'Commit', 'DHPart1', 'DHPart2', 'Confirm1', 'Confirm2'] as const;
    let injected = 0;
    /** One flipped bit in the last byte (a MAC or ciphertext byte): still a well-formed message. */
    const alter = (m: Uint8Array) => {
      const x = m.slice();
      x[x.length - 1]! ^= 1;
      return x;
    };
    // Only kinds the victim already received: a forgery that overtakes the genuine message is a
    // FIRST message, not a repeat (its chain MAC is checked one message later, §9).
    const received = new Map<Endpoint, Uint8Array[]>([[a, []], [b, []]]);
    const injectInto = (victim: Endpoint) => {
      statesHit.add(`${victim.name}:${victim.session.state}`);
      for (const kind of forgedKinds) {
        const genuine = received.get(victim)!.find((m) => decodeMessage(m).type === kind);
        if (!genuine) continue;
        victim.session.receive(alter(genuine));
        injected++;
      }
    };
    a.session.start();
    b.session.start();
    for (let step = 0; step < 200; step++) {
      const fromA = a.outbound.queue.shift();
      const fromB = fromA ? undefined : b.outbound.queue.shift();
      if (fromA) {
        received.get(b)!.push(fromA);
        b.deliver(fromA);
      } else if (fromB) {
        received.get(a)!.push(fromB);
        a.deliver(fromB);
      } else {
        await settle(); // cache reads complete: a state may change here too
        if (!a.outbound.queue.length && !b.outbound.queue.length) break;
      }
      injectInto(a);
      injectInto(b);
    }
    await Promise.all([a.session.idle(), b.session.idle()]);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    for (const [x, y] of [[a, clean.a], [b, clean.b]] as const) {
      expect(x.secure!.sas).toBe(y.secure!.sas);
      expect(hex(x.secure!.srtp.initiator.key)).toBe(hex(y.secure!.srtp.initiator.key));
      expect(hex(x.secure!.srtp.responder.key)).toBe(hex(y.secure!.srtp.responder.key));
      expect(hex(x.secure!.exportedKey)).toBe(hex(y.secure!.exportedKey));
    }
    // Every state of both roles saw the forgeries...
    for (const s of ['discovery', 'initiator-sent-commit', 'initiator-sent-dhpart2', 'initiator-sent-confirm2', 'secure']) expect(statesHit).toContain(`alice:${s}`);
    for (const s of ['discovery', 'waiting-commit', 'responder-sent-dhpart1', 'responder-sent-confirm1', 'secure']) expect(statesHit).toContain(`bob:${s}`);
    // ...and each was seen by the engine: stored kinds as unmatched repetitions, others dropped on their own grounds.
    const total = (e: Endpoint) => Object.values(e.session.inputStats.dropped).reduce((p, n) => p + n, 0);
    expect(total(a) + total(b)).toBe(injected);
    expect(a.session.inputStats.dropped['unmatched-repetition']).toBeGreaterThan(10);
    expect(b.session.inputStats.dropped['unmatched-repetition']).toBeGreaterThan(10);
  });

  it('a repeated Commit makes the responder resend its stored DHPart1, byte-identical', async () => {
    const a = makeEndpoint({ name: 'alice', seed: 1 });
    const b = makeEndpoint({ name: 'bob', seed: 2, commit: 'wait' });
    let commit: Uint8Array | null = null;
    let dhPart1s: Uint8Array[] = [];
    a.outbound.tap = (bytes) => {
      if (decodeMessage(bytes).type === 'Commit') commit = bytes.slice();
      return bytes;
    };
    b.outbound.tap = (bytes) => {
      if (decodeMessage(bytes).type === 'DHPart1') {
        dhPart1s.push(bytes.slice());
        if (dhPart1s.length === 1) {
          // The first DHPart1 is "lost"; Alice's T2 timer would resend the Commit:
          queueMicrotask(() => b.deliver(commit!));
          return null;
        }
      }
      return bytes;
    };
    await handshake(a, b);
    await runUntilQuiet(a, b);
    expect(dhPart1s).toHaveLength(2);
    expect(Buffer.from(dhPart1s[1]!).equals(Buffer.from(dhPart1s[0]!))).toBe(true);
    expect(a.secure!.sas).toBe(b.secure!.sas);
    dhPart1s = [];
  });
});

/** The Hello of a fresh session for `name` with seeded randomness (a different H3 per seed). */
function helloOf(name: string, seed: number): Uint8Array {
  const e = makeEndpoint({ name, seed });
  e.session.start();
  return e.outbound.log[0]!;
}

describe('Commit contention (§4.2)', () => {
  it('both Commit: the lower hvi becomes responder, whatever the seeds', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const a = makeEndpoint({ name: 'alice', seed: seed * 2 });
      const b = makeEndpoint({ name: 'bob', seed: seed * 2 + 1 });
      await handshake(a, b);
      const hviOf = (e: Endpoint) => {
        const c = e.outbound.log.map((m) => decodeMessage(m)).find((m) => m.type === 'Commit');
        return c && c.type === 'Commit' && c.mode === 'dh' ? Buffer.from(c.hvi) : null;
      };
      const ha = hviOf(a)!;
      const hb = hviOf(b)!;
      expect(ha).not.toBeNull();
      expect(hb).not.toBeNull(); // both really sent a Commit
      expect(a.secure!.role).toBe(Buffer.compare(ha, hb) < 0 ? 'responder' : 'initiator');
      expect(b.secure!.role).toBe(Buffer.compare(hb, ha) < 0 ? 'responder' : 'initiator');
      expect(a.secure!.sas).toBe(b.secure!.sas);
    }
  });
});
