// The coordinator's side of the worker protocol: POST a chunk, parse the NDJSON stream, map failures to PgError.
import http from 'node:http';
import { internalError, queryCanceled, workerUnavailable } from '../errors/codes.ts';
import { PgError, type PgErrorFields } from '../errors/pg-error.ts';
import {
  CHUNK_PATH,
  type ChunkFault,
  type ChunkLine,
  type ChunkRequest,
  type FieldInfo,
} from '../worker/protocol.ts';
import { ServerFault } from './chunk-faults.ts';

/** A worker as the coordinator addresses it. */
export interface WorkerRef {
  id: string;
  url: string;
}

export interface RunChunkOptions {
  signal?: AbortSignal;
  onFields?: (fields: FieldInfo[]) => void;
  /** Receives each batch as it arrives; when absent, rows are collected and returned. */
  onRows?: (rows: (string | null)[][]) => void;
}

export interface ChunkOutcome {
  fields: FieldInfo[];
  rowCount: number;
  /** Time the worker spent on the chunk (its `done` line). */
  ms: number;
  /** Round trip as the coordinator saw it (request sent to last line received). */
  wallMs: number;
  rows?: (string | null)[][];
}

/** Keep-alive connections to the workers, shared by all chunks. Idle sockets do not hold the process open. */
export const workerAgent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });

/**
 * Runs one chunk on a worker. Resolves when the worker reports `done`; rejects with PostgreSQL's error
 * (every field kept), with 08006 when the worker cannot be reached or its answer breaks off, with XX000
 * when the worker rejects our secret, and with 57014 when `signal` aborts (the worker then cancels the
 * statement in PostgreSQL).
 *
 * @example
 *   const { fields, rows } = await runChunk({ id: 'w1', url }, secret, {
 *     id: 'q1/0', sql: 'SELECT 1', params: [], snapshot: null, role: null, settings: {},
 *   });
 */
export async function runChunk(
  worker: WorkerRef,
  secret: string,
  req: ChunkRequest,
  opts: RunChunkOptions = {},
): Promise<ChunkOutcome> {
  try {
    return await attempt(worker, secret, req, opts);
  } catch (err) {
    // A keep-alive socket the worker closed just as we reused it: nothing reached the worker, so one
    // retry on a fresh connection is safe (chunks are read-only anyway).
    if (err instanceof StaleSocket) return await attempt(worker, secret, req, opts);
    throw err;
  }
}

class StaleSocket extends Error {}

