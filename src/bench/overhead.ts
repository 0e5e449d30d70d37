// Overhead figures: the coordinator's planning time, and a point query's latency through the HTTP API vs direct.
import pg from 'pg';
import type { Coordinator } from '../exec/coordinator.ts';
import { RAW_TEXT } from '../pg/raw-text.ts';
import { measurePlanner } from './planner-time.ts';
import { type Percentiles, percentiles } from './stats.ts';
import type { StreamingReport } from './streaming.ts';

export type { Percentiles };

export interface OverheadReport {
  /** parse + planStatement in-process, catalog cached (no round trips), ms. */
  planner: { statement: string; kind: string; ms: Percentiles }[];
  /** Wall time of `explain` (parse, snapshot, Describe, catalog, plan, rollback) per statement, ms. */
  planning: { statement: string; mode: string; ms: Percentiles }[];
  /** Point-query latency (ms), the targets interleaved. */
  pointQuery: { sql: string; targets: { target: string; ms: Percentiles }[] };
  /** Coordinator memory while a large result streams through the gateway; absent when not measured. */
  streaming?: StreamingReport;
}

const POINT_QUERY = 'SELECT * FROM orders WHERE o_orderkey = $1';

const pct = percentiles;

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/**
 * Measures planning time (`coordinator.explain` of each statement, `planRuns` times after a warm-up) and the
 * latency of `SELECT * FROM orders WHERE o_orderkey = $1` over `latencyRuns` random keys, interleaved:
 * direct node-postgres, HTTP API in passthrough mode, HTTP API in auto mode (which plans, estimates the cost
 * and then runs it whole).
 *
 * @example
 *   const report = await measureOverhead({ databaseUrl, httpUrl, coordinator, statements, planRuns: 200, latencyRuns: 500 });
 */
export async function measureOverhead(opts: {
  databaseUrl: string;
  httpUrl: string;
  coordinator: Coordinator;
  /** Workers the planner derives the chunk count from. */
  workers: number;
  statements: { name: string; sql: string }[];
  planRuns: number;
  latencyRuns: number;
}): Promise<OverheadReport> {
  const planner = await measurePlanner(opts.databaseUrl, opts.statements, opts.planRuns * 5, opts.workers);
  const planning: OverheadReport['planning'] = [];
  for (const s of opts.statements) {
    for (const mode of ['parallel', 'auto'] as const) {
      await opts.coordinator.explain({ sql: s.sql, mode });
      const ms: number[] = [];
      for (let i = 0; i < opts.planRuns; i += 1) {
        // A text of its own each run: auto mode remembers "runs whole" per statement text for 10 s, and
        // this measures planning, not that memory.
        const sql = `/* run ${i} */ ${s.sql}`;
        ms.push(await timed(() => opts.coordinator.explain({ sql, mode })));
      }
      planning.push({ statement: s.name, mode, ms: pct(ms) });
    }
  }

  const direct = new pg.Client({ connectionString: opts.databaseUrl, types: RAW_TEXT });
  direct.on('error', () => {});
  await direct.connect();
  try {
    const keys = (
      await direct.query<{ k: string }>(
        `SELECT o_orderkey::text AS k FROM orders ORDER BY hashint8(o_orderkey) LIMIT ${opts.latencyRuns}`,
      )
    ).rows.map((r) => r.k);
    const viaHttp = (mode: string) => async (key: string) => {
      const res = await fetch(`${opts.httpUrl}/api/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sql: POINT_QUERY, params: [key], mode }),
      });
      if (res.status !== 200) throw new Error(`HTTP API answered ${res.status}: ${await res.text()}`);
      await res.json();
    };
    const targets: { target: string; run: (key: string) => Promise<unknown> }[] = [
      { target: 'PostgreSQL direct (node-postgres)', run: (key) => direct.query(POINT_QUERY, [key]) },
      { target: 'HTTP API, mode passthrough', run: viaHttp('passthrough') },
      { target: 'HTTP API, mode auto', run: viaHttp('auto') },
    ];
    const ms = targets.map(() => [] as number[]);
    for (const t of targets) await t.run(keys[0] ?? '1');
    for (const key of keys) {
      for (const [i, t] of targets.entries()) ms[i]?.push(await timed(() => t.run(key)));
    }
    return {
      planner,
      planning,
      pointQuery: {
        sql: POINT_QUERY,
        targets: targets.map((t, i) => ({ target: t.target, ms: pct(ms[i] ?? []) })),
      },
    };
  } finally {
    await direct.end().catch(() => {});
  }
}
