// The worker's HTTP server: authenticated chunk endpoint, liveness and readiness probes, graceful close.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { Logger } from 'pino';
import { workerUnavailable } from '../errors/codes.ts';
import { PgError, toPgError } from '../errors/pg-error.ts';
import { BodyTooLargeError, readBody } from '../http/read-body.ts';
import { bearerMatches } from './auth.ts';
import { cancelBackend } from './cancel.ts';
import { ChunkAborted, ReplayBehind, runChunkTransaction } from './chunk-runner.ts';
import { NdjsonWriter } from './ndjson-writer.ts';
import { CHUNK_PATH, type ChunkFault, type ChunkLine } from './protocol.ts';
import { parseChunkRequest } from './request.ts';
import { type ServerPool, ServerPools } from './server-pools.ts';

export interface WorkerOptions {
  databaseUrl: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Shared secret the coordinator presents as `Authorization: Bearer <secret>`. */
  secret: string;
  /** PostgreSQL connections, i.e. chunks this worker runs at once (more wait for a connection). */
  poolSize: number;
  logger: Logger;
}

export interface WorkerHandle {
  url: string;
  /** Stops accepting, lets running chunks finish, closes the pool. */
  close(): Promise<void>;
}

/** Largest chunk request accepted (SQL plus parameters). */
const MAX_CHUNK_BODY = 16 * 1024 * 1024;

/** Every value stays PostgreSQL's own text output: the merger, not the worker, interprets types. */

/**
 * Starts a worker. Stateless: any worker can run any chunk.
 *
 * @example
 *   const w = await startWorker({ databaseUrl, host: '127.0.0.1', port: 0, secret, poolSize: 8, logger });
 *   // POST `${w.url}/v1/chunk` ...
 *   await w.close();
 */