function attempt(
  worker: WorkerRef,
  secret: string,
  chunk: ChunkRequest,
  opts: RunChunkOptions,
): Promise<ChunkOutcome> {
  const { signal } = opts;
  const canceled = (): PgError => (signal?.reason instanceof PgError ? signal.reason : queryCanceled());
  if (signal?.aborted) return Promise.reject(canceled());
  const started = performance.now();
  const body = JSON.stringify(chunk);
  const unavailable = (what: string, detail?: string): PgError =>
    workerUnavailable(`worker ${worker.id} failed while running chunk ${chunk.id}: ${what}`, detail);

  return new Promise<ChunkOutcome>((resolve, reject) => {
    let settled = false;
    let received = false;
    let complete = false;
    const settle = (err: Error | null, value?: ChunkOutcome): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      // Cutting a response short closes the connection, which tells the worker to cancel the statement; a
      // complete response (even an error) leaves the keep-alive connection for the next chunk.
      if (!complete) req.destroy();
      if (err) reject(err);
      else resolve(value as ChunkOutcome);
    };
    const onAbort = (): void => settle(canceled());

    const req = http.request(new URL(CHUNK_PATH, worker.url), {
      method: 'POST',
      agent: workerAgent,
      headers: {
        authorization: `Bearer ${secret}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!received && req.reusedSocket && err.code === 'ECONNRESET') settle(new StaleSocket());
      else settle(unavailable(err.code ?? err.message, err.message));
    });
    req.on('response', (res) => {
      received = true;
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        let text = '';
        res.on('data', (s: string) => {
          if (text.length < 4096) text += s;
        });
        res.on('end', () => {
          complete = true;
          if (res.statusCode === 401) {
            settle(
              internalError(
                "worker rejected the coordinator's secret",
                `worker ${worker.id} at ${worker.url} answered 401; check MB_WORKER_SECRET`,
              ),
            );
          } else settle(unavailable(`HTTP ${res.statusCode}`, text.slice(0, 1000)));
        });
        res.on('error', () => settle(unavailable(`HTTP ${res.statusCode}`)));
        return;
      }
      const state: StreamState = {
        fields: null,
        rowCount: 0,
        rows: opts.onRows ? undefined : [],
        last: null,
      };
      let tail = '';
      res.on('data', (text: string) => {
        if (settled) return;
        const lines = (tail + text).split('\n');
        tail = lines.pop() ?? '';
        try {
          for (const line of lines) {
            if (line === '') continue;
            const problem = acceptLine(line, state, opts);
            if (problem) return settle(unavailable(problem));
          }
        } catch (err) {
          // A callback threw (e.g. the merger): the chunk fails with that error.
          settle(err instanceof Error ? err : new Error(String(err)));
        }
      });
      res.on('end', () => {
        complete = true;
        if (tail !== '') {
          const problem = acceptLine(tail, state, opts);
          if (problem) return settle(unavailable(problem));
        }
        const last = state.last;
        if (last && 'error' in last) return settle(errorFromLine(last.error, last.fault));
        if (last && 'done' in last) {
          if (last.done.rows !== state.rowCount) {
            return settle(unavailable(`worker reported ${last.done.rows} rows but sent ${state.rowCount}`));
          }
          const outcome: ChunkOutcome = {
            fields: state.fields ?? [],
            rowCount: state.rowCount,
            ms: last.done.ms,
            wallMs: performance.now() - started,
          };
          if (state.rows) outcome.rows = state.rows;
          return settle(null, outcome);
        }
        settle(unavailable('the response ended before the chunk finished'));
      });
      res.on('error', (err) => settle(unavailable('the response broke off', err.message)));
      res.on('close', () => settle(unavailable('the response broke off')));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    req.end(body);
  });
}

type FinalLine = Extract<ChunkLine, { done: unknown }> | Extract<ChunkLine, { error: unknown }>;

interface StreamState {
  fields: FieldInfo[] | null;
  rowCount: number;
  rows: (string | null)[][] | undefined;
  last: FinalLine | null;
}

/** Applies one NDJSON line; returns a description of the protocol problem, if any. */
function acceptLine(line: string, state: StreamState, opts: RunChunkOptions): string | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'the response is not valid NDJSON';
  }
  if (typeof value !== 'object' || value === null) return 'unexpected line in the response';
  if (state.last) return 'a line followed the final line';
  const v = value as Partial<Record<'fields' | 'rows' | 'done' | 'error', unknown>>;
  if (Array.isArray(v.fields)) {
    state.fields = v.fields as FieldInfo[];
    opts.onFields?.(state.fields);
  } else if (Array.isArray(v.rows)) {
    if (!state.fields) return 'rows arrived before the fields';
    const rows = v.rows as (string | null)[][];
    state.rowCount += rows.length;
    if (opts.onRows) opts.onRows(rows);
    else for (const r of rows) state.rows?.push(r);
  } else if (isObject(v.done) || isObject(v.error)) {
    state.last = value as FinalLine;
  } else return 'unexpected line in the response';
  return null;
}

const ERROR_FIELDS = [
  'severity',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
] as const satisfies readonly (keyof PgErrorFields)[];

/** PostgreSQL's error as the worker forwarded it, every field kept; a ServerFault when the server was to blame. */
function errorFromLine(e: Record<string, unknown>, fault?: unknown): PgError {
  const fields: PgErrorFields = {
    code: typeof e.code === 'string' ? e.code : 'XX000',
    message: typeof e.message === 'string' ? e.message : 'worker reported an error without a message',
  };
  for (const key of ERROR_FIELDS) {
    const v = e[key];
    if (typeof v === 'string') fields[key] = v;
  }
  return isFault(fault) ? new ServerFault(fields, fault) : new PgError(fields);
}

const FAULT_REASONS: readonly string[] = [
  'unavailable',
  'behind',
  'conflict',
] satisfies ChunkFault['reason'][];

function isFault(v: unknown): v is ChunkFault {
  const f = v as Partial<ChunkFault> | null;
  return (
    typeof f === 'object' &&
    f !== null &&
    typeof f.server === 'string' &&
    FAULT_REASONS.includes(String(f.reason))
  );
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null;
}
