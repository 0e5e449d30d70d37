// The coordinator's HTTP API: /api/query, /api/explain, /api/workers (+ registration), /api/servers, /metrics, /healthz,
// the dashboard's status, history and live stream, and the dashboard itself.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { WorkerInfo } from '../cluster/types.ts';
import { invalidAuthorization, invalidRequest } from '../errors/codes.ts';
import { PgError, toPgError } from '../errors/pg-error.ts';
import type { QueryRequest, QueryResult } from '../exec/api.ts';
import { accessFor } from './access.ts';
import { dashboardApi } from './dashboard-routes.ts';
import { LiveStats, type NewEntry } from './live-stats.ts';
import { Metrics, modeOfPlan } from './metrics.ts';
import { parseQueryBody } from './query-body.ts';
import { BodyTooLargeError, readBody } from './read-body.ts';
import { HttpError, type Routes, sendError, sendJson } from './respond.ts';
import { type ServerView, serverRoutes } from './server-routes.ts';
import { type DashboardSource, isDashboardPath, serveDashboard, tokenPage } from './static-files.ts';
import { httpStatusFor } from './status.ts';
import { type WorkerApiOptions, workerRoutes } from './worker-routes.ts';

/** What the HTTP layer needs from the coordinator (the `Coordinator` class satisfies it). */
export interface QueryService {
  query(req: QueryRequest, signal?: AbortSignal): Promise<QueryResult>;
  explain(req: QueryRequest): Promise<unknown>;
}

/** What the HTTP layer shows of the worker fleet (the `WorkerRegistry` satisfies it). */
export interface FleetView {
  list(): WorkerInfo[];
}

export interface HttpServerOptions {
  coordinator: QueryService;
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  fleet: FleetView;
  /** The database servers (primary and read replicas) for `GET /api/servers` and the dashboard. */
  servers?: ServerView;
  /** Largest accepted request body (default 1 MiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /** Serves worker registration (`/api/workers/register`, `/drain`, `/deregister`) into this registry. */
  workerApi?: WorkerApiOptions;
  /** Metrics to serve and record into (a new set, over `fleet`, when absent). */
  metrics?: Metrics;
  /**
   * Access token for the API and dashboard (default env `MB_HTTP_TOKEN`). Without one, a server bound off
   * loopback makes one up and logs the dashboard URL carrying it; on loopback none is needed.
   */
  token?: string;
  /** Where the built dashboard is (default: built from src/dashboard on first request); false: no dashboard. */
  dashboard?: DashboardSource | false;
}

export interface HttpServerHandle {
  url: string;
  metrics: Metrics;
  /** The access token, or null when none is needed. */
  token: string | null;
  /** Recent statements and per-second samples, as the dashboard shows them. */
  live: LiveStats;
  /** Records a statement run elsewhere (the PostgreSQL-protocol gateway) in the history and live charts. */
  recordStatement(request: QueryRequest, result: QueryResult, ms: number): void;
  close(): Promise<void>;
}

/**
 * Starts the HTTP API.
 *
 * @example
 *   const api = await startHttpServer({ coordinator, host: '127.0.0.1', port: 8080, logger, fleet });
 *   // curl -d '{"sql":"SELECT count(*) FROM lineitem"}' http://127.0.0.1:8080/api/query
 *   await api.close();
 */
