/**
 * The runner behind `npm run bench` (bench/run.ts), as a function so a test can drive it with
 * fake benchmark files: runs each *.bench.ts in name order within min(its budget, what is left
 * of the total time bound), prints a table line per figure as it goes, and writes latest.json.
 */
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Benchmark, Figure } from './report.ts';

export interface BenchResult {
  benchmark: string;
  file: string;
  figures: Figure[];
  /** Why the benchmark produced no figures (failure, budget exceeded, not run). */
  error?: string;
  seconds: number;
}

/** One row per figure: the flat view the README's table and tools read. */
export interface FigureRow {
  benchmark: string;
  name: string;
  unit: string;
  median: number;
  p99: number | null;
  samples: number;
  reference: number | null;
  referenceName: string | null;
  ratio: number | null;
  target: string | null;
  met: boolean | null;
}

export interface RunReport {
  date: string;
  seconds: number;
  quick: boolean;
  /** Total time bound the run was given (seconds). */
  totalBudgetSeconds: number;
  figures: FigureRow[];
  results: BenchResult[];
}

export interface RunOptions {
  dir: string;
  /** Substrings of file names to run; empty = all. */
  only?: string[];
  /** Where to write the JSON report (null: don't). */
  outFile?: string | null;
  /** Bound on the whole run; benchmarks that would start after it are recorded as not run. */
  totalSeconds?: number;
  quick?: boolean;
  write?: (text: string) => void;
}

/** Never give a benchmark less than this: it would only start components to kill them. */
const MIN_USEFUL_SECONDS = 30;

export function listBenchFiles(dir: string, only: string[] = []): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort();
}

export function fmt(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '-';
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n === 0 ? '0' : n.toPrecision(3);
}

export function targetText(t: Figure['target']): string | null {
  return t ? `${t.of} ${t.op} ${t.value}` : null;
}

export function tableHeader(): string {
  return `   ${'figure'.padEnd(44)} ${'median'.padStart(9)} ${'unit'.padEnd(10)} ${'p99'.padStart(8)} ${'reference'.padStart(9)} ${'ratio'.padStart(7)}  target\n`;
}

export function formatFigure(f: Figure): string {
  const target = targetText(f.target);
  return (
    `   ${f.name.padEnd(44)} ${fmt(f.median).padStart(9)} ${f.unit.padEnd(10)} ${fmt(f.p99).padStart(8)} ` +
    `${fmt(f.reference?.median).padStart(9)} ${fmt(f.ratio).padStart(7)}  ` +
    (target === null ? '-' : `${target}: ${f.met === null ? 'n/a' : f.met ? 'met' : 'MISSED'}`) +
    '\n'
  );
}

export function figureRow(benchmark: string, f: Figure): FigureRow {
  return {
    benchmark, name: f.name, unit: f.unit, median: f.median, p99: f.p99, samples: f.samples,
    reference: f.reference?.median ?? null, referenceName: f.reference?.name ?? null,
    ratio: f.ratio, target: targetText(f.target), met: f.met,
  };
}

function isBenchmark(x: unknown): x is Benchmark {
  const b = x as Benchmark;
  return !!b && typeof b.name === 'string' && typeof b.budgetSeconds === 'number' && b.budgetSeconds > 0 && typeof b.run === 'function';
}

export async function runBenchmarks(opts: RunOptions): Promise<RunReport> {
  const write = opts.write ?? ((t: string) => process.stdout.write(t));
  const total = opts.totalSeconds ?? 1200;
  const started = Date.now();
  const results: BenchResult[] = [];
  for (const file of listBenchFiles(opts.dir, opts.only)) {
    const t0 = Date.now();
    const left = total - (t0 - started) / 1000;
    let name = file;
    let timer: NodeJS.Timeout | undefined;
    try {
      const mod = (await import(pathToFileURL(join(opts.dir, file)).href)) as { default?: unknown };
      if (!isBenchmark(mod.default)) throw new Error('default export is not a Benchmark (name, budgetSeconds > 0, run)');
      const bench = mod.default;
      name = bench.name;
      if (left < Math.min(MIN_USEFUL_SECONDS, bench.budgetSeconds)) {
        throw new Error(`not run: the total time bound of ${total}s is used up`);
      }
      const budget = Math.min(bench.budgetSeconds, left);
      write(`\n== ${bench.name} (${file}, budget ${Math.round(budget)}s)\n`);
      const figures = await Promise.race([
        bench.run((line) => write(`   ${line}\n`)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`exceeded its budget of ${Math.round(budget)}s`)), budget * 1000);
        }),
      ]);
      write(tableHeader());
      for (const f of figures) write(formatFigure(f));
      results.push({ benchmark: bench.name, file, figures, seconds: (Date.now() - t0) / 1000 });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (name === file) write(`\n== ${file}\n`);
      write(`   FAILED: ${message}\n`);
      results.push({ benchmark: name, file, figures: [], error: message, seconds: (Date.now() - t0) / 1000 });
    } finally {
      clearTimeout(timer);
    }
  }
  const report: RunReport = {
    date: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    quick: opts.quick ?? false,
    totalBudgetSeconds: total,
    figures: results.flatMap((r) => r.figures.map((f) => figureRow(r.benchmark, f))),
    results,
  };
  if (opts.outFile) {
    mkdirSync(dirname(opts.outFile), { recursive: true });
    writeFileSync(opts.outFile, JSON.stringify(report, null, 2) + '\n');
    write(`\nwrote ${opts.outFile} (${report.figures.length} figures, ${report.seconds.toFixed(0)} s)\n`);
  }
  return report;
}

/** The summary table printed at the end of a run (also what bench/README.md quotes). */
export function summaryTable(report: RunReport): string {
  const lines = ['', `== summary (${report.date}, ${report.seconds.toFixed(0)} s${report.quick ? ', QUICK' : ''})`, tableHeader().trimEnd()];
  for (const r of report.results) {
    if (r.error) lines.push(`   ${r.file.padEnd(44)} FAILED: ${r.error}`);
    for (const f of r.figures) lines.push(formatFigure(f).trimEnd());
  }
  return lines.join('\n') + '\n';
}
