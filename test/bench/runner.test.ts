import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBenchmarks, summaryTable, formatFigure, fmt, listBenchFiles } from '../../bench/lib/runner.ts';
import { figure, summarize } from '../../bench/lib/report.ts';
import { parseSippStatCsv, parseSippDuration } from '../../bench/lib/sipp.ts';
import { parseUclientSummary } from '../../bench/lib/turn-load.ts';
import { stockConfigText } from '../../bench/lib/stock-kamailio.ts';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'susurro-bench-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('bench runner', () => {
  it('runs every fixture in name order and records figures, failures, overruns and bad modules', async () => {
    let printed = '';
    const outFile = join(tmp, 'latest.json');
    const report = await runBenchmarks({ dir: fixtures, outFile, totalSeconds: 60, write: (t) => { printed += t; } });
    expect(report.results.map((r) => r.file)).toEqual(['a-ok.bench.ts', 'b-throws.bench.ts', 'c-slow.bench.ts', 'd-not-a-benchmark.bench.ts']);
    const [ok, throws, slow, bad] = report.results;
    expect(ok!.error).toBeUndefined();
    expect(ok!.figures).toHaveLength(1);
    expect(throws!.error).toBe('component did not start');
    expect(slow!.error).toMatch(/exceeded its budget/);
    expect(slow!.seconds).toBeLessThan(1.5); // cut at its budget, not at the 2 s it would take
    expect(bad!.error).toMatch(/not a Benchmark/);
    // the printed table shows the figure with its reference, ratio and target verdict
    expect(printed).toContain('measuring nothing');
    expect(printed).toMatch(/fixture\.ok\s+12\.00 ms\s+20\.00\s+10\.00\s+1\.20\s+ratio <= 1\.1: MISSED/);
    expect(printed).toContain('FAILED: component did not start');
    // the JSON has, for every figure: name, unit, median, p99, reference, ratio, target, met
    const json = JSON.parse(readFileSync(outFile, 'utf8'));
    expect(json.figures).toEqual([{
      benchmark: 'fixture ok', name: 'fixture.ok', unit: 'ms', median: 12, p99: 20, samples: 3,
      reference: 10, referenceName: 'made-up reference', ratio: 1.2, target: 'ratio <= 1.1', met: false,
    }]);
    expect(json.results).toHaveLength(4);
    expect(summaryTable(report)).toContain('d-not-a-benchmark.bench.ts');
  });

  it('does not start benchmarks once the total time bound is used up', async () => {
    const report = await runBenchmarks({ dir: fixtures, only: ['a-ok', 'b-throws'], outFile: null, totalSeconds: 1e-6, write: () => {} });
    expect(report.results.map((r) => r.error)).toEqual([
      expect.stringMatching(/not run: the total time bound/), expect.stringMatching(/not run: the total time bound/),
    ]);
  });

  it('selects files by substring', () => {
    expect(listBenchFiles(fixtures, ['slow', 'ok'])).toEqual(['a-ok.bench.ts', 'c-slow.bench.ts']);
  });
});

describe('report helpers', () => {
  it('figure computes ratio and met; summarize takes nearest-rank p99', () => {
    const f = figure({ name: 'x', description: '', unit: 'sessions', median: 600, p99: null, samples: 1, reference: { name: 'r', median: 800, p99: null }, target: { op: '>=', value: 500, of: 'median' } });
    expect(f.ratio).toBe(0.75);
    expect(f.met).toBe(true);
    expect(summarize([5, 1, 3, 2, 4])).toEqual({ median: 3, p99: 5 });
    expect(fmt(0)).toBe('0');
    expect(fmt(null)).toBe('-');
    expect(formatFigure(f)).toContain('median >= 500: met');
  });
});

describe('tool output parsers', () => {
  it('reads the last row of a sipp -trace_stat file', () => {
    const csv = [
      'StartTime;ElapsedTime(P);ElapsedTime(C);TotalCallCreated;SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C)',
      '2026-11-22\t00:36:02.015469\t1795307762.015469;00:00:01;00:00:01;20;0;10;0;0',
      '2026-11-22\t00:36:02.015469\t1795307762.015469;00:00:00;00:01:02:500000;600;0;590;0;7',
    ].join('\n');
    expect(parseSippStatCsv(csv)).toEqual({ successful: 590, failed: 7, created: 600, elapsedSeconds: 62.5 });
    expect(parseSippDuration('01:00:00')).toBe(3600);
    expect(() => parseSippDuration('soon')).toThrow(RangeError);
    expect(() => parseSippStatCsv('only a header')).toThrow();
  });

  it("reads turnutils_uclient's summary (coturn 4.6 output)", () => {
    const out = [
      '9: : start_mclient: msz=4, tot_send_msgs=968, tot_recv_msgs=968, tot_send_bytes ~ 154880, tot_recv_bytes ~ 154880',
      '9: : start_mclient: tot_send_msgs=1000, tot_recv_msgs=997',
      '9: : start_mclient: tot_send_bytes ~ 160000, tot_recv_bytes ~ 159520',
      '9: : Total transmit time is 9',
      '9: : Total lost packets 3 (0.300000%), total send dropped 0 (0.000000%)',
    ].join('\n');
    expect(parseUclientSummary(out)).toEqual({ sent: 1000, received: 997, lost: 3, sendDropped: 0 });
    expect(parseUclientSummary('0: : start_mclient: msz=4, tot_send_msgs=0, tot_recv_msgs=0')).toBeNull();
  });

  it("edits Debian's stock kamailio.cfg only where the shared SQLite database needs it", () => {
    const stock = readFileSync('/etc/kamailio/kamailio.cfg', 'utf8');
    const cfg = stockConfigText(stock, '/tmp/x/susurro.db');
    expect(cfg).toContain('loadmodule "db_sqlite.so"');
    expect(cfg).toContain('#!trydef DBURL "sqlite:////tmp/x/susurro.db"');
    expect(cfg).toContain('modparam("auth_db", "password_column", "ha1")');
    expect(cfg).not.toContain('db_mysql.so');
    // everything else is byte-identical: same line count, 4 lines changed
    const a = stock.split('\n');
    const b = cfg.split('\n');
    expect(b).toHaveLength(a.length);
    expect(a.filter((l, i) => l !== b[i])).toHaveLength(4);
    expect(() => stockConfigText('no such lines', '/x.db')).toThrow(/expected to find/);
  });
});
