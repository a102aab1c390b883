/**
 * Fuzz properties of the ZRTP decoders, shared by the vitest suite (fuzz.test.ts, 2·10^4
 * cases) and the long run (scripts/fuzz-zrtp-decoder.ts, 10^6 by default).
 *
 * The invariant for every decoder: any input either throws a ZrtpError, or decodes to a value
 * that re-encodes to exactly the input bytes. Nothing else may be thrown, and nothing may hang.
 */
import fc from 'fast-check';
import { decodeMessage, encodeMessage, decodeConfirmBody, encodeConfirmBody, decodeSasRelayBody, encodeSasRelayBody, MESSAGE_TYPE_BLOCKS, type ZrtpMessage } from '../../../src/zrtp/messages/index.ts';
import { decodePacket, encodePacket } from '../../../src/zrtp/packet.ts';
import { crc32c } from '../../../src/zrtp/crc32c.ts';
import { ZrtpError } from '../../../src/zrtp/errors.ts';
import { exchange, hex, rawMessage } from './vectors.ts';
import { sampleMessages } from './samples.ts';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Structural equality of plain data (fast-check records have a null prototype, so no util.isDeepStrictEqual). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) return a instanceof Uint8Array && b instanceof Uint8Array && sameBytes(a, b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return sameValue(ka, kb) && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

/** Run `decode`; a ZrtpError is fine, a success must re-encode to the input, anything else fails. */
/** Outcome counts of the property being run, to show the fuzzer reaches both outcomes. */
const outcome = { decoded: 0, rejected: 0 };

function totalAndCanonical<T>(bytes: Uint8Array, decode: (b: Uint8Array) => T, encode: (v: T) => Uint8Array): boolean {
  let value: T;
  try {
    value = decode(bytes);
  } catch (err) {
    if (err instanceof ZrtpError) {
      // A ZrtpError wrapping another exception is decodeMessage's safety net catching a decoder bug.
      if (err.cause !== undefined) throw new Error(`decoder crashed: ${String(err.cause)}`);
      outcome.rejected++;
      return true;
    }
    throw err;
  }
  outcome.decoded++;
  const again = encode(value);
  if (!sameBytes(again, bytes)) throw new Error('decode then encode changed the bytes');
  return true;
}

const messageProperty = (b: Uint8Array): boolean => totalAndCanonical(b, decodeMessage, encodeMessage);
const packetProperty = (b: Uint8Array): boolean => totalAndCanonical(b, decodePacket, encodePacket);

/** Valid messages to mutate: the nine captured ones, the zrtp-hash Hello, one sample of each type. */
export const seedMessages: Uint8Array[] = [
  ...exchange.packets.map((p) => rawMessage(p.packet_hex)),
  rawMessage(exchange.zrtp_hash_case.packet_hex),
  ...sampleMessages().map(encodeMessage),
];
const seedPackets: Uint8Array[] = [...exchange.packets.map((p) => hex(p.packet_hex)), hex(exchange.zrtp_hash_case.packet_hex)];

function fixLength(b: Uint8Array): Uint8Array {
  if (b.length >= 4 && b.length % 4 === 0 && b.length / 4 <= 0xffff) {
    b[2] = (b.length / 4) >> 8;
    b[3] = (b.length / 4) & 0xff;
  }
  return b;
}

function reseal(p: Uint8Array): Uint8Array {
  if (p.length < 4) return p;
  const crc = crc32c(p.subarray(0, p.length - 4));
  p.set([crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24], p.length - 4);
  return p;
}

type Mutation = (b: Uint8Array) => Uint8Array;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }).map(({ at, bit }) => (b: Uint8Array) => {
    const o = b.slice();
    if (o.length) o[at % o.length] = o[at % o.length]! ^ (1 << bit);
    return o;
  }),
  fc.record({ at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }).map(({ at, v }) => (b: Uint8Array) => {
    const o = b.slice();
    if (o.length) o[at % o.length] = v;
    return o;
  }),
  fc.nat().map((n) => (b: Uint8Array) => b.slice(0, n % (b.length + 1))),
  fc.uint8Array({ maxLength: 64 }).map((extra) => (b: Uint8Array) => new Uint8Array([...b, ...extra])),
  fc.record({ at: fc.nat(), len: fc.integer({ min: 1, max: 32 }) }).map(({ at, len }) => (b: Uint8Array) => {
    const i = b.length ? at % b.length : 0;
    return new Uint8Array([...b.subarray(0, i), ...b.subarray(i + len)]);
  }),
  // Word-aligned edits keep the length plausible, reaching the per-type decoders.
  fc.record({ at: fc.nat(), word: fc.uint8Array({ minLength: 4, maxLength: 4 }) }).map(({ at, word }) => (b: Uint8Array) => {
    const o = b.slice();
    const w = (at % Math.max(1, o.length >> 2)) * 4;
    o.set(word.subarray(0, Math.max(0, Math.min(4, o.length - w))), w);
    return o;
  }),
  // Swap in another type block: a body of one type parsed as another.
  fc.constantFrom(...Object.values(MESSAGE_TYPE_BLOCKS)).map((block) => (b: Uint8Array) => {
    const o = b.slice();
    if (o.length >= 12) o.set(new TextEncoder().encode(block), 4);
    return o;
  }),
);

