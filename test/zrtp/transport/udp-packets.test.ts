/**
 * UdpPacketTransport: §5 framing through packet.ts, sequence numbers, SSRC, duplicate and
 * corruption handling, and the §6 T1/T2 timers on a simulated clock; full handshakes under
 * seeded packet loss, and clean timeouts when the peer is absent or goes silent.
 */
import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket } from '../../../src/zrtp/packet.ts';
import { decodeMessage, encodeMessage } from '../../../src/zrtp/messages/index.ts';
import { retransmitDelay, TIMER_POLICY } from '../../../src/zrtp/transport/retransmission.ts';
import { UdpPacketTransport } from '../../../src/zrtp/transport/udp-packets.ts';
import { hex, makeEndpoint, prng, runUntilQuiet, settle, SimClock } from '../support/harness.ts';

const typeOfPacket = (p: Uint8Array) => decodeMessage(decodePacket(p).message).type;

describe('§6 timer policy', () => {
  it('T1: 50 ms doubling to 200 ms, 20 retransmissions; T2: 150 ms doubling to 1200 ms, 10', () => {
    expect([1, 2, 3, 4, 20].map((n) => retransmitDelay('T1', n))).toEqual([50, 100, 200, 200, 200]);
    expect([1, 2, 3, 4, 5, 10].map((n) => retransmitDelay('T2', n))).toEqual([150, 300, 600, 1200, 1200, 1200]);
    expect(TIMER_POLICY.T1.maxRetransmissions).toBe(20);
    expect(TIMER_POLICY.T2.maxRetransmissions).toBe(10);
  });
});

describe('UdpPacketTransport in isolation', () => {
  function rig() {
    const clock = new SimClock();
    const sent: Uint8Array[] = [];
    const received: Uint8Array[] = [];
    let timeouts = 0;
    const t = new UdpPacketTransport({ ssrc: 0xdeadbeef, send: (p) => sent.push(p), scheduler: clock, initialSequence: 0xfffe });
    t.attach({ receive: (m) => received.push(m), timeout: () => timeouts++ });
    return { clock, sent, received, t, timeouts: () => timeouts };
  }
  const helloAck = encodeMessage({ type: 'HelloACK' });
  const conf2Ack = encodeMessage({ type: 'Conf2ACK' });

  it('frames each send with a fresh sequence number (wrapping) and our SSRC', () => {
    const r = rig();
    r.t.sessionDelegate.onSend(helloAck, null);
    r.t.sessionDelegate.onSend(conf2Ack, null);
    r.t.sessionDelegate.onSend(helloAck, null);
    expect(r.sent.map((p) => decodePacket(p).sequence)).toEqual([0xfffe, 0xffff, 0]);
    expect(r.sent.every((p) => decodePacket(p).ssrc === 0xdeadbeef)).toBe(true);
    expect(r.clock.pending).toBe(0); // null = send once
  });

  it('retransmits a timed message with new sequence numbers until the count runs out, then times out', () => {
    const r = rig();
    r.t.sessionDelegate.onSend(conf2Ack, 'T2');
    while (r.clock.fireNext());
    expect(r.sent).toHaveLength(11); // first transmission + 10 retransmissions (§6)
    expect(new Set(r.sent.map((p) => decodePacket(p).sequence)).size).toBe(11);
    expect(r.clock.now).toBe(150 + 300 + 600 + 1200 * 8);
    expect(r.timeouts()).toBe(1);
  });

  it('an untimed send keeps the running retransmission; a timed one replaces it; stop cancels', () => {
    const r = rig();
    r.t.sessionDelegate.onSend(conf2Ack, 'T1');
    r.t.sessionDelegate.onSend(helloAck, null);
    r.clock.fireNext();
    expect(r.sent.map(typeOfPacket)).toEqual(['Conf2ACK', 'HelloACK', 'Conf2ACK']);
    r.t.sessionDelegate.onSend(helloAck, 'T2');
    r.clock.fireNext();
    expect(r.sent.map(typeOfPacket).slice(3)).toEqual(['HelloACK', 'HelloACK']);
    r.t.sessionDelegate.onStopRetransmit();
    expect(r.clock.pending).toBe(0);
    expect(r.timeouts()).toBe(0);
  });

  it('drops corrupted packets, duplicates, old sequence numbers and foreign SSRCs', () => {
    const r = rig();
    const p = (sequence: number, ssrc = 7, message = helloAck) => encodePacket({ sequence, ssrc, message });
    r.t.receivePacket(p(10));
    r.t.receivePacket(p(10)); // network duplicate
    r.t.receivePacket(p(9)); // older
    const bad = p(11);
    bad[14]! ^= 1; // CRC no longer matches
    r.t.receivePacket(bad);
    r.t.receivePacket(p(12, 8)); // another SSRC
    r.t.receivePacket(new Uint8Array(5));
    r.t.receivePacket(p(13));
    r.t.receivePacket(p(0x8000 + 13)); // half the sequence space ahead = behind (RFC 1982)
    expect(r.received).toHaveLength(2);
    expect(r.t.stats).toMatchObject({ received: 2, droppedDuplicate: 3, droppedMalformed: 2, droppedForeignSsrc: 1 });
  });

  it('close() stops timers and ignores later traffic', () => {
    const r = rig();
    r.t.sessionDelegate.onSend(conf2Ack, 'T1');
    r.t.close();
    expect(r.clock.pending).toBe(0);
    r.t.sessionDelegate.onSend(conf2Ack, null);
    r.t.receivePacket(encodePacket({ sequence: 1, ssrc: 1, message: helloAck }));
    expect(r.sent).toHaveLength(1);
    expect(r.received).toHaveLength(0);
  });

  it('validates its options', () => {
    const clock = new SimClock();
    expect(() => new UdpPacketTransport({ ssrc: -1, send: () => {}, scheduler: clock })).toThrow(RangeError);
    expect(() => new UdpPacketTransport({ ssrc: 1, send: 5 as never, scheduler: clock })).toThrow(TypeError);
    expect(() => new UdpPacketTransport({ ssrc: 1, send: () => {}, scheduler: {} as never })).toThrow(TypeError);
  });
});

