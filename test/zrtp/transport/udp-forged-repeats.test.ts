/**
 * Forged repeats over real UDP (issue 14): an attacker on the path (test/interop/udp-relay.ts)
 * holds the exchange in each state in turn and sends, with a valid CRC-32C and the genuine
 * sender's SSRC, forged copies of every message type to both endpoints. A repeat that differs
 * from the copy the victim stored must be dropped and counted, never fatal (bzrtp: "unmatching
 * packet repetition"); the session must end secure with exactly the keys of a clean run.
 *
 * Alice (commit 'eager') is the initiator, Bob (commit 'wait') the responder; both draw their
 * randomness from seeded PRNGs, so a clean in-memory run with the same seeds gives the keys
 * the attacked run must reach. The relay renumbers what it delivers (ZRTP sequence numbers are
 * not authenticated, §5), so its injections never collide with the genuine packets' numbers.
 *
 * What is injected into a victim V in a state: for every kind V already received from its peer,
 * the genuine message with one flipped bit (last byte: a MAC or ciphertext byte) and the same
 * kind from another call (other chain, keys, ZID-bound values); for kinds V never receives in
 * its role, the one from another call; an Error once secure. NOT injected: a kind V still waits
 * for, because a forgery arriving before the genuine message is a FIRST message, not a repeat —
 * its checks are the §9 chain (dropped if they fail) or, for a Confirm, the confirm_mac (Error
 * 0x70, RFC 6189 §5.9), and before secure an injected Error ends the exchange anyway (§5.9), as
 * the positive control at the end shows.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryRetainedSecretCache } from '../../../src/zrtp/cache/memory-cache.ts';
import type { ZrtpError } from '../../../src/zrtp/errors.ts';
import { decodeMessage, encodeMessage, type ZrtpMessage } from '../../../src/zrtp/messages/index.ts';
import { decodePacket, encodePacket } from '../../../src/zrtp/packet.ts';
import { ZrtpSession, type ZrtpInputStats, type ZrtpSecureResult, type ZrtpState } from '../../../src/zrtp/session.ts';
import { systemScheduler } from '../../../src/zrtp/transport/scheduler.ts';
import { UdpPacketTransport } from '../../../src/zrtp/transport/udp-packets.ts';
import { startUdpRelay, type RelayDirection, type UdpRelay } from '../../interop/udp-relay.ts';
import { freePorts } from '../../support/ports.ts';
import { handshake, hex, makeEndpoint, seededRandom, zidOf } from '../support/harness.ts';

type Kind = ZrtpMessage['type'];
const SEED = { alice: 11, bob: 12 } as const;
/** What each role receives from its peer in this exchange (Alice initiator, Bob responder). */
const RECEIVES: Record<'alice' | 'bob', readonly Kind[]> = {
  alice: ['Hello', 'HelloACK', 'DHPart1', 'Confirm1', 'Conf2ACK'],
  bob: ['Hello', 'HelloACK', 'Commit', 'DHPart2', 'Confirm2'],
};
const KINDS: readonly Kind[] = ['Hello', 'HelloACK', 'Commit', 'DHPart1', 'DHPart2', 'Confirm1', 'Confirm2', 'Conf2ACK', 'ErrorACK', 'GoClear'];
const STORED_KINDS = new Set<Kind>(['Hello', 'Commit', 'DHPart1', 'DHPart2', 'Confirm1', 'Confirm2']);

