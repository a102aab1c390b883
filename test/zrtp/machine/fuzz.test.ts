/**
 * Property-based fuzzing of the state machine (fast-check): random, replayed, mutated and
 * truncated message sequences, fed to a lone session or injected into a live exchange. The
 * session must never throw, never hang, report at most one error and only as a ZrtpError with
 * a registered code, keep a known state, and only ever send well-formed messages.
 * Run counts: 10 000 + 400 + 150 cases here (about 15 s of CPU); FUZZ_RUNS=n scales them for a longer soak
 * (e.g. FUZZ_RUNS=200000 npx vitest run test/zrtp/machine/fuzz.test.ts).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryRetainedSecretCache } from '../../../src/zrtp/cache/memory-cache.ts';
import { ZRTP_ERROR_CODES, ZrtpError } from '../../../src/zrtp/errors.ts';
import { decodeMessage, encodeMessage } from '../../../src/zrtp/messages/index.ts';
import { ZrtpSession } from '../../../src/zrtp/session.ts';
import { ZRTP_STATES } from '../../../src/zrtp/states/state.ts';
import { handshake, makeEndpoint, prng, runUntilQuiet, settle, SimClock, zidOf, type Endpoint } from '../support/harness.ts';

const SCALE = Number(process.env.FUZZ_RUNS ?? 0) > 0 ? Number(process.env.FUZZ_RUNS) / 10_000 : 1;
const prefs = { keyAgreement: ['X255' as const] };

/** Valid messages from two real exchanges: what a peer (or an attacker replaying one) sends. */
let pool: Uint8Array[] = [];
beforeAll(async () => {
  for (const seedBase of [100, 200]) {
    const a = makeEndpoint({ name: 'alice', seed: seedBase, preferences: prefs });
    const b = makeEndpoint({ name: 'bob', seed: seedBase + 1, preferences: prefs, commit: 'wait' });
    await handshake(a, b);
    pool.push(...a.outbound.log, ...b.outbound.log);
  }
  pool.push(encodeMessage({ type: 'ErrorACK' }), encodeMessage({ type: 'Ping', version: '1.10', endpointHash: new Uint8Array(8) } as never));
  pool = pool.filter((m) => m.length > 0);
});

type Input =
  | { kind: 'pool'; index: number }
  | { kind: 'mutate'; index: number; position: number; mask: number }
  | { kind: 'truncate'; index: number; keep: number }
  | { kind: 'random'; bytes: Uint8Array }
  | { kind: 'error'; code: number };

const inputArb: fc.Arbitrary<Input> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('pool' as const), index: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('mutate' as const), index: fc.nat(), position: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), index: fc.nat(), keep: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 200 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('error' as const), code: fc.nat(0xffff) }) },
);

function materialise(input: Input): Uint8Array {
  switch (input.kind) {
    case 'pool':
      return pool[input.index % pool.length]!;
    case 'mutate': {
      const m = pool[input.index % pool.length]!.slice();
      m[input.position % m.length]! ^= input.mask;
      return m;
    }
    case 'truncate': {
      const m = pool[input.index % pool.length]!;
      return m.slice(0, input.keep % m.length);
    }
    case 'random':
      return input.bytes;
    case 'error':
      return encodeMessage({ type: 'Error', code: input.code });
  }
}

/** The invariants every session must keep, whatever it was fed. */
function checkInvariants(state: string, errors: unknown[], sent: Uint8Array[]): void {
  expect(ZRTP_STATES).toContain(state);
  expect(errors.length).toBeLessThanOrEqual(1);
  for (const e of errors) {
    expect(e).toBeInstanceOf(ZrtpError);
    expect(ZRTP_ERROR_CODES).toContain((e as ZrtpError).code);
  }
  if (state === 'failed') expect(errors).toHaveLength(1);
  for (const m of sent) expect(() => decodeMessage(m)).not.toThrow();
}

