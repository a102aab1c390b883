/**
 * The shape every benchmark reports in, so `npm run bench` can print one table and
 * write one bench/results/latest.json. Benchmarks measure; they never assert.
 */
export interface Figure {
  /** Stable identifier, e.g. "zrtp.handshake.compute.X255". */
  name: string;
  /** What is measured, in plain words. */
  description: string;
  unit: string;
  median: number;
  /** Where a distribution applies; null otherwise. */
  p99: number | null;
  /** Sample count behind median/p99. */
  samples: number;
  /** The same measure for the reference, taken in the same run (null if none). */
  reference: { name: string; median: number; p99: number | null } | null;
  /** ours / reference, medians (null without a reference). */
  ratio: number | null;
  /** Target from the issue, e.g. { op: '<=', value: 2, of: 'ratio' }. */
  target: { op: '<=' | '>='; value: number; of: 'median' | 'p99' | 'ratio' } | null;
  /** Whether the target is met (null without a target). */
  met: boolean | null;
  notes?: string;
}

export interface Benchmark {
  /** Short name shown while running. */
  name: string;
  /** Upper bound on wall time; the runner aborts the benchmark past it. */
  budgetSeconds: number;
  run(progress: (line: string) => void): Promise<Figure[]>;
}

/** Median and 99th percentile (nearest-rank) of samples. */
export function summarize(samples: number[]): { median: number; p99: number } {
  if (samples.length === 0) throw new RangeError('summarize: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const mid = sorted.length / 2;
  const median =
    sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, p99: rank(0.99) };
}

/** Build a Figure, computing ratio and met from the parts. */
export function figure(parts: Omit<Figure, 'ratio' | 'met'>): Figure {
  const ratio = parts.reference && parts.reference.median > 0 ? parts.median / parts.reference.median : null;
  let met: boolean | null = null;
  if (parts.target) {
    const v = parts.target.of === 'ratio' ? ratio : parts.target.of === 'p99' ? parts.p99 : parts.median;
    met = v === null ? null : parts.target.op === '<=' ? v <= parts.target.value : v >= parts.target.value;
  }
  return { ...parts, ratio, met };
}

/** A latency figure in ms from raw samples (median, p99, sample count), without a reference. */
export function latencyFigure(name: string, description: string, samples: number[], target: Figure['target'] = null): Figure {
  const { median, p99 } = summarize(samples);
  return figure({ name, description, unit: 'ms', median, p99, samples: samples.length, reference: null, target });
}
