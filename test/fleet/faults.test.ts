// Issue 3's acceptance: real worker processes killed, hung and stopped mid-statement; answers stay exact.
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/cli/serve.ts';
import { RAW_TEXT } from '../../src/pg/raw-text.ts';

// An immutable-declared slow function: the planner may split over it, and every chunk takes a while.
const SETUP = `
  CREATE OR REPLACE FUNCTION fleet_slow(x int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS
    $$ BEGIN PERFORM pg_sleep(0.008); RETURN x; END $$;
  CREATE OR REPLACE FUNCTION fleet_slower(x int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS
    $$ BEGIN PERFORM pg_sleep(0.025); RETURN x; END $$;
  DROP TABLE IF EXISTS fleet_rows;
  CREATE TABLE fleet_rows (id int PRIMARY KEY, grp int NOT NULL, v numeric(12,2) NOT NULL, pad text NOT NULL);
  -- About 7 rows per page, so 64 block-range chunks hold ~20 rows each (ctid chunks are whole pages).
  INSERT INTO fleet_rows SELECT i, i % 7, i * 1.5,
    (SELECT string_agg(md5(i::text || '/' || g::text), '') FROM generate_series(1, 30) g)
  FROM generate_series(1, 1280) i;
  ANALYZE fleet_rows;`;
const BIG = 'SELECT grp, count(*), sum(fleet_slow(id)), avg(v) FROM fleet_rows GROUP BY grp ORDER BY grp';
const SMALL = 'SELECT count(*), sum(v) FROM fleet_rows WHERE id <= 64';
// About 2 s of chunk work on 12 worker slots: long enough that small statements visibly overtake it.
const HEAVY =
  'SELECT grp, count(*), sum(fleet_slower(id)) FROM fleet_rows WHERE id <= 640 GROUP BY grp ORDER BY grp';

interface QueryBody {
  plan: { mode: string };
  rows: unknown[][];
  error: { code: string; message: string };
}

let server: RunningServer;
let admin: pg.Client;
let want: { big: unknown[][]; small: unknown[][]; heavy: unknown[][] };

