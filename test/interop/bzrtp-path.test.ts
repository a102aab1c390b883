/**
 * susurro ↔ bzrtp through a UDP relay on the media path (test/interop/udp-relay.ts):
 * - loss: RFC 6189 §6 retransmission (T1 for Hello, T2 for Commit/DHPart2/Confirm2, the
 *   responder answering repeats) must work across the two implementations;
 * - tampering: one flipped bit in any message, with the packet CRC made valid again, must stop
 *   the exchange (§4.4.1.1 hash commitment, §9 hash chain and message MACs, §4.6 Confirm MAC):
 *   nobody may end up "secure".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBzrtpPeer } from './build-bzrtp-peer.ts';
import { bothSecure, killAllPeers, runPair, type PeerResultLine, type PeerSpec } from './peers.ts';
import { flipMessageBit, packetMessageType, type RelayDecision, type RelayDirection } from './udp-relay.ts';

beforeAll(() => {
  ensureBzrtpPeer();
});
afterAll(() => {
  killAllPeers();
});

const peer = (impl: PeerSpec['impl'], ...args: string[]): PeerSpec => ({ impl, args });

function expectSameKeys(x: PeerResultLine, y: PeerResultLine): void {
  expect(x.sas).toBe(y.sas);
  expect(x.srtp.send).toEqual(y.srtp.recv);
  expect(x.srtp.recv).toEqual(y.srtp.send);
}

/** Drops the first copy of every message type in each direction: every step needs a repeat. */
function dropFirstCopies(): { decide: RelayDecision; dropped: string[] } {
  const seen = new Set<string>();
  const dropped: string[] = [];
  return {
    dropped,
    decide: (direction, packet) => {
      const key = `${direction} ${packetMessageType(packet)}`;
      if (seen.has(key)) return packet;
      seen.add(key);
      dropped.push(key);
      return null;
    },
  };
}

/** Seeded 30 % loss (mulberry32), never more than 3 drops in a row per direction. */
function seededLoss(seed: number): RelayDecision {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const run: Record<RelayDirection, number> = { 'a->b': 0, 'b->a': 0 };
  return (direction, packet) => {
    if (next() < 0.3 && run[direction] < 3) {
      run[direction]++;
      return null;
    }
    run[direction] = 0;
    return packet;
  };
}

// Responders keep answering a Confirm2 repeated after lost Conf2ACKs (T2: 150, 300, 600, 1200 ms
// ...); runPair stops them as soon as the initiator is secure too, so this costs nothing.
const LINGER = ['--linger-ms', '8000'];

describe('packet loss between susurro and bzrtp (§6 retransmission)', () => {
  it('first copy of every message lost, susurro initiator', async () => {
    const loss = dropFirstCopies();
    const [o, b] = bothSecure(
      await runPair(peer('susurro', '--role', 'initiator'), peer('bzrtp', '--role', 'responder', ...LINGER), { relay: loss.decide }),
    );
    expectSameKeys(o, b);
    // Hello, Commit, DHPart2, Confirm2 from us; Hello, DHPart1, Confirm1, Conf2ACK from bzrtp
    expect(loss.dropped).toEqual(
      expect.arrayContaining(['a->b Hello', 'a->b Commit', 'a->b DHPart2', 'a->b Confirm2', 'b->a DHPart1', 'b->a Confirm1', 'b->a Conf2ACK']),
    );
  });

  it('first copy of every message lost, bzrtp initiator', async () => {
    const loss = dropFirstCopies();
    const [b, o] = bothSecure(
      await runPair(peer('bzrtp', '--role', 'initiator'), peer('susurro', '--role', 'responder', ...LINGER), { relay: loss.decide }),
    );
    expectSameKeys(o, b);
    expect(loss.dropped).toEqual(
      expect.arrayContaining(['a->b Commit', 'a->b DHPart2', 'a->b Confirm2', 'b->a DHPart1', 'b->a Confirm1', 'b->a Conf2ACK']),
    );
  });

  for (const seed of [1, 2]) {
    it(`seeded 30 % loss (seed ${seed}), both directions, ${seed === 1 ? 'susurro' : 'bzrtp'} initiator`, async () => {
      const [i, r] = seed === 1 ? (['susurro', 'bzrtp'] as const) : (['bzrtp', 'susurro'] as const);
      const [x, y] = bothSecure(
        await runPair(peer(i, '--role', 'initiator'), peer(r, '--role', 'responder', ...LINGER), { relay: seededLoss(seed), timeoutMs: 10_000 }),
      );
      expectSameKeys(x, y);
    });
  }
});

/** Flips one bit at `offset` of every copy of `type` travelling in `direction`. */
function tamper(direction: RelayDirection, type: string, offset: number): RelayDecision {
  return (d, packet) => (d === direction && packetMessageType(packet) === type ? flipMessageBit(packet, offset) : packet);
}

const TAMPER_CASES = [
  // [what, initiator, responder, direction, message, offset in the message, our expected error]
  // Our engine drops a Commit whose H2 does not authenticate the stored Hello (§9: anyone on the
  // path could have sent it) and waits for a genuine one, which never comes: it times out.
  { what: "bzrtp's Hello to us (client id byte; the Hello MAC fails once the Commit reveals H2)", a: 'bzrtp', b: 'susurro', dir: 'a->b', type: 'Hello', offset: 20, ours: /timeout .*state waiting-commit/ },
  { what: "our Commit's hvi to bzrtp (caught by bzrtp's hvi check on DHPart2)", a: 'susurro', b: 'bzrtp', dir: 'a->b', type: 'Commit', offset: 100, ours: null },
  { what: "bzrtp's DHPart1 public value to us", a: 'susurro', b: 'bzrtp', dir: 'b->a', type: 'DHPart1', offset: 100, ours: /SUSURRO_ZRTP_/ },
  { what: "our Confirm2 body to bzrtp (Confirm MAC)", a: 'susurro', b: 'bzrtp', dir: 'a->b', type: 'Confirm2', offset: 40, ours: null },
] as const;

describe('one flipped bit on the path stops the exchange (nobody goes secure)', () => {
  for (const c of TAMPER_CASES) {
    it(c.what, async () => {
      const [x, y] = await runPair(peer(c.a, '--role', 'initiator'), peer(c.b, '--role', 'responder'), {
        relay: tamper(c.dir, c.type, c.offset),
        timeoutMs: 2500,
      });
      expect(x.result, `${x.impl} must not go secure:\n${x.stdout}`).toBeNull();
      expect(y.result, `${y.impl} must not go secure:\n${y.stdout}`).toBeNull();
      const ours = x.impl === 'susurro' ? x : y;
      expect(ours.code).toBe(1);
      if (c.ours) expect(ours.stderr).toMatch(c.ours);
    });
  }
});
