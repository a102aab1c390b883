/**
 * `npm run bench`: runs every bench/*.bench.ts (or those whose file name contains one of the
 * arguments), each within its time budget and the whole run within SUSURRO_BENCH_TOTAL_SECONDS
 * (default 1200), prints a table as it goes and writes bench/results/latest.json.
 * SUSURRO_BENCH_QUICK=1: few samples (a smoke run). Absolute numbers vary; compare the ratios.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBenchmarks, summaryTable } from './lib/runner.ts';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const totalSeconds = Number(process.env.SUSURRO_BENCH_TOTAL_SECONDS ?? 1200);
if (!Number.isFinite(totalSeconds) || totalSeconds <= 0) throw new RangeError('SUSURRO_BENCH_TOTAL_SECONDS must be a positive number');

const report = await runBenchmarks({
  dir: here,
  only,
  outFile: join(here, 'results', 'latest.json'),
  totalSeconds,
  quick: process.env.SUSURRO_BENCH_QUICK === '1',
});
process.stdout.write(summaryTable(report));
process.exit(report.results.some((r) => r.error) ? 1 : 0);
