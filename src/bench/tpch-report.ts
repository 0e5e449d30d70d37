// The benchmark's result as data (written as JSON), and the speedups the table and charts are drawn from.

import type { DataStatus } from './bench-data.ts';
import type { MachineInfo } from './machine.ts';
import type { OverheadReport } from './overhead.ts';
import { geomean } from './stats.ts';
import type { QueryResult } from './tpch-runner.ts';

export interface TpchBenchReport {
  /** ISO timestamp of the start of the run. */
  date: string;
  command: string;
  scaleFactor: number;
  runs: number;
  mode: string;
  workersList: number[];
  machine: MachineInfo;
  data: DataStatus | null;
  targets: { id: string; label: string; workers?: number; servers?: number }[];
  /** The database-server series (`--replica-url`): its workers and consistency mode. */
  servers?: { workers: number; consistency: string };
  queries: QueryResult[];
  overhead: OverheadReport | null;
}

export const SERIAL = 'serial';
export const NATIVE = 'native';

/** Median time of `base` over median time of `target` for one query (>1: target is faster). */
export function speedup(q: QueryResult, target: string, base: string): number {
  const t = q.results[target]?.ms.median;
  const b = q.results[base]?.ms.median;
  return t === undefined || b === undefined ? Number.NaN : b / t;
}

/** Geometric mean over all queries of `speedup(q, target, base)`. */
export function geomeanSpeedup(report: TpchBenchReport, target: string, base: string): number {
  return geomean(report.queries.map((q) => speedup(q, target, base)));
}

/** The Mini-Balancer target with the best geometric-mean speedup over serial (the targets are judged on it). */
export function bestBalancer(report: TpchBenchReport): string | undefined {
  const ids = report.targets.filter((t) => t.workers !== undefined).map((t) => t.id);
  return ids.sort((a, b) => geomeanSpeedup(report, b, SERIAL) - geomeanSpeedup(report, a, SERIAL))[0];
}

/** The base name of the output files: `2026-11-27-sf0.1` (`-servers` for a run with the server series). */
export function reportBaseName(report: Pick<TpchBenchReport, 'date' | 'scaleFactor' | 'servers'>): string {
  return `${report.date.slice(0, 10)}-sf${report.scaleFactor}${report.servers ? '-servers' : ''}`;
}
