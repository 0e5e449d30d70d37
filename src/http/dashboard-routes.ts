// The dashboard's API: GET /api/status, GET /api/history, and the live stream GET /api/events (server-sent events).
import type http from 'node:http';
import type { Logger } from 'pino';
import type { ServerInfo } from '../cluster/server-info.ts';
import type { WorkerInfo } from '../cluster/types.ts';
import type { QueryResult } from '../exec/api.ts';
import type { HistoryEntry, PostgresInfo, Sample, Status } from './api-types.ts';
import type { LiveStats } from './live-stats.ts';

export type { PostgresInfo, Status };

import { type Routes, sendJson } from './respond.ts';

const PG_INFO_SQL = `SELECT current_setting('server_version') AS version, current_database() AS database,
  pg_database_size(current_database())::text AS size_bytes,
  (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database())::text AS connections,
  current_setting('max_connections') AS max_connections, pg_postmaster_start_time()::text AS started_at`;
const PG_INFO_TTL_MS = 5000;
const HEARTBEAT_MS = 15_000;

export interface DashboardApiOptions {
  live: LiveStats;
  fleet: { list(): WorkerInfo[] };
  /** The database servers (primary and read replicas), when known. */
  servers?: { list(): ServerInfo[] };
  /** Runs the PostgreSQL status statement whole (the coordinator in passthrough mode). */
  runWhole: (sql: string) => Promise<QueryResult>;
  /** Statements running now through POST /api/query. */
  running: () => number;
  logger: Logger;
}

export interface DashboardApi {
  routes: Routes;
  /** Sends every stream client the new sample and status; call once a second. */
  tick(): void;
  /** Sends every stream client a finished statement. */
  statement(entry: HistoryEntry): void;
  /** Ends every stream (before the server closes). */
  close(): void;
}

/**
 * @example
 *   const api = dashboardApi({ live, fleet, runWhole, running: () => 0, logger });
 *   const routes = { ...api.routes };
 *   setInterval(() => api.tick(), 1000);
 */
export function dashboardApi(opts: DashboardApiOptions): DashboardApi {
  const { live, fleet, logger } = opts;
  const streams = new Set<http.ServerResponse>();
  let pg: { at: number; value: Status['postgres'] } = { at: 0, value: null };
  let pgLoading: Promise<void> | null = null;

  const refreshPostgres = () => {
    if (Date.now() - pg.at < PG_INFO_TTL_MS) return Promise.resolve();
    pgLoading ??= opts
      .runWhole(PG_INFO_SQL)
      .then((res) => {
        pg = { at: Date.now(), value: parsePostgresInfo(res) };
      })
      .catch((err: unknown) => {
        logger.debug({ err }, 'dashboard: PostgreSQL status failed');
        pg = { at: Date.now(), value: { error: err instanceof Error ? err.message : String(err) } };
      })
      .finally(() => {
        pgLoading = null;
      });
    return pgLoading;
  };

  const status = (): Status => ({
    time: new Date().toISOString(),
    coordinator: {
      pid: process.pid,
      node: process.version,
      startedAt: live.startedAt.toISOString(),
      uptimeSec: Math.round((Date.now() - live.startedAt.getTime()) / 1000),
      statements: live.statementsTotal,
      errors: live.errorsTotal,
      running: opts.running(),
    },
    postgres: pg.value,
    workers: fleet.list(),
    servers: opts.servers?.list() ?? [],
  });

  const send = (res: http.ServerResponse, event: string, data: unknown) => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const broadcast = (event: string, data: unknown) => {
    for (const res of streams) send(res, event, data);
  };

  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    routes: {
      '/api/status': {
        GET: async (_req, res) => {
          await refreshPostgres();
          sendJson(res, 200, status());
        },
      },
      '/api/history': { GET: async (_req, res) => sendJson(res, 200, live.history()) },
      '/api/events': {
        GET: async (req, res) => {
          await refreshPostgres();
          res.writeHead(200, {
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-cache, no-transform',
            connection: 'keep-alive',
            'x-accel-buffering': 'no',
          });
          res.write('retry: 1000\n\n');
          send(res, 'snapshot', { status: status(), series: live.series(), history: live.history() });
          streams.add(res);
          req.on('close', () => streams.delete(res));
        },
      },
    },
    tick() {
      const sample: Sample = live.tick();
      if (streams.size === 0) return;
      void refreshPostgres();
      broadcast('tick', { status: status(), sample });
    },
    statement(entry) {
      broadcast('statement', entry);
    },
    close() {
      clearInterval(heartbeat);
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}

function parsePostgresInfo(res: QueryResult): PostgresInfo | { error: string } {
  const row = res.rows[0];
  const at = (name: string) => {
    const i = res.columns.findIndex((c) => c.name === name);
    return i < 0 ? null : (row?.[i] ?? null);
  };
  const version = at('version');
  if (version === null) return { error: 'no answer from PostgreSQL' };
  return {
    version,
    database: at('database') ?? '',
    sizeBytes: Number(at('size_bytes') ?? 0),
    connections: Number(at('connections') ?? 0),
    maxConnections: Number(at('max_connections') ?? 0),
    startedAt: at('started_at') ?? '',
  };
}