describe('state machine fuzzing', () => {
  it('a lone session fed random/replayed/mutated/truncated sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(inputArb, { minLength: 1, maxLength: 10 }), fc.boolean(), async (inputs, eager) => {
        const errors: unknown[] = [];
        const sent: Uint8Array[] = [];
        const session = new ZrtpSession({
          zid: zidOf('carol'),
          cache: new MemoryRetainedSecretCache(),
          preferences: prefs,
          commit: eager ? 'eager' : 'wait',
          delegate: { onSend: (m) => sent.push(m), onError: (e) => errors.push(e) },
        });
        for (const input of inputs) {
          expect(() => session.receive(materialise(input))).not.toThrow();
          if (input.kind === 'pool') await session.idle(); // let the cache read finish sometimes
        }
        await session.idle();
        await session.idle();
        checkInvariants(session.state, errors, sent);
      }),
      { numRuns: Math.round(10_000 * SCALE), seed: 6189 },
    );
  }, 120_000);

  it('a live exchange with an adversarial network (drop, duplicate, replay, mutate, inject)', async () => {
    type Action = { op: 'pass' } | { op: 'drop' } | { op: 'dup' } | { op: 'mutate'; position: number; mask: number } | { op: 'inject'; input: Input };
    const actionArb: fc.Arbitrary<Action> = fc.oneof(
      { weight: 8, arbitrary: fc.constant({ op: 'pass' as const }) },
      { weight: 1, arbitrary: fc.constant({ op: 'drop' as const }) },
      { weight: 1, arbitrary: fc.constant({ op: 'dup' as const }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('mutate' as const), position: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('inject' as const), input: inputArb }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 24 }), fc.boolean(), async (actions, bothEager) => {
        const a = makeEndpoint({ name: 'alice', preferences: prefs });
        const b = makeEndpoint({ name: 'bob', preferences: prefs, commit: bothEager ? 'eager' : 'wait' });
        let step = 0;
        const tapFor = (link: Endpoint['outbound']) => (bytes: Uint8Array) => {
          const action = actions[step++ % actions.length]!;
          switch (action.op) {
            case 'pass':
              return bytes;
            case 'drop':
              return null;
            case 'dup':
              link.queue.push(bytes.slice());
              return bytes;
            case 'mutate':
              bytes[action.position % bytes.length]! ^= action.mask;
              return bytes;
            case 'inject':
              link.queue.push(materialise(action.input));
              return bytes;
          }
        };
        a.outbound.tap = tapFor(a.outbound);
        b.outbound.tap = tapFor(b.outbound);
        a.session.start();
        b.session.start();
        await runUntilQuiet(a, b, undefined, 2000);
        await settle();
        for (const e of [a, b]) checkInvariants(e.session.state, e.errors, e.outbound.log);
        if (a.secure && b.secure) {
          // Whatever happened on the way, two "secure" ends agree on everything.
          expect(a.secure.sas).toBe(b.secure.sas);
          expect(Buffer.from(a.secure.srtp.initiator.key).equals(Buffer.from(b.secure.srtp.initiator.key))).toBe(true);
        }
      }),
      { numRuns: Math.round(400 * SCALE), seed: 2026 },
    );
  }, 120_000);

  it('UDP packets with §6 timers under random loss, duplication and corruption: completes or fails cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 30 }), fc.double({ min: 0, max: 0.5, noNaN: true }), async (seed, badness) => {
        const clock = new SimClock();
        const a = makeEndpoint({ name: 'alice', mode: 'packet', clock, preferences: prefs });
        const b = makeEndpoint({ name: 'bob', mode: 'packet', clock, preferences: prefs });
        const rnd = prng(seed);
        const chaos = (link: Endpoint['outbound']) => (bytes: Uint8Array) => {
          const r = rnd();
          if (r < badness / 3) return null; // lost
          if (r < (2 * badness) / 3) link.queue.push(bytes.slice()); // duplicated
          else if (r < badness) bytes[Math.floor(rnd() * bytes.length)]! ^= 1 + Math.floor(rnd() * 255); // corrupted (CRC)
          return bytes;
        };
        a.outbound.tap = chaos(a.outbound);
        b.outbound.tap = chaos(b.outbound);
        a.session.start();
        b.session.start();
        await runUntilQuiet(a, b, clock, 20_000);
        for (const e of [a, b]) checkInvariants(e.session.state, e.errors, e.transport ? [] : e.outbound.log);
        // With retransmissions, loss and corruption alone never make a secure pair disagree.
        if (a.secure && b.secure) expect(a.secure.sas).toBe(b.secure.sas);
        // Every session ends: secure, or failed with a typed error (TIMEOUT when too much was lost).
        for (const e of [a, b]) expect(e.secure !== null || e.errors.length === 1 || e.session.state === 'secure').toBe(true);
      }),
      { numRuns: Math.round(150 * SCALE), seed: 5 },
    );
  }, 120_000);
});
