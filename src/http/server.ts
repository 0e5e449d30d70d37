// The coordinator's HTTP API: /api/query, /api/explain, /api/workers, /healthz.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { invalidRequest } from '../errors/codes.ts';
import { PgError, toPgError } from '../errors/pg-error.ts';
import type { QueryRequest, QueryResult } from '../exec/api.ts';
import { parseQueryBody } from './query-body.ts';
import { BodyTooLargeError, readBody } from './read-body.ts';
import { httpStatusFor } from './status.ts';

/** What the HTTP layer needs from the coordinator (the `Coordinator` class satisfies it). */
export interface QueryService {
  query(req: QueryRequest, signal?: AbortSignal): Promise<QueryResult>;
  explain(req: QueryRequest): Promise<unknown>;
}

/** What the HTTP layer shows of the worker fleet. */
export interface FleetView {
  workers(): readonly { id: string; url: string; pid?: number }[];
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
}

export interface HttpServerHandle {
  url: string;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

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

  const routes: Record<string, Partial<Record<string, Handler>>> = {
    '/healthz': { GET: async (_req, res) => sendJson(res, 200, { ok: true }) },
    '/api/workers': {
      GET: async (_req, res) =>
        sendJson(
          res,
          200,
          fleet.workers().map((w) => ({ id: w.id, url: w.url, pid: w.pid ?? null })),
        ),
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
          logger.info(
            { mode: request.mode ?? 'auto', plan: planKind(result.plan), ms, rows: result.rows.length },
            'query',
          );
          sendJson(res, 200, result);
        } catch (err) {
          const ms = Math.round(performance.now() - started);
          const code = err instanceof PgError ? err.code : 'XX000';
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still running get a moment to answer; then their connections are cut.
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      }),
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: PgError,
  ) {
    super(error.message);
  }
}

function planKind(plan: unknown): string | undefined {
  if (typeof plan === 'object' && plan !== null && typeof (plan as { kind?: unknown }).kind === 'string') {
    return (plan as { kind: string }).kind;
  }
  return undefined;
}

function sendError(res: http.ServerResponse, status: number, err: PgError): void {
  sendJson(res, status, { error: err.toJSON() });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
