import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Target } from './targets.ts';
import { runTpchBench } from './tpch-bench.ts';
import { BENCH_QUERY_SET } from './tpch-query-set.ts';
import { runQueries } from './tpch-runner.ts';

const fake = (id: string, rows: string[][]): Target => ({
  id,
  label: id,
  run: async () => ({ rows, typeOids: [25] }),
  close: async () => {},
});

describe('runQueries', () => {
  const query = { id: 'q', title: 'q', sql: 'SELECT 1', ordered: true };

  it('records a mismatch against the first target, per run and the warm-up', async () => {
    const [result] = await runQueries({
      targets: [fake('serial', [['a'], ['b']]), fake('good', [['a'], ['b']]), fake('broken', [['b'], ['a']])],
      queries: [query],
      runs: 2,
    });
    expect(result?.mismatches).toEqual([
      'broken: row 1: ["b"], expected ["a"]',
      'broken: row 1: ["b"], expected ["a"]',
      'broken: row 1: ["b"], expected ["a"]',
    ]);
    expect(result?.results.good?.ms.runs).toHaveLength(2);
  });
});

describe('runTpchBench (smoke, the suite database: TPC-H SF 0.01 and the demo data)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('runs every query once on every configuration and writes the table, JSON and charts', async () => {
    const outDir = await mkdtemp(path.join(tmpdir(), 'mb-bench-'));
    dirs.push(outDir);
    const { ok, files, report } = await runTpchBench({
      databaseUrl: inject('databaseUrl'),
      scaleFactor: 0.01,
      load: false,
      runs: 1,
      workersList: [1],
      mode: 'parallel',
      outDir,
      overhead: { planRuns: 3, latencyRuns: 5, streamRows: 30_000 },
      command: 'test',
      logger: pino({ level: 'silent' }),
      out: () => {},
    });
    expect(report.queries.flatMap((q) => q.mismatches)).toEqual([]);
    expect(ok).toBe(true);
    expect(report.queries.map((q) => q.id)).toEqual(BENCH_QUERY_SET.map((q) => q.id));
    expect(report.targets.map((t) => t.id)).toEqual(['serial', 'native', 'mb-1']);
    const names = files.map((f) => path.basename(f).replace(/^\d{4}-\d\d-\d\d-sf0\.01/, ''));
    expect(names).toEqual(['.md', '.json', '-speedup-per-query.svg', '-speedup-vs-workers.svg']);
    const [md, json, perQuery, vsWorkers] = await Promise.all(files.map((f) => readFile(f, 'utf8')));
    expect(md).toContain('| Q1 |');
    expect(md).toContain('| employees |');
    expect(md).toContain('HTTP API, mode passthrough');
    // The streaming figure: every row came back through a serve process whose memory was read from /proc.
    expect(report.overhead?.streaming?.rows).toBe(30_000);
    expect(report.overhead?.streaming?.rssPeakMb).toBeGreaterThan(0);
    expect(md).toMatch(/coordinator RSS < 300 MB streaming 30,000 rows \| \d+ MB peak/);
    expect(JSON.parse(json ?? '').queries).toHaveLength(BENCH_QUERY_SET.length);
    for (const svg of [perQuery, vsWorkers]) {
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(svg?.trimEnd().endsWith('</svg>')).toBe(true);
    }
    const q1 = report.queries.find((q) => q.id === 'Q1');
    expect(q1?.results['mb-1']?.mode).toBe('parallel');
  });
});
