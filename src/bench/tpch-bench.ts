// The TPC-H benchmark: PostgreSQL serial vs parallel vs Mini-Balancer with 1..n workers, written as MD/JSON/SVG.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { QueryMode } from '../exec/api.ts';
import type { Consistency } from '../exec/placement.ts';
import { type DataStatus, ensureBenchData } from './bench-data.ts';
import { machineInfo } from './machine.ts';
import { renderMarkdown } from './markdown-report.ts';
import { measureOverhead } from './overhead.ts';
import { measureStreaming } from './streaming.ts';
import { speedupPerQuerySvg, speedupVsWorkersSvg } from './svg-charts.ts';
import { balancerTarget, directTarget, type Target } from './targets.ts';
import { BENCH_QUERY_SET, type BenchQuery } from './tpch-query-set.ts';
import { NATIVE, reportBaseName, SERIAL, type TpchBenchReport } from './tpch-report.ts';
import { runQueries } from './tpch-runner.ts';

export interface TpchBenchOptions {
  databaseUrl: string;
  scaleFactor: number;
  /** Load the data when the marker table lacks it (false: use the tables as they are). */
  load: boolean;
  runs: number;
  workersList: number[];
  mode: QueryMode;
  outDir: string;
  /** Runs of the overhead measurements; null skips them. */
  overhead: { planRuns: number; latencyRuns: number; streamRows?: number } | null;
  /** The command line, recorded in the report. */
  command: string;
  queries?: readonly BenchQuery[];
  /**
   * Streaming replicas of `databaseUrl`: adds the database-server series, Mini-Balancer with `serverWorkers`
   * workers on the primary alone, then the primary and the first replica, and so on.
   */
  replicaUrls?: string[];
  /** Consistency of the server series (default `spread`, which spreads one statement over the servers). */
  consistency?: Consistency;
  /** Workers of the server series (default the largest of `workersList`). */
  serverWorkers?: number;
  logger: Logger;
  out: (text: string) => void;
}

export interface TpchBenchOutcome {
  report: TpchBenchReport;
  files: string[];
  /** False when some answer differed from PostgreSQL serial's. */
  ok: boolean;
}

/**
 * Loads the data if needed, starts one Mini-Balancer per worker count, runs the query set on every
 * configuration interleaved, measures the overhead figures and writes `<date>-sf<SF>.{md,json}` and two SVG
 * charts into `outDir`.
 *
 * @example
 *   const { ok, files } = await runTpchBench({ databaseUrl, scaleFactor: 0.1, load: true, runs: 5,
 *     workersList: [1, 2, 4], mode: 'auto', outDir: 'docs/benchmarks', overhead: { planRuns: 200, latencyRuns: 500 },
 *     command: 'npm run bench -- --sf 0.1', logger, out: (t) => process.stdout.write(t) });
 */
export async function runTpchBench(opts: TpchBenchOptions): Promise<TpchBenchOutcome> {
  const date = new Date().toISOString();
  let data: DataStatus | null = null;
  if (opts.load) {
    const t0 = performance.now();
    data = await ensureBenchData(opts.databaseUrl, opts.scaleFactor);
    opts.out(
      data.loaded
        ? `loaded TPC-H SF ${opts.scaleFactor} and the demo data, VACUUM ANALYZE: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`
        : `TPC-H SF ${opts.scaleFactor} already loaded\n`,
    );
  }
  const machine = await machineInfo(opts.databaseUrl);
  const targets: Target[] = [];
  try {
    targets.push(await directTarget(opts.databaseUrl, SERIAL, '(a) PostgreSQL serial', 0));
    targets.push(await directTarget(opts.databaseUrl, NATIVE, '(b) PostgreSQL parallel', machine.cores));
    const balancers = [];
    for (const workers of opts.workersList) {
      const b = await balancerTarget({
        databaseUrl: opts.databaseUrl,
        workers,
        mode: opts.mode,
        logger: opts.logger,
      });
      targets.push(b);
      balancers.push(b);
    }
    const replicas = opts.replicaUrls ?? [];
    const serverWorkers = opts.serverWorkers ?? Math.max(...opts.workersList);
    const consistency = opts.consistency ?? 'spread';
    if (replicas.length > 0) {
      for (let n = 0; n <= replicas.length; n++) {
        targets.push(
          await balancerTarget({
            databaseUrl: opts.databaseUrl,
            workers: serverWorkers,
            mode: opts.mode,
            logger: opts.logger,
            replicaUrls: replicas.slice(0, n),
            consistency,
          }),
        );
      }
    }
    const queries = opts.queries ?? BENCH_QUERY_SET;
    const started = performance.now();
    const results = await runQueries({
      targets,
      queries,
      runs: opts.runs,
      onQuery: (q, i) =>
        opts.out(
          `[${i + 1}/${queries.length}] ${q.title} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
        ),
    });
    const largest = balancers.at(-1);
    let overhead = null;
    if (opts.overhead && largest) {
      opts.out('overhead: planning time and point-query latency\n');
      const q1 = queries.find((q) => q.id === 'Q1');
      overhead = await measureOverhead({
        databaseUrl: opts.databaseUrl,
        httpUrl: largest.httpUrl,
        coordinator: largest.coordinator,
        workers: largest.workers ?? 1,
        statements: [
          { name: 'point query (orders by key)', sql: 'SELECT * FROM orders WHERE o_orderkey = 1' },
          ...(q1 ? [{ name: 'TPC-H Q1', sql: q1.sql }] : []),
        ],
        planRuns: opts.overhead.planRuns,
        latencyRuns: opts.overhead.latencyRuns,
      });
      const streamRows = opts.overhead.streamRows ?? 0;
      if (streamRows > 0) {
        opts.out(`overhead: ${streamRows} rows streaming through the gateway of a serve process\n`);
        overhead.streaming = await measureStreaming({
          databaseUrl: opts.databaseUrl,
          rows: streamRows,
          workers: largest.workers ?? 1,
        });
      }
    }
    const report: TpchBenchReport = {
      date,
      command: opts.command,
      scaleFactor: opts.scaleFactor,
      runs: opts.runs,
      mode: opts.mode,
      workersList: opts.workersList,
      machine,
      data,
      targets: targets.map((t) => ({
        id: t.id,
        label: t.label,
        ...(t.workers === undefined ? {} : { workers: t.workers }),
        ...(t.servers === undefined ? {} : { servers: t.servers }),
      })),
      ...(replicas.length > 0 ? { servers: { workers: serverWorkers, consistency } } : {}),
      queries: results,
      overhead,
    };
    const files = await writeReport(report, opts.outDir);
    return { report, files, ok: results.every((q) => q.mismatches.length === 0) };
  } finally {
    for (const t of targets) await t.close().catch(() => {});
  }
}

/** Writes the Markdown, JSON and both SVG charts; returns their paths. */
export async function writeReport(report: TpchBenchReport, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const base = reportBaseName(report);
  const charts = { perQuery: `${base}-speedup-per-query.svg`, vsWorkers: `${base}-speedup-vs-workers.svg` };
  const files: [string, string][] = [
    [`${base}.md`, renderMarkdown(report, charts)],
    [`${base}.json`, `${JSON.stringify(report, null, 2)}\n`],
    [charts.perQuery, speedupPerQuerySvg(report)],
    [charts.vsWorkers, speedupVsWorkersSvg(report)],
  ];
  const written: string[] = [];
  for (const [name, text] of files) {
    const file = path.join(outDir, name);
    await writeFile(file, text);
    written.push(file);
  }
  return written;
}
