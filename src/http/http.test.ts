// The HTTP layer's own behaviour with a stand-in coordinator: validation, status codes, limits, abort.
import http from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerInfo } from '../cluster/types.ts';
import { PgError } from '../errors/pg-error.ts';
import type { QueryRequest, QueryResult } from '../exec/api.ts';
import { type HttpServerHandle, type QueryService, startHttpServer } from './server.ts';
import { httpStatusFor } from './status.ts';

const RESULT: QueryResult = {
  columns: [{ name: 'n', typeOid: 20 }],
  rows: [['42']],
  plan: { kind: 'passthrough', reason: 'test' },
  stats: { elapsedMs: 1, planMs: 0, shards: [] },
};

const WORKER: WorkerInfo = {
  id: 'w1',
  url: 'http://127.0.0.1:1',
  pid: 123,
  source: 'local',
  state: 'healthy',
  concurrency: 4,
  inFlight: 0,
  completed: 2,
  failed: 0,
  rows: 10,
  busyMs: 5,
  lastHeartbeat: '2026-01-01T00:00:00.000Z',
  consecutiveFailures: 0,
};

/** A stand-in coordinator: records requests, answers RESULT, or throws what `fail` says for a given SQL. */
class FakeCoordinator implements QueryService {
  requests: QueryRequest[] = [];
  failures = new Map<string, unknown>();
  aborted: Promise<void> | null = null;

  async query(req: QueryRequest, signal?: AbortSignal): Promise<QueryResult> {
    this.requests.push(req);
    if (req.sql === 'hang') {
      this.aborted = new Promise((resolve) => signal?.addEventListener('abort', () => resolve()));
      await this.aborted;
      throw new PgError({ code: '57014', message: 'canceling statement due to user request' });
    }
    if (this.failures.has(req.sql)) throw this.failures.get(req.sql);
    return RESULT;
  }

  async explain(req: QueryRequest): Promise<unknown> {
    this.requests.push(req);
    if (this.failures.has(req.sql)) throw this.failures.get(req.sql);
    return { kind: 'parallel', chunks: req.chunks ?? 4 };
  }
}

const fake = new FakeCoordinator();
let api: HttpServerHandle;

/** A parsed API answer: an error object, or whatever the endpoint returns. */
interface Answer {
  error?: { code: string; message: string };
  [key: string]: unknown;
}

async function call(method: string, path: string, body?: string): Promise<{ status: number; body: Answer }> {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
  if (body !== undefined) init.body = body;
  const res = await fetch(api.url + path, init);
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

beforeAll(async () => {
  api = await startHttpServer({
    coordinator: fake,
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'silent' }),
    fleet: { list: () => [WORKER] },
  });
});

afterAll(async () => {
  await api?.close();
});

describe('request validation', () => {
  it.each([
    ['not JSON', '{"sql":', '08P01'],
    ['an array', '[]', '08P01'],
    ['a string', '"SELECT 1"', '08P01'],
    ['no sql', '{}', '08P01'],
    ['empty sql', '{"sql":"  "}', '08P01'],
    ['sql not a string', '{"sql":1}', '08P01'],
    ['bad mode', '{"sql":"SELECT 1","mode":"fast"}', '22023'],
    ['chunks 0', '{"sql":"SELECT 1","chunks":0}', '22023'],
    ['chunks fractional', '{"sql":"SELECT 1","chunks":1.5}', '22023'],
    ['chunks too many', '{"sql":"SELECT 1","chunks":1025}', '22023'],
    ['chunks a string', '{"sql":"SELECT 1","chunks":"4"}', '22023'],
    ['params not an array', '{"sql":"SELECT 1","params":"x"}', '22023'],
    ['params with a number', '{"sql":"SELECT $1","params":[1]}', '22023'],
    ['unknown field', '{"sql":"SELECT 1","chunk":4}', '22023'],
  ])('%s → 400 %s', async (_name, body, code) => {
    const before = fake.requests.length;
    for (const path of ['/api/query', '/api/explain']) {
      const res = await call('POST', path, body);
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe(code);
      expect(typeof res.body.error?.message).toBe('string');
    }
    expect(fake.requests.length).toBe(before);
  });

  it('passes a valid request through unchanged', async () => {
    const body = { sql: 'SELECT $1::int8', params: ['42', null], mode: 'parallel', chunks: 1024 };
    const res = await call('POST', '/api/query', JSON.stringify(body));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(RESULT);
    expect(fake.requests.at(-1)).toEqual(body);
  });

  it('explain answers the plan', async () => {
    const res = await call('POST', '/api/explain', JSON.stringify({ sql: 'SELECT 1', chunks: 7 }));
    expect(res).toEqual({ status: 200, body: { plan: { kind: 'parallel', chunks: 7 } } });
  });

  it('a body over 1 MiB → 413', async () => {
    const res = await call(
      'POST',
      '/api/query',
      JSON.stringify({ sql: `SELECT '${'x'.repeat(1_100_000)}'` }),
    );
    expect(res.status).toBe(413);
    expect(res.body.error?.code).toBe('54000');
  });
});