const mutated = (seeds: Uint8Array[], after: (b: Uint8Array) => Uint8Array) =>
  fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([seed, ms, fix]) => {
    const out = ms.reduce((b, m) => m(b), seed);
    return fix ? after(out) : out;
  });

/** A message header with a correct length field and a known type block, then random words. */
const framedRandom = fc
  .tuple(fc.constantFrom(...Object.values(MESSAGE_TYPE_BLOCKS)), fc.integer({ min: 0, max: 130 }), fc.uint8Array({ maxLength: 520 }))
  .map(([block, words, fill]) => {
    const b = new Uint8Array(12 + words * 4);
    b.set(fill.subarray(0, b.length - 12), 12);
    b[0] = 0x50;
    b[1] = 0x5a;
    b.set(new TextEncoder().encode(block), 4);
    return fixLength(b);
  });

// Arbitrary valid messages, for decode(encode(m)) == m. Names/ids without trailing spaces,
// since the wire pads with spaces and the decoder strips them (§5.1).
const name4 = fc.string({ minLength: 1, maxLength: 4, unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz') });
const bytesOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const words = (min: number, max: number) => fc.integer({ min, max }).chain((n) => bytesOf(n * 4));
const list = fc.array(name4, { maxLength: 7 });
const arbitraryMessage: fc.Arbitrary<ZrtpMessage> = fc.oneof(
  fc.record({
    type: fc.constant('Hello' as const),
    version: fc.constantFrom('1.10', '1.00', '2.0'),
    clientId: fc.string({ maxLength: 16, unit: fc.constantFrom(...'abc XYZ-.019') }).map((s) => s.replace(/ +$/, '')),
    h3: bytesOf(32),
    zid: bytesOf(12),
    flags: fc.record({ signatureCapable: fc.boolean(), mitm: fc.boolean(), passive: fc.boolean() }),
    hash: list, cipher: list, authTag: list, keyAgreement: list, sas: list,
    mac: bytesOf(8),
  }),
  fc.record({
    type: fc.constant('Commit' as const), mode: fc.constant('dh' as const), h2: bytesOf(32), zid: bytesOf(12),
    hash: name4, cipher: name4, authTag: name4, keyAgreement: name4.filter((n) => n !== 'Mult' && n !== 'Prsh'), sas: name4,
    hvi: bytesOf(32), mac: bytesOf(8),
  }),
  fc.record({
    type: fc.constantFrom('DHPart1' as const, 'DHPart2' as const), h1: bytesOf(32), rs1Id: bytesOf(8), rs2Id: bytesOf(8),
    auxSecretId: bytesOf(8), pbxSecretId: bytesOf(8), pv: words(1, 100), mac: bytesOf(8),
  }),
  fc.record({ type: fc.constantFrom('Confirm1' as const, 'Confirm2' as const), confirmMac: bytesOf(8), cfbIv: bytesOf(16), encrypted: words(10, 40) }),
  fc.record({ type: fc.constant('Error' as const), code: fc.nat({ max: 0xffffffff }) }),
  fc.record({ type: fc.constant('GoClear' as const), clearMac: bytesOf(8) }),
  fc.record({ type: fc.constant('SASrelay' as const), mac: bytesOf(8), cfbIv: bytesOf(16), encrypted: words(10, 40) }),
  fc.record({ type: fc.constant('Ping' as const), version: fc.constant('1.10'), endpointHash: bytesOf(8) }),
  fc.record({ type: fc.constant('PingACK' as const), version: fc.constant('1.10'), senderEndpointHash: bytesOf(8), receivedEndpointHash: bytesOf(8), ssrc: fc.nat({ max: 0xffffffff }) }),
  fc.constantFrom<ZrtpMessage>({ type: 'HelloACK' }, { type: 'Conf2ACK' }, { type: 'ErrorACK' }, { type: 'ClearACK' }, { type: 'RelayACK' }),
);

/** Valid Confirm / SASrelay bodies (with and without signature), then mutated. */
const validBody = fc
  .tuple(bytesOf(32), fc.nat({ max: 15 }), fc.nat({ max: 0xffffffff }), fc.option(words(0, 6), { nil: undefined }), fc.boolean())
  .map(([h, f, expiry, sig, relay]) => {
    const signature = sig === undefined ? undefined : { type: 'PGP ', data: sig };
    return relay
      ? encodeSasRelayBody({ flags: { V: (f & 4) !== 0, A: (f & 2) !== 0, D: (f & 1) !== 0 }, renderingScheme: 'B32', sasHash: h, ...(signature ? { signature } : {}) })
      : encodeConfirmBody({ h0: h, flags: { E: (f & 8) !== 0, V: (f & 4) !== 0, A: (f & 2) !== 0, D: (f & 1) !== 0 }, cacheExpiry: expiry, ...(signature ? { signature } : {}) });
  });
const mutatedBodies = fc
  .tuple(validBody, fc.array(mutation, { maxLength: 2 }))
  .map(([body, ms]) => ms.reduce((b, m) => m(b), body));

export interface FuzzProperty {
  name: string;
  /** Share of the total case budget. */
  weight: number;
  property: fc.IProperty<[Uint8Array]> | fc.IProperty<[ZrtpMessage]>;
}

export const decoderProperties: FuzzProperty[] = [
  { name: 'decodeMessage: random bytes', weight: 0.2, property: fc.property(fc.uint8Array({ maxLength: 600 }), messageProperty) },
  { name: 'decodeMessage: framed header + random body', weight: 0.2, property: fc.property(framedRandom, messageProperty) },
  { name: 'decodeMessage: mutated valid messages', weight: 0.25, property: fc.property(mutated(seedMessages, fixLength), messageProperty) },
  { name: 'decodePacket: random bytes', weight: 0.05, property: fc.property(fc.uint8Array({ maxLength: 600 }), packetProperty) },
  { name: 'decodePacket: mutated captured packets (CRC resealed or not)', weight: 0.15, property: fc.property(mutated(seedPackets, reseal), packetProperty) },
  {
    name: 'Confirm and SASrelay bodies: random and mutated',
    weight: 0.05,
    property: fc.property(fc.oneof(words(0, 20), mutatedBodies), (b: Uint8Array) =>
      totalAndCanonical(b, decodeConfirmBody, encodeConfirmBody) && totalAndCanonical(b, decodeSasRelayBody, encodeSasRelayBody),
    ),
  },
  {
    name: 'decode(encode(m)) deep-equals m for arbitrary valid messages',
    weight: 0.1,
    property: fc.property(arbitraryMessage, (m: ZrtpMessage) => {
      const bytes = encodeMessage(m);
      const back = decodeMessage(bytes);
      if (!sameValue(back, m)) throw new Error(`round trip changed ${m.type}`);
      return sameBytes(encodeMessage(back), bytes);
    }),
  },
];

/** Run every property with its share of `total` cases; returns per-property counts and times. */
export interface FuzzResult {
  name: string;
  runs: number;
  ms: number;
  /** Inputs that decoded (and re-encoded identically) / were refused with a ZrtpError. */
  decoded: number;
  rejected: number;
}

export function runDecoderFuzz(total: number, seed?: number): FuzzResult[] {
  return decoderProperties.map(({ name, weight, property }) => {
    const runs = Math.max(1, Math.round(total * weight));
    outcome.decoded = 0;
    outcome.rejected = 0;
    const t0 = performance.now();
    fc.assert(property as fc.IProperty<[unknown]>, { numRuns: runs, ...(seed === undefined ? {} : { seed }) });
    return { name, runs, ms: performance.now() - t0, decoded: outcome.decoded, rejected: outcome.rejected };
  });
}