const cleanups: (() => void | Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Every message kind from a different call (other seeds): same shapes, other contents. */
async function otherCallMessages(): Promise<Map<Kind, Uint8Array>> {
  const a = makeEndpoint({ name: 'alice', seed: 901 });
  const b = makeEndpoint({ name: 'bob', seed: 902, commit: 'wait' });
  await handshake(a, b);
  const all = new Map<Kind, Uint8Array>();
  for (const m of [...a.outbound.log, ...b.outbound.log]) {
    const type = decodeMessage(m).type;
    if (!all.has(type)) all.set(type, m);
  }
  all.set('ErrorACK', encodeMessage({ type: 'ErrorACK' }));
  all.set('GoClear', encodeMessage({ type: 'GoClear', clearMac: new Uint8Array(8).fill(7) }));
  all.set('Error', encodeMessage({ type: 'Error', code: 0x70 }));
  return all;
}

async function cleanRunKeys(): Promise<Record<'alice' | 'bob', ZrtpSecureResult>> {
  const a = makeEndpoint({ name: 'alice', seed: SEED.alice });
  const b = makeEndpoint({ name: 'bob', seed: SEED.bob, commit: 'wait' });
  await handshake(a, b);
  return { alice: a.secure!, bob: b.secure! };
}

interface Victim {
  name: 'alice' | 'bob';
  session: ZrtpSession;
  transport: UdpPacketTransport;
  secure: ZrtpSecureResult | null;
  errors: ZrtpError[];
  /** Datagrams the attacker sent to this victim, by hex, with what they were. */
  forged: Map<string, { kind: Kind; variant: 'flipped' | 'other-call' }>;
  /** One line per forged datagram the victim's socket received: state, kind, what the engine did. */
  outcomes: { state: ZrtpState; kind: Kind; variant: string; effect: string; stateAfter: ZrtpState }[];
}

async function udpVictim(name: 'alice' | 'bob', port: number, relayPort: number): Promise<Victim> {
  const socket: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
  const transport = new UdpPacketTransport({ ssrc: port, scheduler: systemScheduler(), send: (p) => socket.send(p, relayPort, '127.0.0.1') });
  const v: Victim = { name, session: undefined as unknown as ZrtpSession, transport, secure: null, errors: [], forged: new Map(), outcomes: [] };
  v.session = new ZrtpSession({
    zid: zidOf(name),
    cache: new MemoryRetainedSecretCache(),
    random: seededRandom(SEED[name]),
    ...(name === 'bob' ? { commit: 'wait' as const } : {}),
    delegate: {
      ...transport.sessionDelegate,
      onSecure: (r) => (v.secure = r),
      onError: (e) => v.errors.push(e),
    },
  });
  transport.attach(v.session);
  socket.on('message', (datagram) => {
    const bytes = new Uint8Array(datagram);
    const forged = v.forged.get(hex(bytes));
    if (!forged) return transport.receivePacket(bytes);
    const state = v.session.state;
    const before = v.session.inputStats;
    const transportDropsBefore = transport.stats.droppedDuplicate + transport.stats.droppedForeignSsrc + transport.stats.droppedMalformed;
    transport.receivePacket(bytes);
    const transportDrops = transport.stats.droppedDuplicate + transport.stats.droppedForeignSsrc + transport.stats.droppedMalformed - transportDropsBefore;
    v.outcomes.push({ state, kind: forged.kind, variant: forged.variant, effect: transportDrops ? 'transport-drop' : effectOf(before, v.session.inputStats), stateAfter: v.session.state });
  });
  cleanups.push(() => transport.close(), () => new Promise<void>((r) => socket.close(() => r())));
  return v;
}

/** The one counter a message moved: 'repeated' or 'dropped:<reason>' ('none' if nothing counted it). */
function effectOf(before: ZrtpInputStats, after: ZrtpInputStats): string {
  const moved: string[] = [];
  if (after.repeated !== before.repeated) moved.push('repeated');
  for (const [reason, n] of Object.entries(after.dropped)) if (n !== before.dropped[reason as keyof typeof before.dropped]) moved.push(`dropped:${reason}`);
  return moved.join('+') || 'none';
}

async function until(what: string, predicate: () => boolean, ms = 4000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The on-path attacker: holds message kinds, renumbers deliveries, remembers what it forwarded. */
async function attacker(ports: { relayA: number; relayB: number; peerA: number; peerB: number }) {
  const hold: Record<RelayDirection, Set<string>> = { 'a->b': new Set(), 'b->a': new Set() };
  const next: Record<RelayDirection, number> = { 'a->b': 1, 'b->a': 1 };
  const ssrc: Record<RelayDirection, number | null> = { 'a->b': null, 'b->a': null };
  const forwarded: Record<RelayDirection, Map<Kind, Uint8Array>> = { 'a->b': new Map(), 'b->a': new Map() };
  const seenHeld: Record<RelayDirection, Set<string>> = { 'a->b': new Set(), 'b->a': new Set() };
  const renumber = (d: RelayDirection, message: Uint8Array, s: number) => {
    const out = encodePacket({ sequence: next[d], ssrc: s, message });
    next[d] = (next[d] + 1) & 0xffff || 1;
    return out;
  };
  const relay: UdpRelay = await startUdpRelay(ports, (d, datagram) => {
    const p = decodePacket(datagram);
    const type = decodeMessage(p.message).type;
    ssrc[d] = p.ssrc;
    if (hold[d].has(type)) {
      seenHeld[d].add(type);
      return null;
    }
    if (!forwarded[d].has(type)) forwarded[d].set(type, p.message.slice());
    return renumber(d, p.message, p.ssrc);
  });
  cleanups.push(() => relay.close());
  return {
    hold,
    seenHeld,
    forwarded,
    relay,
    /** A forged datagram toward the victim `d` points at, numbered to be accepted. */
    forge: (d: RelayDirection, message: Uint8Array) => renumber(d, message, ssrc[d]!),
  };
}

describe('forged repeats over UDP: dropped and counted, never fatal, keys unchanged', () => {
  it('every message type, forged, into every state of both roles', async () => {
    const [clean, other] = await Promise.all([cleanRunKeys(), otherCallMessages()]);
    const [pa, pb, ra, rb] = (await freePorts(4)) as [number, number, number, number];
    const mitm = await attacker({ relayA: ra, relayB: rb, peerA: pa, peerB: pb });
    const alice = await udpVictim('alice', pa, ra);
    const bob = await udpVictim('bob', pb, rb);
    const into = { alice: 'b->a', bob: 'a->b' } as const;

    /** Sends the forgeries for `v`'s current state and waits until its socket has seen them all. */
    const injectInto = async (v: Victim, opts: { error?: boolean } = {}) => {
      const d = into[v.name];
      const received = mitm.forwarded[d];
      const batch: { kind: Kind; variant: 'flipped' | 'other-call'; message: Uint8Array }[] = [];
      for (const kind of KINDS) {
        const expected = RECEIVES[v.name].includes(kind);
        if (expected && !received.has(kind)) continue; // a first message, not a repeat (see the header)
        const genuine = received.get(kind);
        if (genuine && STORED_KINDS.has(kind)) {
          const flipped = genuine.slice();
          flipped[flipped.length - 1]! ^= 1;
          batch.push({ kind, variant: 'flipped', message: flipped });
        }
        batch.push({ kind, variant: 'other-call', message: genuine && !STORED_KINDS.has(kind) ? genuine : other.get(kind)! });
      }
      if (opts.error) batch.push({ kind: 'Error', variant: 'other-call', message: other.get('Error')! });
      const expectedOutcomes = v.outcomes.length + batch.length;
      for (const f of batch) {
        const datagram = mitm.forge(d, f.message);
        v.forged.set(hex(datagram), { kind: f.kind, variant: f.variant });
        mitm.relay.inject(d, datagram);
      }
      await until(`${v.name} to receive ${batch.length} forgeries`, () => v.outcomes.length === expectedOutcomes);
    };

    const phase = async (holds: Partial<Record<RelayDirection, string[]>>, target: [ZrtpState, ZrtpState], extra: () => boolean = () => true) => {
      for (const d of ['a->b', 'b->a'] as const) {
        mitm.hold[d].clear();
        for (const t of holds[d] ?? []) mitm.hold[d].add(t);
      }
      await until(`alice ${target[0]} / bob ${target[1]}`, () => alice.session.state === target[0] && bob.session.state === target[1] && extra());
      const secureNow = (v: Victim) => v.session.state === 'secure';
      await injectInto(alice, { error: secureNow(alice) });
      await injectInto(bob, { error: secureNow(bob) });
    };

    // Hellos through, HelloACKs held: both in discovery with the peer's Hello stored.
    mitm.hold['a->b'].add('HelloACK');
    mitm.hold['b->a'].add('HelloACK');
    alice.session.start();
    bob.session.start();
    await phase({ 'a->b': ['HelloACK'], 'b->a': ['HelloACK'] }, ['discovery', 'discovery'], () => mitm.seenHeld['a->b'].has('HelloACK') && mitm.seenHeld['b->a'].has('HelloACK'));
    await phase({ 'a->b': ['Commit'] }, ['initiator-sent-commit', 'waiting-commit']);
    await phase({ 'b->a': ['DHPart1'] }, ['initiator-sent-commit', 'responder-sent-dhpart1']);
    await phase({ 'a->b': ['DHPart2'] }, ['initiator-sent-dhpart2', 'responder-sent-dhpart1']);
    await phase({ 'b->a': ['Confirm1'] }, ['initiator-sent-dhpart2', 'responder-sent-confirm1']);
    await phase({ 'a->b': ['Confirm2'] }, ['initiator-sent-confirm2', 'responder-sent-confirm1']);
    await phase({ 'b->a': ['Conf2ACK'] }, ['initiator-sent-confirm2', 'secure']);
    await phase({}, ['secure', 'secure']);

    const rows = [...alice.outcomes.map((o) => ({ who: 'alice' as const, ...o })), ...bob.outcomes.map((o) => ({ who: 'bob' as const, ...o }))];
    // The matrix for the record: per victim and state, what the engine counted for the forgeries.
    const summary = new Map<string, Map<string, number>>();
    for (const r of rows) {
      const key = `${r.who} ${r.state}`;
      const m = summary.get(key) ?? new Map<string, number>();
      m.set(r.effect, (m.get(r.effect) ?? 0) + 1);
      summary.set(key, m);
    }
    console.log([...summary].map(([k, m]) => `${k.padEnd(30)} ${[...m].map(([e, n]) => `${e} ${n}`).join(', ')}`).join('\n'));

    // Positive control: every forgery reached the engine and moved exactly one of its counters.
    for (const r of rows) expect(r.effect, `${r.who} ${r.state} ${r.kind}`).toMatch(/^(repeated|dropped:[a-z-]+)$/);
    // Never fatal, never a state change, and a differing copy of a stored kind is an unmatched repetition.
    for (const r of rows) {
      expect(r.stateAfter, `${r.who} ${r.state} ${r.kind} ${r.variant}`).toBe(r.state);
      // A stored kind the victim receives in its role was injected only once it held the genuine copy.
      if (STORED_KINDS.has(r.kind) && RECEIVES[r.who].includes(r.kind)) expect(r.effect, `${r.who} ${r.state} ${r.kind}`).toBe('dropped:unmatched-repetition');
      if (r.kind === 'Error') expect(r.effect).toBe('dropped:error-after-secure');
    }
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
    // Every live state of both roles was attacked.
    expect(new Set(alice.outcomes.map((o) => o.state))).toEqual(new Set(['discovery', 'initiator-sent-commit', 'initiator-sent-dhpart2', 'initiator-sent-confirm2', 'secure']));
    expect(new Set(bob.outcomes.map((o) => o.state))).toEqual(new Set(['discovery', 'waiting-commit', 'responder-sent-dhpart1', 'responder-sent-confirm1', 'secure']));
    // Keys: exactly those of the clean run (SAS, both SRTP directions, exported key), still intact.
    for (const v of [alice, bob]) {
      const want = clean[v.name];
      expect(v.session.state).toBe('secure');
      expect(v.secure!.sas).toBe(want.sas);
      expect(hex(v.secure!.srtp.initiator.key) + hex(v.secure!.srtp.initiator.salt)).toBe(hex(want.srtp.initiator.key) + hex(want.srtp.initiator.salt));
      expect(hex(v.secure!.srtp.responder.key) + hex(v.secure!.srtp.responder.salt)).toBe(hex(want.srtp.responder.key) + hex(want.srtp.responder.salt));
      expect(hex(v.secure!.exportedKey)).toBe(hex(want.exportedKey));
    }
    const unmatched = rows.filter((r) => r.effect === 'dropped:unmatched-repetition').length;
    console.log(`forged datagrams: ${rows.length} (alice ${alice.outcomes.length}, bob ${bob.outcomes.length}); unmatched repetitions: ${unmatched}`);
    expect(unmatched).toBeGreaterThanOrEqual(40);
  }, 60_000);

  it('positive control: the same injection path ends an exchange in progress with a forged Error (§5.9)', async () => {
    const [pa, pb, ra, rb] = (await freePorts(4)) as [number, number, number, number];
    const mitm = await attacker({ relayA: ra, relayB: rb, peerA: pa, peerB: pb });
    const alice = await udpVictim('alice', pa, ra);
    const bob = await udpVictim('bob', pb, rb);
    mitm.hold['a->b'].add('Commit');
    alice.session.start();
    bob.session.start();
    await until('bob waiting-commit', () => bob.session.state === 'waiting-commit');
    const datagram = mitm.forge('a->b', encodeMessage({ type: 'Error', code: 0x70 }));
    bob.forged.set(hex(datagram), { kind: 'Error', variant: 'other-call' });
    mitm.relay.inject('a->b', datagram);
    await until('bob to receive the forged Error', () => bob.outcomes.length === 1);
    expect(bob.session.state).toBe('failed');
    expect(bob.errors.map((e) => [e.code, e.protocolCode])).toEqual([['SUSURRO_ZRTP_PEER_ERROR', 0x70]]);
  }, 30_000);
});