describe('errors from the coordinator', () => {
  it.each([
    [new PgError({ code: '42P01', message: 'relation "t" does not exist', position: '15' }), 400],
    [new PgError({ code: '22012', message: 'division by zero' }), 400],
    [new PgError({ code: '0A000', message: 'not supported', detail: 'why', hint: 'do this' }), 400],
    [new PgError({ code: '28000', message: 'permission' }), 400],
    [new PgError({ code: '08006', message: 'worker w1 failed' }), 503],
    [new PgError({ code: '53300', message: 'sorry, too many clients already' }), 503],
    [new PgError({ code: '57P01', message: 'terminating connection due to administrator command' }), 503],
    [new PgError({ code: 'XX000', message: 'internal error in mini-balancer' }), 500],
  ])('%s → HTTP %i with the error fields', async (err, status) => {
    const sql = `fail ${err.code}`;
    fake.failures.set(sql, err);
    const res = await call('POST', '/api/query', JSON.stringify({ sql }));
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: err.toJSON() });
  });

  it('an unexpected exception is 500 XX000 without internals', async () => {
    fake.failures.set('bug', new TypeError('cannot read properties of undefined (secret stack)'));
    const res = await call('POST', '/api/explain', JSON.stringify({ sql: 'bug' }));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'XX000', message: 'internal error in mini-balancer' } });
  });
});

describe('routes', () => {
  it.each([
    ['GET', '/healthz', 200, { ok: true }],
    ['GET', '/api/workers', 200, [WORKER]],
    ['GET', '/nope', 404, { error: { code: '08P01', message: 'no such endpoint: GET /nope' } }],
    ['GET', '/api/query', 405, { error: { code: '08P01', message: 'use POST for /api/query' } }],
    ['POST', '/healthz', 405, { error: { code: '08P01', message: 'use GET for /healthz' } }],
  ])('%s %s → %i', async (method, path, status, body) => {
    const res = await call(method, path, method === 'POST' ? '{}' : undefined);
    expect(res).toEqual({ status, body });
  });

  it('a client that goes away aborts the query', async () => {
    const req = http.request(`${api.url}/api/query`, { method: 'POST' });
    req.on('error', () => {});
    req.end(JSON.stringify({ sql: 'hang' }));
    const deadline = Date.now() + 5000;
    while (!fake.aborted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(fake.aborted).not.toBeNull();
    req.destroy();
    await fake.aborted; // resolves only through the AbortSignal
  });
});

describe('httpStatusFor', () => {
  it.each([
    ['42601', 400],
    ['22P02', 400],
    ['23505', 400],
    ['0A000', 400],
    ['28P01', 400],
    ['25006', 400],
    ['08P01', 400],
    ['57014', 400],
    ['54000', 413],
    ['08006', 503],
    ['08001', 503],
    ['53300', 503],
    ['57P01', 503],
    ['58030', 500],
    ['XX000', 500],
  ])('%s → %i', (code, status) => {
    expect(httpStatusFor(code)).toBe(status);
  });
});
