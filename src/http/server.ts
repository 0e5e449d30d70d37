// The coordinator's HTTP API: /api/query, /api/explain, /api/workers (+ registration), /metrics, /healthz.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { WorkerInfo } from '../cluster/types.ts';
import { invalidRequest } from '../errors/codes.ts';
import { PgError, toPgError } from '../errors/pg-error.ts';
import type { QueryRequest, QueryResult } from '../exec/api.ts';
import { Metrics, modeOfPlan } from './metrics.ts';
import { parseQueryBody } from './query-body.ts';
import { BodyTooLargeError, readBody } from './read-body.ts';
import { HttpError, type Routes, sendError, sendJson } from './respond.ts';
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
  /** Largest accepted request body (default 1 MiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /** Serves worker registration (`/api/workers/register`, `/drain`, `/deregister`) into this registry. */
  workerApi?: WorkerApiOptions;
  /** Metrics to serve and record into (a new set, over `fleet`, when absent). */
  metrics?: Metrics;
}

export interface HttpServerHandle {
  url: string;
  metrics: Metrics;
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
        try {
          const result = await coordinator.query(request, aborter.signal);
          const ms = Math.round(performance.now() - started);
          metrics.recordQuery({ mode: modeOfPlan(result.plan), ms, ok: true });
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
          if (aborter.signal.aborted)
            logger.info({ mode: request.mode ?? 'auto', ms }, 'query canceled: client left');
          else logger.info({ mode: request.mode ?? 'auto', ms, code }, 'query failed');
          throw err;
        }
      },
    },
    '/api/explain': {
      POST: async (req, res) => {
        const request = await body(req);
        sendJson(res, 200, { plan: await coordinator.explain(request) });
      },
    },
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const methods = routes[path];
    const handler = methods?.[req.method ?? 'GET'];
    const run: Promise<void> = handler
      ? handler(req, res)
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

  return {
    url,
    metrics,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still running get a moment to answer; then their connections are cut.
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      }),
  };
}
