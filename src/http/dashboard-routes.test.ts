// The dashboard's side of the HTTP API: status, history, the live stream, the built app, and the access token.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerInfo } from '../cluster/types.ts';
import { PgError } from '../errors/pg-error.ts';
import type { QueryRequest, QueryResult } from '../exec/api.ts';
import type { Status } from './dashboard-routes.ts';
import { type HistoryEntry, LiveStats, type NewEntry, percentile } from './live-stats.ts';
import { type HttpServerHandle, type QueryService, startHttpServer } from './server.ts';

const WORKER: WorkerInfo = {
  id: 'w1',
  url: 'http://127.0.0.1:1',
  source: 'local',
  state: 'healthy',
  concurrency: 4,
  inFlight: 0,
  completed: 0,
  failed: 0,
  rows: 0,
  busyMs: 0,
  lastHeartbeat: null,
  consecutiveFailures: 0,
};

const PARALLEL: QueryResult = {
  columns: [{ name: 'n', typeOid: 20 }],
  rows: [['1'], ['2']],
  plan: { mode: 'parallel', table: 'public.t', strategy: 'ctid-range', chunks: 2 },
  stats: {
    elapsedMs: 5,
    planMs: 1,
    shards: [
      { chunk: 0, worker: 'w1', rows: 1, ms: 2 },
      { chunk: 1, worker: 'w2', rows: 1, ms: 3 },
    ],
  },
};

/** Answers the PostgreSQL status statement, a parallel plan, a whole run, or 42P01 for "bad". */
class StandIn implements QueryService {
  async query(req: QueryRequest): Promise<QueryResult> {
    if (req.sql.includes('server_version')) {
      return {
        columns: ['version', 'database', 'size_bytes', 'connections', 'max_connections', 'started_at'].map(
          (name) => ({ name, typeOid: 25 }),
        ),
        rows: [['18.4', 'db', '1048576', '3', '100', '2026-01-01']],
        plan: { mode: 'passthrough', reason: 'x' },
        stats: { elapsedMs: 1, planMs: 0, shards: [] },
      };
    }
    if (req.sql === 'bad') throw new PgError({ code: '42P01', message: 'relation "bad" does not exist' });
    if (req.mode === 'passthrough') {
      return {
        ...PARALLEL,
        plan: { mode: 'passthrough', reason: 'asked' },
        stats: { ...PARALLEL.stats, shards: [] },
      };
    }
    return PARALLEL;
  }
  async explain(): Promise<unknown> {
    return {};
  }
}

let dir: string;
const servers: HttpServerHandle[] = [];

async function start(host: string, token?: string): Promise<HttpServerHandle> {
  const api = await startHttpServer({
    coordinator: new StandIn(),
    host,
    port: 0,
    logger: pino({ level: 'silent' }),
    fleet: { list: () => [WORKER] },
    dashboard: async () => dir,
    ...(token === undefined ? {} : { token }),
  });
  servers.push(api);
  return api;
}

const post = (url: string, body: unknown) =>
  fetch(`${url}/api/query`, { method: 'POST', body: JSON.stringify(body) });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mb-dash-'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>dash</title>');
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await rm(dir, { recursive: true, force: true });
});

