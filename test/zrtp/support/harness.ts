/**
 * Two (or more) ZRTP endpoints over in-memory links with a simulated clock, in the spirit of
 * bzrtp's test/bzrtpConfigsTest.c (Alice and Bob over queues, msSTC) but with seeded loss.
 *
 * - `SimClock` is a Scheduler whose time only moves when the test says so.
 * - `makeEndpoint` builds a session wired either directly (message mode: every onSend goes to
 *   the link; retransmission requests are recorded, not acted upon) or through a real
 *   UdpPacketTransport (packet mode: §5 framing, CRC, §6 timers on the SimClock).
 * - `Link` carries messages one way; a `tap` may drop, alter or replace each one.
 * - `runUntilQuiet` delivers messages, lets cache promises settle and advances the clock.
 */
import { MemoryRetainedSecretCache } from '../../../src/zrtp/cache/memory-cache.ts';
import type { RetainedSecretCache } from '../../../src/zrtp/cache/retained-secret-cache.ts';
import type { AlgorithmPreferences } from '../../../src/zrtp/algorithms.ts';
import type { AsyncKeyAgreementPrimitives, KeyAgreementPrimitives } from '../../../src/zrtp/crypto/key-agreement.ts';
import type { ZrtpError } from '../../../src/zrtp/errors.ts';
import { ZrtpSession, type ZrtpSecureResult, type ZrtpState } from '../../../src/zrtp/session.ts';
import type { Scheduler } from '../../../src/zrtp/transport/scheduler.ts';
import { UdpPacketTransport } from '../../../src/zrtp/transport/udp-packets.ts';

/** Deterministic PRNG (mulberry32): seeded loss and seeded "randomness" for reproducible runs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded byte source in the shape of ZrtpSessionOptions.random (tests only!). */
export function seededRandom(seed: number): (n: number) => Uint8Array {
  const next = prng(seed);
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
    return out;
  };
}

export class SimClock implements Scheduler {
  now = 0;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** Fires the earliest timer (advancing time to it); false if none. */
  fireNext(): boolean {
    let best: [number, { at: number; fn: () => void }] | null = null;
    for (const e of this.#timers) if (!best || e[1].at < best[1].at) best = e;
    if (!best) return false;
    this.#timers.delete(best[0]);
    this.now = Math.max(this.now, best[1].at);
    best[1].fn();
    return true;
  }
}

export type Tap = (bytes: Uint8Array, index: number) => Uint8Array | null;

/** One direction of a link: a FIFO of datagrams/messages with an optional tap. */
export class Link {
  readonly queue: Uint8Array[] = [];
  readonly log: Uint8Array[] = [];
  tap: Tap | null = null;
  #count = 0;