export async function startWorker(opts: WorkerOptions): Promise<WorkerHandle> {
  const { logger } = opts;
  // Its own database (the primary) plus a pool per replica a chunk names.
  const pools = new ServerPools({ url: opts.databaseUrl, poolSize: opts.poolSize, logger });
  const pool = pools.own.pool;
  const inFlight = new Set<Promise<void>>();

  const server = http.createServer((req, res) => {
    const task = route(req, res).catch((err: unknown) => {
      logger.error({ err }, 'worker request failed');
      if (!res.headersSent)
        sendJson(res, 500, { error: { code: 'XX000', message: 'internal error in worker' } });
      else res.destroy();
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  });
  server.keepAliveTimeout = 30_000;

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === CHUNK_PATH) {
      if (req.method !== 'POST') return sendJson(res, 405, errorBody('08P01', `use POST for ${CHUNK_PATH}`));
      return await handleChunk(req, res);
    }
    if (path === '/healthz' && req.method === 'GET') return sendJson(res, 200, { ok: true });
    if (path === '/readyz' && req.method === 'GET') {
      const ready = await probe(pool);
      return sendJson(res, ready.ok ? 200 : 503, ready);
    }
    sendJson(res, 404, errorBody('08P01', `no such endpoint: ${req.method} ${path}`));
  }

  async function handleChunk(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    if (!bearerMatches(req.headers.authorization, opts.secret)) {
      logger.warn({ remote: req.socket.remoteAddress }, 'chunk request with a missing or wrong secret');
      req.resume();
      return sendJson(res, 401, errorBody('28000', 'worker authentication failed: wrong or missing secret'));
    }
    let chunk: ReturnType<typeof parseChunkRequest>;
    try {
      chunk = parseChunkRequest(await readBody(req, MAX_CHUNK_BODY));
    } catch (err) {
      if (err instanceof BodyTooLargeError) return sendJson(res, 413, errorBody('54000', err.message));
      return sendJson(res, 400, { error: toPgError(err).toJSON() });
    }
    const aborter = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborter.abort();
    });
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const out = new NdjsonWriter(res);
    const target = pools.get(chunk.server);
    const log = logger.child({ chunk: chunk.id, ...(target && !target.own ? { server: target.id } : {}) });
    if (!target) {
      return out.end(errorLine(workerUnavailable('worker has too many database servers open')));
    }

    let client: pg.PoolClient;
    try {
      client = await target.pool.connect();
    } catch (err) {
      log.warn({ err: errText(err) }, 'no PostgreSQL connection for chunk');
      const e = connectionError(`worker could not connect to PostgreSQL${serverName(target)}`, err);
      return out.end(errorLine(e, faultOf(target, err)));
    }
    if (aborter.signal.aborted) return client.release();
    // A dying connection emits 'error' on the client even while a query runs (which fails too): without a
    // listener that would crash the worker.
    let lost: Error | null = null;
    const onClientError = (err: Error): void => {
      lost = err;
    };
    client.on('error', onClientError);

    let destroy = false;
    try {
      const ctx = {
        client,
        out,
        signal: aborter.signal,
        cancel: (pid: number) => cancelBackend(target.url, pid),
      };
      const rows = await runChunkTransaction(ctx, chunk);
      const ms = Math.round((performance.now() - started) * 1000) / 1000;
      out.end({ done: { rows, ms } });
      log.debug({ rows, ms }, 'chunk done');
    } catch (err) {
      if (err instanceof ChunkAborted || aborter.signal.aborted) {
        destroy = true;
        log.info('chunk canceled: the coordinator went away');
        return;
      }
      const behind = err instanceof ReplayBehind;
      const pgErr = behind
        ? new PgError({ code: '57P03', message: `${err.message}${serverName(target)}` })
        : isDatabaseError(err)
          ? toPgError(err)
          : connectionError(`worker lost its connection to PostgreSQL${serverName(target)}`, err);
      if (!isDatabaseError(err) && !behind)
        log.warn({ err: errText(err) }, 'chunk failed outside PostgreSQL');
      try {
        await client.query('ROLLBACK');
      } catch {
        destroy = true;
      }
      out.end(errorLine(pgErr, behind ? { server: target.id, reason: 'behind' } : faultOf(target, err)));
    } finally {
      const discard = destroy || lost !== null;
      // A discarded client keeps the listener: its socket may still report errors while closing.
      if (!discard) client.off('error', onClientError);
      client.release(discard);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(opts.host)}:${port}`;
  logger.info({ url, poolSize: opts.poolSize }, 'worker listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    close: () => {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        server.closeAllConnections();
        await stopped;
        await pools.end();
        logger.info('worker stopped');
      })();
      return closing;
    },
  };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

async function probe(pool: pg.Pool): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out waiting for PostgreSQL')), 2000);
  });
  try {
    await Promise.race([pool.query('SELECT 1'), timeout]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Errors PostgreSQL sent (they carry a SQLSTATE), as opposed to a lost connection. */
function isDatabaseError(err: unknown): boolean {
  return err instanceof pg.DatabaseError;
}

function connectionError(message: string, err: unknown): PgError {
  const cause = err instanceof Error ? err.message : String(err);
  return workerUnavailable(message, cause);
}

/** The error line carries every field PostgreSQL sent (where, schema, table, ...), not only the protocol's five. */
function errorLine(err: PgError, fault?: ChunkFault): ChunkLine {
  const fields = Object.fromEntries(Object.entries(err.fields).filter(([, v]) => v !== undefined));
  return { error: { ...err.toJSON(), ...fields }, ...(fault ? { fault } : {}) };
}

/** SQLSTATEs with which a standby gives up on a query for its own reasons (shutdown, recovery conflicts). */
const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '57P04']);
const CONFLICT_CODES = new Set(['40001', '40P01']);

/**
 * Whether a chunk on a replica failed because of the replica: the connection failed or broke, it shut down,
 * or (a read-only REPEATABLE READ transaction cannot otherwise fail so) it cancelled the query for a conflict
 * with recovery. Failures on the worker's own database keep the behaviour they had (no fault).
 */
function faultOf(target: ServerPool, err: unknown): ChunkFault | undefined {
  if (target.own) return undefined;
  if (!isDatabaseError(err)) return { server: target.id, reason: 'unavailable' };
  const code = (err as pg.DatabaseError).code ?? '';
  if (code.startsWith('08') || UNAVAILABLE_CODES.has(code))
    return { server: target.id, reason: 'unavailable' };
  if (CONFLICT_CODES.has(code)) return { server: target.id, reason: 'conflict' };
  return undefined;
}

const serverName = (target: ServerPool): string => (target.own ? '' : ` (server ${target.id})`);

/** An error's message only: a connection error object may carry its configuration, credentials included. */
function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