async function query(body: Record<string, unknown>, signal?: AbortSignal) {
  const res = await fetch(`${server.httpUrl}/api/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  return { status: res.status, body: (await res.json()) as QueryBody };
}

interface WorkerRow {
  id: string;
  url: string;
  pid?: number;
  state: string;
}

async function workers(): Promise<WorkerRow[]> {
  return (await (await fetch(`${server.httpUrl}/api/workers`)).json()) as WorkerRow[];
}

async function until(cond: () => Promise<boolean>, ms: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await cond()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

const pidOf = async (id: string): Promise<number> => {
  const w = (await workers()).find((x) => x.id === id);
  if (!w?.pid) throw new Error(`no pid for ${id}`);
  return w.pid;
};

beforeAll(async () => {
  const databaseUrl = inject('databaseUrl');
  admin = new pg.Client({
    connectionString: databaseUrl,
    types: RAW_TEXT,
  });
  await admin.connect();
  await admin.query(SETUP);
  want = {
    big: (await admin.query({ text: BIG, rowMode: 'array' })).rows,
    small: (await admin.query({ text: SMALL, rowMode: 'array' })).rows,
    heavy: (await admin.query({ text: HEAVY.replace('fleet_slower(id)', 'id'), rowMode: 'array' })).rows,
  };
  server = await startServer({
    databaseUrl,
    workers: 3,
    httpPort: 0,
    healthIntervalMs: 400,
    restartDelayMs: 300,
    chunkTimeoutMs: 2500,
    noWorkerTimeoutMs: 3000,
    logger: pino({ level: 'silent' }),
  });
});

afterAll(async () => {
  await server?.stop();
  await admin?.query(
    'DROP TABLE IF EXISTS fleet_rows; DROP FUNCTION IF EXISTS fleet_slow(int); DROP FUNCTION IF EXISTS fleet_slower(int)',
  );
  await admin?.end();
});

describe('worker faults', () => {
  it('kill -9 of one of 3 workers mid-statement: exact answer, worker unhealthy within 5 s, then rejoins', async () => {
    const victim = 'w2';
    const pid = await pidOf(victim);
    const running = query({ sql: BIG, mode: 'parallel', chunks: 64 });
    await new Promise((r) => setTimeout(r, 400));
    process.kill(pid, 'SIGKILL');
    const t0 = Date.now();
    const res = await running;
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.plan.mode).toBe('parallel');
    expect(res.body.rows).toEqual(want.big);
    await until(
      async () =>
        (await workers()).find((w) => w.id === victim)?.state !== 'healthy' || (await pidOf(victim)) !== pid,
      5000,
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    // The local fleet restarts it; it answers health checks and rejoins the rotation.
    await until(async () => {
      const w = (await workers()).find((x) => x.id === victim);
      return w?.state === 'healthy' && w.pid !== pid;
    }, 10_000);
  });

  it('a hung worker (SIGSTOP): its chunk is retried elsewhere after the chunk timeout, answer exact', async () => {
    const pid = await pidOf('w1');
    const running = query({ sql: BIG, mode: 'parallel', chunks: 24 });
    await new Promise((r) => setTimeout(r, 300));
    process.kill(pid, 'SIGSTOP');
    try {
      const res = await running;
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.rows).toEqual(want.big);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await until(async () => (await workers()).every((w) => w.state === 'healthy'), 10_000);
  });

  it('all workers stopped: a clear error within the configured time, and the server stays up', async () => {
    const pids = await Promise.all(['w1', 'w2', 'w3'].map(pidOf));
    for (const p of pids) process.kill(p, 'SIGSTOP');
    try {
      const t0 = Date.now();
      const res = await query({ sql: SMALL, mode: 'parallel', chunks: 4 });
      const ms = Date.now() - t0;
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(res.body.error.code).toMatch(/^(08|57)/);
      expect(res.body.error.message).toMatch(/worker/);
      expect(ms).toBeLessThan(15_000);
      const health = await fetch(`${server.httpUrl}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      for (const p of pids) process.kill(p, 'SIGCONT');
    }
    await until(async () => (await workers()).every((w) => w.state === 'healthy'), 10_000);
    expect((await query({ sql: SMALL, mode: 'parallel', chunks: 4 })).body.rows).toEqual(want.small);
  });

  it('20 concurrent statements through 3 workers: all exact, small ones finish while a big one runs', async () => {
    const started = Date.now();
    const big = query({ sql: HEAVY, mode: 'parallel', chunks: 64 }).then((r) => ({
      r,
      at: Date.now() - started,
    }));
    await new Promise((r) => setTimeout(r, 100));
    const smalls = Array.from({ length: 19 }, (_, i) =>
      query({ sql: i % 2 ? SMALL : BIG.replace('fleet_slow(id)', 'id'), mode: 'parallel', chunks: 3 }).then(
        (r) => ({
          r,
          at: Date.now() - started,
        }),
      ),
    );
    const [b, ...s] = await Promise.all([big, ...smalls]);
    expect(b?.r.body.rows, JSON.stringify(b?.r.body.error ?? b?.r.body.plan)).toEqual(want.heavy);
    for (const [i, x] of s.entries()) {
      expect(x.r.status).toBe(200);
      if (i % 2) expect(x.r.body.rows).toEqual(want.small);
    }
    const lastSmall = Math.max(...s.map((x) => x.at));
    expect(lastSmall).toBeLessThan(b?.at ?? 0);
  });

  it('an aborted HTTP request leaves none of its chunks running in PostgreSQL within 1 s', async () => {
    const ac = new AbortController();
    const running = query({ sql: BIG, mode: 'parallel', chunks: 16 }, ac.signal).catch(() => undefined);
    const chunksRunning = async () =>
      Number(
        (
          await admin.query({
            text: "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%fleet_slow(id)%' AND query LIKE '%__mb_%' AND state = 'active' AND pid <> pg_backend_pid()",
            rowMode: 'array',
          })
        ).rows[0]?.[0],
      );
    await until(async () => (await chunksRunning()) > 0, 5000);
    ac.abort();
    await running;
    const ms = await until(async () => (await chunksRunning()) === 0, 3000);
    expect(ms).toBeLessThan(1000);
  });

  it('SIGTERM on a worker with chunks in flight: they finish, it leaves, nothing is lost', async () => {
    const pid = await pidOf('w3');
    const running = query({ sql: BIG, mode: 'parallel', chunks: 64 });
    await new Promise((r) => setTimeout(r, 400));
    process.kill(pid, 'SIGTERM');
    const res = await running;
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.rows).toEqual(want.big);
    await until(
      async () => (await workers()).every((w) => w.state === 'healthy') && (await pidOf('w3')) !== pid,
      10_000,
    );
  });
});

describe('coordinator–worker security', () => {
  it.each([
    ['no secret', undefined],
    ['a wrong secret', 'Bearer not-the-secret'],
  ])('a chunk request with %s gets 401 and nothing runs', async (_name, authorization) => {
    const worker = (await workers())[0] as WorkerRow;
    const marker = `mb_unauthorized_${Date.now()}`;
    const res = await fetch(`${worker.url}/v1/chunk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({
        id: 'x/0',
        sql: `SELECT pg_sleep(1), '${marker}'`,
        params: [],
        snapshot: null,
        role: null,
        settings: {},
      }),
    });
    expect(res.status).toBe(401);
    const seen = await admin.query({
      text: 'SELECT count(*) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()',
      values: [`%${marker}%`],
      rowMode: 'array',
    });
    expect(seen.rows[0]?.[0]).toBe('0');
  });
});
