// The configurations the benchmark compares: PostgreSQL serial, PostgreSQL parallel, Mini-Balancer with W workers.
import pg from 'pg';
import type { Logger } from 'pino';
import { startServer } from '../cli/serve.ts';
import type { QueryMode } from '../exec/api.ts';
import type { Consistency } from '../exec/placement.ts';
import { RAW_TEXT } from '../pg/raw-text.ts';
import type { Rows } from './compare-rows.ts';

export interface TargetAnswer {
  rows: Rows;
  typeOids: number[];
  /** Mini-Balancer only: chunks run, mode of the plan, coordinator planning time. */
  chunks?: number;
  mode?: string;
  planMs?: number;
  /** Mini-Balancer only: the longest chunk and the sum of all chunks, as the workers timed them. */
  chunkMaxMs?: number;
  chunkSumMs?: number;
}

export interface Target {
  /** `serial`, `native`, `mb-1`, ... */
  id: string;
  label: string;
  /** Mini-Balancer's worker count; undefined for PostgreSQL alone and for the database-server series. */
  workers?: number;
  /** The database-server series: how many servers (the primary plus replicas) chunks may run on. */
  servers?: number;
  run(sql: string): Promise<TargetAnswer>;
  close(): Promise<void>;
}

/**
 * PostgreSQL alone on one direct connection with `max_parallel_workers_per_gather` set (0: serial).
 *
 * @example
 *   const serial = await directTarget(url, 'serial', 'PostgreSQL serial', 0);
 */
export async function directTarget(
  databaseUrl: string,
  id: string,
  label: string,
  parallelWorkers: number,
): Promise<Target> {
  const client = new pg.Client({ connectionString: databaseUrl, types: RAW_TEXT });
  client.on('error', () => {}); // a lost connection also fails the pending query, which reports it
  await client.connect();
  await client.query(`SET max_parallel_workers_per_gather = ${parallelWorkers}`);
  return {
    id,
    label,
    async run(sql) {
      const res = await client.query({ text: sql, rowMode: 'array' });
      return { rows: res.rows as Rows, typeOids: res.fields.map((f) => f.dataTypeID) };
    },
    close: () => client.end().catch(() => {}),
  };
}

/**
 * Mini-Balancer with `workers` local worker processes (its own coordinator), queried in-process. With
 * `replicaUrls` it is a point of the database-server series: chunks may also run on those replicas.
 */
export async function balancerTarget(opts: {
  databaseUrl: string;
  workers: number;
  mode: QueryMode;
  logger: Logger;
  replicaUrls?: string[];
  consistency?: Consistency;
}): Promise<
  Target & { httpUrl: string; coordinator: Awaited<ReturnType<typeof startServer>>['coordinator'] }
> {
  const server = await startServer({
    databaseUrl: opts.databaseUrl,
    workers: opts.workers,
    httpPort: 0,
    logger: opts.logger,
    ...(opts.replicaUrls ? { replicaUrls: opts.replicaUrls } : {}),
    ...(opts.consistency ? { consistency: opts.consistency } : {}),
  });
  const { coordinator } = server;
  const servers = opts.replicaUrls ? 1 + opts.replicaUrls.length : undefined;
  return {
    ...(servers === undefined
      ? { id: `mb-${opts.workers}`, label: `Mini-Balancer ${opts.workers}W`, workers: opts.workers }
      : {
          id: `srv-${servers}`,
          label: `Mini-Balancer ${opts.workers}W, ${servers} ${servers === 1 ? 'server' : 'servers'}`,
          servers,
        }),
    httpUrl: server.httpUrl,
    coordinator,
    async run(sql) {
      const res = await coordinator.query({ sql, mode: opts.mode });
      const plan = res.plan as { mode?: string };
      return {
        rows: res.rows,
        typeOids: res.columns.map((c) => c.typeOid),
        chunks: res.stats.shards.length,
        mode: plan.mode ?? 'unknown',
        planMs: res.stats.planMs,
        chunkMaxMs: Math.max(0, ...res.stats.shards.map((x) => x.ms)),
        chunkSumMs: res.stats.shards.reduce((sum, x) => sum + x.ms, 0),
      };
    },
    close: () => server.stop(),
  };
}
