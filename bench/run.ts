/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line),
 * each within its time budget, prints a table as it goes and writes
 * bench/results/latest.json. Absolute numbers vary by machine; compare the ratios.
 */
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Benchmark, Figure } from './lib/report.ts';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

function fmt(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

const results: { benchmark: string; file: string; figures: Figure[]; error?: string; seconds: number }[] = [];
const started = Date.now();
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: Benchmark };
  const bench = mod.default;
  process.stdout.write(`\n== ${bench.name} (${file}, budget ${bench.budgetSeconds}s)\n`);
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const figures = await Promise.race([
      bench.run((line) => process.stdout.write(`   ${line}\n`)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`exceeded its budget of ${bench.budgetSeconds}s`)), bench.budgetSeconds * 1000);
      }),
    ]);
    for (const f of figures) {
      process.stdout.write(
        `   ${f.name.padEnd(44)} ${fmt(f.median).padStart(9)} ${f.unit.padEnd(8)} p99 ${fmt(f.p99).padStart(8)}` +
          (f.reference ? `  ref ${fmt(f.reference.median)} ratio ${fmt(f.ratio)}` : '') +
          (f.met === null ? '' : f.met ? '  target met' : '  TARGET MISSED') +
          '\n',
      );
    }
    results.push({ benchmark: bench.name, file, figures, seconds: (Date.now() - t0) / 1000 });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stdout.write(`   FAILED: ${message}\n`);
    results.push({ benchmark: bench.name, file, figures: [], error: message, seconds: (Date.now() - t0) / 1000 });
  } finally {
    clearTimeout(timer);
  }
}

mkdirSync(join(here, 'results'), { recursive: true });
const out = join(here, 'results', 'latest.json');
writeFileSync(
  out,
  JSON.stringify({ date: new Date().toISOString(), seconds: (Date.now() - started) / 1000, results }, null, 2) + '\n',
);
process.stdout.write(`\nwrote ${out}\n`);
process.exit(results.some((r) => r.error) ? 1 : 0);
