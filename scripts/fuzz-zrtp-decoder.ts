/**
 * Long fuzz run of the ZRTP decoders (message codec, packet framing, Confirm/SASrelay bodies):
 * the same fast-check properties as test/zrtp/wire/fuzz.test.ts with a larger budget.
 *
 *   npx tsx scripts/fuzz-zrtp-decoder.ts [cases=1000000] [seed]
 *
 * Exits 0 when every case either decoded canonically or raised a ZrtpError; 1 with fast-check's
 * counterexample (and the seed to replay it) otherwise. Pure CPU, no I/O beyond stdout.
 */
import { runDecoderFuzz } from '../test/zrtp/wire/decoder-properties.ts';

const total = Number(process.argv[2] ?? 1_000_000);
const seed = process.argv[3] === undefined ? Date.now() % 2 ** 31 : Number(process.argv[3]);
if (!Number.isInteger(total) || total < 1 || total > 100_000_000) {
  process.stderr.write('usage: fuzz-zrtp-decoder.ts [cases (1..1e8)] [seed]\n');
  process.exit(2);
}

process.stdout.write(`fuzzing ZRTP decoders: ${total} cases, seed ${seed}\n`);
const t0 = performance.now();
try {
  for (const r of runDecoderFuzz(total, seed)) {
    process.stdout.write(
      `  ${r.name.padEnd(64)} ${String(r.runs).padStart(9)} cases  ${(r.ms / 1000).toFixed(1).padStart(6)} s` +
        `  decoded ${r.decoded}, rejected ${r.rejected}\n`,
    );
  }
} catch (err) {
  process.stderr.write(`FAILED (replay with seed ${seed}):\n${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
process.stdout.write(`ok: ${total} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