export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServerHandle> {
  const { coordinator, logger, fleet } = opts;
  const metrics = opts.metrics ?? new Metrics(fleet);
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const access = accessFor(opts.host, opts.token);
  const live = new LiveStats(fleet);
  let running = 0;
  const dashboard = dashboardApi({
    live,
    fleet,
    ...(opts.servers ? { servers: opts.servers } : {}),
    logger,
    running: () => running,
    runWhole: (sql) => coordinator.query({ sql, mode: 'passthrough' }),
  });
  const record = (entry: NewEntry) => dashboard.statement(live.record(entry));
  const dashboardFiles: DashboardSource | false =
    opts.dashboard ?? (async () => (await import('../dashboard/build.ts')).ensureDashboardBuilt());

  async function body(req: http.IncomingMessage): Promise<QueryRequest> {
    try {
      return parseQueryBody(await readBody(req, maxBody));
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        throw new PgError({ code: '54000', message: `request body exceeds ${maxBody} bytes` });
      }
      throw err;
    }
  }

  const routes: Routes = {
    '/healthz': { GET: async (_req, res) => sendJson(res, 200, { ok: true }) },
    '/api/workers': { GET: async (_req, res) => sendJson(res, 200, fleet.list()) },
    ...serverRoutes(opts.servers),
    ...(opts.workerApi ? workerRoutes(opts.workerApi) : {}),
    '/metrics': {
      GET: async (_req, res) => {
        const text = await metrics.render();
        res.writeHead(200, { 'content-type': metrics.contentType });
        res.end(text);
      },
    },
    '/api/query': {
      POST: async (req, res) => {
        const started = performance.now();
        const request = await body(req);
        const aborter = new AbortController();
        res.on('close', () => {
          if (!res.writableFinished) aborter.abort();
        });
        running++;
        try {
          const result = await coordinator.query(request, aborter.signal);
          const ms = Math.round(performance.now() - started);
          metrics.recordQuery({ mode: modeOfPlan(result.plan), ms, ok: true });
          record(historyEntry(request, result, performance.now() - started));
          logger.info(
            { mode: request.mode ?? 'auto', plan: modeOfPlan(result.plan), ms, rows: result.rows.length },
            'query',
          );
          sendJson(res, 200, result);
        } catch (err) {
          const ms = Math.round(performance.now() - started);
          const code = err instanceof PgError ? err.code : 'XX000';
          const mode = request.mode === 'passthrough' ? 'passthrough' : 'unknown';
          metrics.recordQuery({ mode, ms, ok: false, canceled: aborter.signal.aborted });
          record({
            sql: request.sql,
            requested: request.mode ?? 'auto',
            mode,
            chunks: 0,
            workers: 0,
            rows: 0,
            ms: performance.now() - started,
            shards: [],
            error: aborter.signal.aborted
              ? { code: '57014', message: 'canceling statement due to user request' }
              : { code, message: err instanceof PgError ? err.message : 'internal error in mini-balancer' },
          });
          if (aborter.signal.aborted)
            logger.info({ mode: request.mode ?? 'auto', ms }, 'query canceled: client left');
          else logger.info({ mode: request.mode ?? 'auto', ms, code }, 'query failed');
          throw err;
        } finally {
          running--;
        }
      },
    },
    '/api/explain': {
      POST: async (req, res) => {
        const request = await body(req);
        sendJson(res, 200, { plan: await coordinator.explain(request) });
      },
    },
    ...dashboard.routes,
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const methods = routes[path];
    const handler = methods?.[req.method ?? 'GET'];
    const page = !methods && req.method === 'GET' && dashboardFiles !== false && isDashboardPath(path);
    if (!access.allows(req, path)) {
      if (page && path === '/') {
        res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' });
        res.end(tokenPage());
      } else {
        sendError(
          res,
          401,
          invalidAuthorization('an access token is required (Authorization: Bearer <token>)'),
        );
      }
      return;
    }
    if (page && path === '/' && access.token !== null && access.presentedInQuery(req)) {
      // Trade the token in the URL for a cookie, then drop it from the address bar.
      res.writeHead(303, { 'set-cookie': access.cookie(), location: '/' });
      res.end();
      return;
    }
    const run: Promise<void> = handler
      ? handler(req, res)
      : page
        ? serveDashboard(res, path, dashboardFiles).then((found) => {
            if (!found) throw new HttpError(404, invalidRequest(`no such file: ${path}`));
          })
        : Promise.reject(
            methods
              ? new HttpError(405, invalidRequest(`use ${Object.keys(methods).join(' or ')} for ${path}`))
              : new HttpError(404, invalidRequest(`no such endpoint: ${req.method} ${path}`)),
          );
    run.catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof HttpError) return sendError(res, err.status, err.error);
      const pgErr = toPgError(err);
      if (!(err instanceof PgError)) logger.error({ err, path }, 'unexpected error in HTTP handler');
      else if (pgErr.code.startsWith('XX')) logger.error({ err: pgErr.fields, path }, 'internal error');
      sendError(res, httpStatusFor(pgErr.code), pgErr);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url }, 'HTTP API listening');
  if (access.token !== null && opts.token === undefined && !process.env.MB_HTTP_TOKEN) {
    logger.warn(
      { dashboard: `${url}/?token=${access.token}` },
      'the HTTP API is bound off loopback: it and the dashboard need this access token (or set MB_HTTP_TOKEN)',
    );
  }
  const ticker = setInterval(() => dashboard.tick(), 1000);
  ticker.unref();

  return {
    url,
    metrics,
    token: access.token,
    live,
    recordStatement: (request, result, ms) => {
      metrics.recordQuery({ mode: modeOfPlan(result.plan), ms, ok: true });
      record(historyEntry(request, result, ms));
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(ticker);
        dashboard.close();
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still running get a moment to answer; then their connections are cut.
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      }),
  };
}

/** A finished statement as Query History files it. */
function historyEntry(request: QueryRequest, result: QueryResult, ms: number): NewEntry {
  const plan = (result.plan ?? {}) as Record<string, unknown>;
  const mode = modeOfPlan(result.plan);
  const text = (key: string) => (typeof plan[key] === 'string' ? { [key]: plan[key] as string } : {});
  return {
    sql: request.sql,
    requested: request.mode ?? 'auto',
    mode,
    ...text('reason'),
    ...text('table'),
    ...text('strategy'),
    chunks: result.stats.shards.length,
    workers: new Set(result.stats.shards.map((s) => s.worker)).size,
    rows: result.rows.length,
    ms,
    plan: result.plan,
    shards: result.stats.shards,
  };
}
