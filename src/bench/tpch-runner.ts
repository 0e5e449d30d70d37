// Runs every query on every configuration, interleaved (A B C A B C ...) after a warm-up, checking each answer.
import { compareRows, type Reference } from './compare-rows.ts';
import { type Summary, summarize } from './stats.ts';
import type { Target } from './targets.ts';
import type { BenchQuery } from './tpch-query-set.ts';

export interface TargetResult {
  ms: Summary;
  /** Mini-Balancer: chunks of the last run and the plan's mode; planning times of every run. */
  chunks?: number;
  mode?: string;
  planMs?: number[];
  /** Mini-Balancer: per run, the longest chunk and the sum of all chunks (ms). */
  chunkMaxMs?: number[];
  chunkSumMs?: number[];
}

export interface QueryResult {
  id: string;
  title: string;
  rows: number;
  results: Record<string, TargetResult>;
  /** `target: what differs` for every run whose answer differed from PostgreSQL serial's. */
  mismatches: string[];
}

/**
 * For each query: one warm-up run per target (the first target's answer is the reference), then `runs` rounds
 * over all targets in order; every answer is compared with the reference.
 *
 * @example
 *   const results = await runQueries({ targets: [serial, native, mb2], queries: BENCH_QUERY_SET, runs: 5 });
 */
export async function runQueries(opts: {
  targets: readonly Target[];
  queries: readonly BenchQuery[];
  runs: number;
  onQuery?: (q: BenchQuery, index: number) => void;
}): Promise<QueryResult[]> {
  const [first] = opts.targets;
  if (!first) throw new Error('no target to run');
  const out: QueryResult[] = [];
  for (const [index, q] of opts.queries.entries()) {
    opts.onQuery?.(q, index);
    const warm = await first.run(q.sql);
    const ref: Reference = { typeOids: warm.typeOids, rows: warm.rows, ordered: q.ordered };
    const mismatches: string[] = [];
    const check = (target: Target, rows: Reference['rows']) => {
      const diff = compareRows(ref, rows);
      if (diff) mismatches.push(`${target.id}: ${diff}`);
    };
    const times = new Map<string, number[]>(opts.targets.map((t) => [t.id, []]));
    const extra = new Map<
      string,
      Omit<TargetResult, 'ms'> & { planMs: number[]; chunkMaxMs: number[]; chunkSumMs: number[] }
    >(opts.targets.map((t) => [t.id, { planMs: [], chunkMaxMs: [], chunkSumMs: [] }]));
    for (const target of opts.targets.slice(1)) check(target, (await target.run(q.sql)).rows);
    for (let i = 0; i < opts.runs; i += 1) {
      for (const target of opts.targets) {
        const t0 = performance.now();
        const answer = await target.run(q.sql);
        times.get(target.id)?.push(performance.now() - t0);
        check(target, answer.rows);
        const e = extra.get(target.id);
        if (e && answer.mode !== undefined) {
          e.mode = answer.mode;
          e.chunks = answer.chunks ?? 0;
          if (answer.planMs !== undefined) e.planMs.push(answer.planMs);
          if (answer.chunkMaxMs !== undefined) e.chunkMaxMs.push(answer.chunkMaxMs);
          if (answer.chunkSumMs !== undefined) e.chunkSumMs.push(answer.chunkSumMs);
        }
      }
    }
    const results: Record<string, TargetResult> = {};
    for (const target of opts.targets) {
      const e = extra.get(target.id);
      results[target.id] = {
        ms: summarize(times.get(target.id) ?? []),
        ...(e?.mode === undefined
          ? {}
          : {
              mode: e.mode,
              chunks: e.chunks ?? 0,
              planMs: e.planMs,
              chunkMaxMs: e.chunkMaxMs,
              chunkSumMs: e.chunkSumMs,
            }),
      };
    }
    out.push({ id: q.id, title: q.title, rows: warm.rows.length, results, mismatches });
  }
  return out;
}