describe('handshakes over UDP packets on a simulated clock', () => {
  it('completes without loss, with CRC-framed packets and sequential numbers', async () => {
    const clock = new SimClock();
    const a = makeEndpoint({ name: 'alice', mode: 'packet', clock, ssrc: 0x11111111 });
    const b = makeEndpoint({ name: 'bob', mode: 'packet', clock, ssrc: 0x22222222 });
    a.session.start();
    b.session.start();
    await runUntilQuiet(a, b, clock);
    expect(a.secure!.sas).toBe(b.secure!.sas);
    expect(a.outbound.log.every((p) => decodePacket(p).ssrc === 0x11111111)).toBe(true);
    const seqs = a.outbound.log.map((p) => decodePacket(p).sequence);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // from 1: bzrtp drops a packet numbered 0
    expect(clock.pending).toBe(0);
  });

  it('completes under 20% seeded loss in both directions (20 seeds)', async () => {
    let dropped = 0;
    let retransmitted = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const clock = new SimClock();
      const a = makeEndpoint({ name: 'alice', mode: 'packet', clock });
      const b = makeEndpoint({ name: 'bob', mode: 'packet', clock });
      const lose = prng(seed);
      const tap = (bytes: Uint8Array) => (lose() < 0.2 ? (dropped++, null) : bytes);
      a.outbound.tap = tap;
      b.outbound.tap = tap;
      a.session.start();
      b.session.start();
      await runUntilQuiet(a, b, clock, 20_000);
      expect(a.errors, `seed ${seed}`).toEqual([]);
      expect(b.errors, `seed ${seed}`).toEqual([]);
      expect(a.secure!.sas, `seed ${seed}`).toBe(b.secure!.sas);
      expect(hex(a.secure!.srtp.initiator.key)).toBe(hex(b.secure!.srtp.initiator.key));
      retransmitted += a.transport!.stats.retransmitted + b.transport!.stats.retransmitted;
    }
    // The loss really happened and was repaired by §6 retransmissions.
    expect(dropped).toBeGreaterThan(20);
    expect(retransmitted).toBeGreaterThan(20);
  });

  it('duplicated packets in flight change nothing', async () => {
    const clock = new SimClock();
    const a = makeEndpoint({ name: 'alice', mode: 'packet', clock });
    const b = makeEndpoint({ name: 'bob', mode: 'packet', clock });
    for (const e of [a, b]) {
      e.outbound.tap = (bytes) => {
        e.outbound.queue.push(bytes.slice()); // every packet arrives twice
        return bytes;
      };
    }
    a.session.start();
    b.session.start();
    await runUntilQuiet(a, b, clock);
    expect(a.secure!.sas).toBe(b.secure!.sas);
    expect(a.transport!.stats.droppedDuplicate).toBeGreaterThan(0);
  });

  it('absent peer: Hello is sent 1 + 20 times on T1, then a clean TIMEOUT after 3.95 s', async () => {
    const clock = new SimClock();
    const a = makeEndpoint({ name: 'alice', mode: 'packet', clock });
    a.session.start();
    while (clock.fireNext()) await settle();
    expect(a.outbound.log.map(typeOfPacket)).toEqual(Array(21).fill('Hello'));
    expect(clock.now).toBe(50 + 100 + 200 * 19);
    expect(a.errors.map((e) => e.code)).toEqual(['SUSURRO_ZRTP_TIMEOUT']);
    expect(a.session.state).toBe('failed');
  });

  it('peer goes silent after the Hellos: Commit is sent 1 + 10 times on T2, then TIMEOUT', async () => {
    const clock = new SimClock();
    const a = makeEndpoint({ name: 'alice', mode: 'packet', clock });
    const b = makeEndpoint({ name: 'bob', mode: 'packet', clock, commit: 'wait' });
    let silent = false;
    b.outbound.tap = (bytes) => (silent ? null : bytes);
    a.outbound.tap = (bytes) => {
      if (typeOfPacket(bytes) === 'Commit') silent = true; // Bob crashes as the Commit leaves
      return silent ? null : bytes;
    };
    a.session.start();
    b.session.start();
    await runUntilQuiet(a, b, clock);
    expect(a.outbound.log.map(typeOfPacket).filter((t) => t === 'Commit')).toHaveLength(11);
    expect(a.errors.map((e) => e.code)).toEqual(['SUSURRO_ZRTP_TIMEOUT']);
    expect(b.secure).toBeNull();
  });

  it('an Error is retransmitted on T2 until ErrorACK; without an ACK it stops after 1 + 10 sends', async () => {
    for (const peerAcks of [true, false]) {
      const clock = new SimClock();
      const a = makeEndpoint({ name: 'alice', mode: 'packet', clock });
      const b = makeEndpoint({ name: 'bob', mode: 'packet', clock, zid: a.zid }); // equal ZIDs: Error 0x90
      if (!peerAcks) b.outbound.tap = (bytes) => (typeOfPacket(bytes) === 'ErrorACK' ? null : bytes);
      a.session.start();
      b.session.start();
      await runUntilQuiet(a, b, clock);
      while (clock.fireNext()) await settle();
      const errorsFrom = (e: typeof a) => e.outbound.log.map(typeOfPacket).filter((t) => t === 'Error').length;
      // Both detect the equal ZID and send Error 0x90. Alice's ErrorACK always reaches Bob, so
      // Bob sends his once; Alice's is ACKed at once, or (Bob's ACKs lost) sent 1 + 10 times.
      expect(errorsFrom(b)).toBe(1);
      expect(errorsFrom(a)).toBe(peerAcks ? 1 : 11);
      expect(a.errors).toHaveLength(1);
      expect(b.errors).toHaveLength(1);
      expect(clock.pending).toBe(0);
    }
  });
});

describe('Ping (§5.15, §5.16)', () => {
  it('is answered with PingACK carrying both endpoint hashes and the Ping packet SSRC, and never reaches the session', () => {
    const clock = new SimClock();
    const sent: Uint8Array[] = [];
    const received: Uint8Array[] = [];
    const ours = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const t = new UdpPacketTransport({ ssrc: 9, send: (p) => sent.push(p), scheduler: clock, endpointHash: ours });
    t.attach({ receive: (m) => received.push(m), timeout: () => undefined });
    const theirs = new Uint8Array(8).fill(0xab);
    t.receivePacket(encodePacket({ sequence: 5, ssrc: 0x12345678, message: encodeMessage({ type: 'Ping', version: '1.10', endpointHash: theirs }) }));
    expect(received).toHaveLength(0);
    expect(sent).toHaveLength(1);
    const ack = decodeMessage(decodePacket(sent[0]!).message);
    expect(ack).toEqual({ type: 'PingACK', version: '1.10', senderEndpointHash: ours, receivedEndpointHash: theirs, ssrc: 0x12345678 });
    expect(() => new UdpPacketTransport({ ssrc: 9, send: () => {}, scheduler: clock, endpointHash: new Uint8Array(7) })).toThrow(RangeError);
  });
});