describe('status, history and the live stream', () => {
  it('GET /api/status answers the coordinator, PostgreSQL and the workers', async () => {
    const api = await start('127.0.0.1');
    const status = (await (await fetch(`${api.url}/api/status`)).json()) as Status;
    expect(status.postgres).toEqual({
      version: '18.4',
      database: 'db',
      sizeBytes: 1048576,
      connections: 3,
      maxConnections: 100,
      startedAt: '2026-01-01',
    });
    expect(status.workers).toEqual([WORKER]);
    expect(status.coordinator).toMatchObject({ pid: process.pid, statements: 0, running: 0 });
  });

  it('history files each statement, newest first, with errors and the speedup once both modes ran', async () => {
    const api = await start('127.0.0.1');
    expect((await post(api.url, { sql: 'SELECT n', mode: 'parallel' })).status).toBe(200);
    expect((await post(api.url, { sql: 'SELECT n', mode: 'passthrough' })).status).toBe(200);
    expect((await post(api.url, { sql: 'bad' })).status).toBe(400);
    const history = (await (await fetch(`${api.url}/api/history`)).json()) as HistoryEntry[];
    expect(history.map((h) => h.mode)).toEqual(['unknown', 'passthrough', 'parallel']);
    expect(history[0]?.error).toEqual({ code: '42P01', message: 'relation "bad" does not exist' });
    expect(history[2]).toMatchObject({
      chunks: 2,
      workers: 2,
      rows: 2,
      table: 'public.t',
      strategy: 'ctid-range',
    });
    expect(history[2]?.speedup).toBeGreaterThan(0);
    expect(history[1]?.reason).toBe('asked');
  });

  it('GET /api/events sends a snapshot, then each statement and a tick a second', async () => {
    const api = await start('127.0.0.1');
    const aborter = new AbortController();
    const res = await fetch(`${api.url}/api/events`, { signal: aborter.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await until(/event: snapshot\ndata: .*\n\n/);
    expect(JSON.parse(/event: snapshot\ndata: (.*)\n/.exec(text)![1]!)).toMatchObject({
      history: [],
      series: [],
    });
    await post(api.url, { sql: 'SELECT n' });
    await until(/event: statement\ndata: .*"sql":"SELECT n"/);
    await until(/event: tick\ndata: .*"sample":/);
    aborter.abort();
  });
});

describe('the dashboard and the access token', () => {
  it('on loopback: the app and the API need no token; other paths stay 404', async () => {
    const api = await start('127.0.0.1');
    expect(api.token).toBeNull();
    const page = await fetch(`${api.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<title>dash</title>');
    expect((await fetch(`${api.url}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${api.url}/assets/..%2f..%2fetc%2fpasswd.js`)).status).toBe(404);
    expect((await fetch(`${api.url}/nope`)).status).toBe(404);
  });

  it.each([
    ['0.0.0.0', undefined],
    ['127.0.0.1', 's3cret-token'],
  ])('bound to %s (token %s): everything but /healthz needs the token', async (host, configured) => {
    const api = await start(host, configured);
    const token = api.token!;
    expect(token).toBeTruthy();
    if (configured) expect(token).toBe(configured);
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    const refused = await fetch(`${api.url}/api/workers`);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('28000');
    expect((await fetch(`${api.url}/metrics`)).status).toBe(401);
    expect(
      (await fetch(`${api.url}/api/workers`, { headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(401);
    const page = await fetch(`${api.url}/`);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('Access token');
    const ok = await fetch(`${api.url}/api/workers`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    // ?token= on the page becomes a cookie, which then opens the app and the API (as the browser does).
    const swap = await fetch(`${api.url}/?token=${encodeURIComponent(token)}`, { redirect: 'manual' });
    expect(swap.status).toBe(303);
    const cookie = swap.headers.get('set-cookie')!.split(';')[0]!;
    expect(swap.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await fetch(`${api.url}/`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${api.url}/api/history`, { headers: { cookie } })).status).toBe(200);
  });
});

describe('LiveStats', () => {
  it.each([
    [[], 0.5, null],
    [[7], 0.95, 7],
    [[1, 2, 3, 4], 0.5, 2],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95, 10],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5, 5],
  ])('percentile(%j, %d) = %s', (values, p, want) => {
    expect(percentile(values, p)).toBe(want);
  });

  it("a tick counts the second's statements, errors, latencies and the chunks the fleet completed", () => {
    const workers = [{ ...WORKER, completed: 10 }];
    const live = new LiveStats({ list: () => workers });
    expect(live.tick(1000)).toEqual({ t: 1000, statements: 0, errors: 0, chunks: 0, p50: null, p95: null });
    const base: Omit<NewEntry, 'ms'> = {
      sql: 's',
      requested: 'auto',
      mode: 'parallel',
      chunks: 2,
      workers: 2,
      rows: 1,
      shards: [],
    };
    live.record({ ...base, ms: 30 });
    live.record({ ...base, ms: 10 });
    live.record({ ...base, ms: 20, error: { code: '22012', message: 'division by zero' } });
    workers[0]!.completed = 16;
    expect(live.tick(2000)).toEqual({ t: 2000, statements: 3, errors: 1, chunks: 6, p50: 20, p95: 30 });
    expect(live.series()).toHaveLength(2);
    expect(live.history().map((h) => h.id)).toEqual([3, 2, 1]);
  });
});
