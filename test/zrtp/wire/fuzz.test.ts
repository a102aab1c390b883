/**
 * Property-based fuzzing of the ZRTP decoders (fast-check): random, framed-random and mutated
 * valid inputs only ever produce a ZrtpError or a canonical message; arbitrary messages round-trip.
 * 20 000 cases in all (the long run is scripts/fuzz-zrtp-decoder.ts). Set FC_SEED to replay.
 */
import { describe, it, expect } from 'vitest';
import { decoderProperties, runDecoderFuzz, seedMessages } from './decoder-properties.ts';
import { decodeMessage } from '../../../src/zrtp/messages/index.ts';

const TOTAL = 20_000;
const seed = process.env['FC_SEED'] === undefined ? undefined : Number(process.env['FC_SEED']);

describe('decoder fuzzing (fast-check)', () => {
  it('the seeds are themselves valid messages', () => {
    for (const m of seedMessages) expect(() => decodeMessage(m)).not.toThrow();
  });

  it(`${TOTAL} cases over ${decoderProperties.length} properties: only ZrtpError, canonical re-encoding`, () => {
    const results = runDecoderFuzz(TOTAL, seed);
    expect(results.reduce((n, r) => n + r.runs, 0)).toBeGreaterThanOrEqual(10_000);
    // The generators must reach both outcomes, or the fuzzing proves little.
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    for (const name of ['decodeMessage: framed header + random body', 'decodeMessage: mutated valid messages', 'decodePacket: mutated captured packets (CRC resealed or not)']) {
      expect(byName[name]!.decoded, name).toBeGreaterThan(0);
      expect(byName[name]!.rejected, name).toBeGreaterThan(0);
    }
  }, 60_000);
});