  push(bytes: Uint8Array): void {
    this.log.push(bytes.slice()); // what the endpoint sent, before any tampering
    const copy = bytes.slice();
    const out = this.tap ? this.tap(copy, this.#count) : copy;
    this.#count++;
    if (out) this.queue.push(out);
  }
}

export interface EndpointOptions {
  name: string;
  zid?: Uint8Array;
  cache?: RetainedSecretCache;
  preferences?: Partial<AlgorithmPreferences>;
  auxSecret?: Uint8Array;
  peerHelloHash?: string;
  commit?: 'eager' | 'wait';
  /** 'message': data-channel style; 'packet': real UdpPacketTransport on the SimClock. */
  mode?: 'message' | 'packet';
  clock?: SimClock;
  ssrc?: number;
  seed?: number;
  keyAgreementPrimitives?: KeyAgreementPrimitives;
  asyncKeyAgreementPrimitives?: AsyncKeyAgreementPrimitives;
  cacheExpirySeconds?: number;
}

export interface Endpoint {
  name: string;
  session: ZrtpSession;
  cache: RetainedSecretCache;
  zid: Uint8Array;
  outbound: Link;
  transport: UdpPacketTransport | null;
  secure: ZrtpSecureResult | null;
  errors: ZrtpError[];
  states: ZrtpState[];
  retransmitRequests: ('T1' | 'T2' | null)[];
  /** Every onDropped(reason, messageType) the session reported. */
  drops: [string, string | null][];
  /** Deliver one inbound item (a message, or a packet in packet mode). */
  deliver(bytes: Uint8Array): void;
}

export function zidOf(name: string): Uint8Array {
  const z = new Uint8Array(12);
  for (let i = 0; i < 12; i++) z[i] = (name.charCodeAt(i % name.length) + i * 17) & 0xff;
  return z;
}

export function makeEndpoint(opts: EndpointOptions): Endpoint {
  const outbound = new Link();
  const cache = opts.cache ?? new MemoryRetainedSecretCache();
  const zid = opts.zid ?? zidOf(opts.name);
  const mode = opts.mode ?? 'message';
  const clock = opts.clock ?? new SimClock();
  const transport =
    mode === 'packet'
      ? new UdpPacketTransport({ ssrc: opts.ssrc ?? 0x1000 + zid[0]!, send: (p) => outbound.push(p), scheduler: clock })
      : null;
  const ep: Endpoint = {
    name: opts.name,
    session: undefined as unknown as ZrtpSession,
    cache,
    zid,
    outbound,
    transport,
    secure: null,
    errors: [],
    states: [],
    retransmitRequests: [],
    drops: [],
    deliver: () => undefined,
  };
  const random = opts.seed === undefined ? undefined : seededRandom(opts.seed);
  ep.session = new ZrtpSession({
    zid,
    cache,
    ...(opts.preferences ? { preferences: opts.preferences } : {}),
    ...(opts.auxSecret ? { auxSecret: opts.auxSecret } : {}),
    ...(opts.peerHelloHash ? { peerHelloHash: opts.peerHelloHash } : {}),
    ...(opts.commit ? { commit: opts.commit } : {}),
    ...(random ? { random } : {}),
    ...(opts.keyAgreementPrimitives ? { keyAgreementPrimitives: opts.keyAgreementPrimitives } : {}),
    ...(opts.asyncKeyAgreementPrimitives ? { asyncKeyAgreementPrimitives: opts.asyncKeyAgreementPrimitives } : {}),
    ...(opts.cacheExpirySeconds !== undefined ? { cacheExpirySeconds: opts.cacheExpirySeconds } : {}),
    now: () => clock.now,
    delegate: {
      onSend(message, retransmit) {
        ep.retransmitRequests.push(retransmit);
        if (transport) transport.sessionDelegate.onSend(message, retransmit);
        else outbound.push(message);
      },
      onStopRetransmit() {
        transport?.sessionDelegate.onStopRetransmit();
      },
      onSecure(result) {
        ep.secure = result;
      },
      onError(error) {
        ep.errors.push(error);
      },
      onStateChange(state) {
        ep.states.push(state);
      },
      onDropped(reason, messageType) {
        ep.drops.push([reason, messageType]);
      },
    },
  });
  if (transport) {
    transport.attach(ep.session);
    ep.deliver = (b) => transport.receivePacket(b);
  } else {
    ep.deliver = (b) => ep.session.receive(b);
  }
  return ep;
}

/** Lets promise callbacks (cache reads/writes) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * Delivers queued items between `a` and `b` (a.outbound -> b, b.outbound -> a), settling
 * promises, and when nothing is in flight fires the next timer. Bounded in steps.
 */
export async function runUntilQuiet(a: Endpoint, b: Endpoint, clock?: SimClock, maxSteps = 5000): Promise<void> {
  for (let step = 0; step < maxSteps; step++) {
    const fromA = a.outbound.queue.shift();
    if (fromA) {
      b.deliver(fromA);
      continue;
    }
    const fromB = b.outbound.queue.shift();
    if (fromB) {
      a.deliver(fromB);
      continue;
    }
    await settle();
    if (a.outbound.queue.length || b.outbound.queue.length) continue;
    const done = (e: Endpoint) => e.secure !== null || e.errors.length > 0;
    if (done(a) && done(b)) {
      await Promise.all([a.session.idle(), b.session.idle()]);
      return;
    }
    if (!clock || !clock.fireNext()) {
      await Promise.all([a.session.idle(), b.session.idle()]);
      await settle();
      if (!a.outbound.queue.length && !b.outbound.queue.length) return;
    }
  }
  throw new Error('runUntilQuiet: step bound reached');
}

/** Start both and run the exchange to completion. */
export async function handshake(a: Endpoint, b: Endpoint, clock?: SimClock): Promise<void> {
  a.session.start();
  b.session.start();
  await runUntilQuiet(a, b, clock);
}

export { bytesToHex as hex } from '@noble/hashes/utils.js';
