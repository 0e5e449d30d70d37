// The worker against real PostgreSQL: auth, probes, the NDJSON stream, snapshot/role/settings, errors, cancel, close.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, withDatabase } from '../pg/embedded.ts';
import { CHUNK_PATH, type ChunkLine, type ChunkRequest } from './protocol.ts';
import { startWorker, type WorkerHandle } from './server.ts';

const databaseUrl = inject('databaseUrl');
const secret = randomBytes(16).toString('hex');
const logger = pino({ level: 'silent' });
const tag = randomBytes(4).toString('hex');
let worker: WorkerHandle;
let admin: pg.Client;

const chunk = (sql: string, extra: Partial<ChunkRequest> = {}): ChunkRequest => ({
  id: `test/${tag}`,
  sql,
  params: [],
  snapshot: null,
  role: null,
  settings: {},
  ...extra,
});

async function post(url: string, body: unknown, auth: string | null = `Bearer ${secret}`) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth !== null) headers.authorization = auth;
  const res = await fetch(url + CHUNK_PATH, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text };
}

async function run(req: ChunkRequest, url = worker.url): Promise<ChunkLine[]> {
  const { status, text } = await post(url, req);
  expect(status).toBe(200);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as ChunkLine);
}

const rowsOf = (lines: ChunkLine[]) => lines.flatMap((l) => ('rows' in l ? l.rows : []));
const last = (lines: ChunkLine[]) => lines.at(-1);

/** Backends of the worker pool running something other than idling. */
async function activeWorkerQueries(text: string): Promise<{ state: string; wait_event: string | null }[]> {
  const res = await admin.query(
    `SELECT state, wait_event FROM pg_stat_activity
      WHERE application_name = 'mini-balancer worker' AND state <> 'idle' AND query LIKE '%' || $1 || '%'`,
    [text],
  );
  return res.rows;
}

async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  worker = await startWorker({ databaseUrl, host: '127.0.0.1', port: 0, secret, poolSize: 2, logger });
  admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
});

afterAll(async () => {
  await worker?.close();
  await admin?.end();
});

describe('probes and routing', () => {
  it.each([
    ['GET', '/healthz', 200],
    ['GET', '/readyz', 200],
    ['GET', '/nope', 404],
    ['GET', CHUNK_PATH, 405],
  ])('%s %s answers %i', async (method, path, status) => {
    const res = await fetch(worker.url + path, { method });
    expect(res.status).toBe(status);
    await res.arrayBuffer();
  });

  it('is not ready when PostgreSQL is unreachable, but alive', async () => {
    const badUrl = new URL(databaseUrl);
    badUrl.port = String(await freePort());
    const w = await startWorker({
      databaseUrl: badUrl.toString(),
      host: '127.0.0.1',
      port: 0,
      secret,
      poolSize: 1,
      logger,
    });
    try {
      expect((await fetch(`${w.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${w.url}/healthz`)).status).toBe(200);
      const lines = await run(chunk('SELECT 1'), w.url);
      expect(last(lines)).toMatchObject({ error: { code: '08006' } });
    } finally {
      await w.close();
    }
  });
});

describe('authentication', () => {
  it.each([
    ['missing header', null],
    ['wrong secret', 'Bearer not-the-secret'],
    ['empty bearer', 'Bearer '],
    ['other scheme', `Basic ${secret}`],
    ['secret with a suffix', `Bearer ${secret}x`],
  ])('%s → 401 28000 and nothing runs', async (_name, auth) => {
    const key = 700_000 + Math.floor(Math.random() * 100_000);
    const { status, text } = await post(worker.url, chunk(`SELECT pg_advisory_lock(${key})`), auth);
    expect(status).toBe(401);
    expect(JSON.parse(text)).toMatchObject({ error: { code: '28000' } });
    const held = await admin.query('SELECT 1 FROM pg_locks WHERE locktype = $1 AND objid = $2', [
      'advisory',
      key,
    ]);
    expect(held.rowCount).toBe(0);
  });

  it('the same probe sees a chunk that did run (positive control)', async () => {
    const w = await startWorker({ databaseUrl, host: '127.0.0.1', port: 0, secret, poolSize: 1, logger });
    const key = 800_000 + Math.floor(Math.random() * 100_000);
    try {
      const lines = await run(chunk(`SELECT pg_advisory_lock(${key})`), w.url);
      expect(last(lines)).toMatchObject({ done: { rows: 1 } });
      const held = await admin.query('SELECT 1 FROM pg_locks WHERE locktype = $1 AND objid = $2', [
        'advisory',
        key,
      ]);
      expect(held.rowCount).toBe(1);
    } finally {
      await w.close(); // ends the pooled session, releasing the lock
    }
  });
});

describe('malformed chunk requests', () => {
  it.each([
    ['not JSON', '{"id":'],
    ['an array', '[]'],
    ['no sql', { ...chunk('x'), sql: '' }],
    ['params not text', { ...chunk('SELECT $1'), params: [1] }],
    ['snapshot with a quote', { ...chunk('SELECT 1'), snapshot: "00000003-0000001B-1'; DROP TABLE x; --" }],
    ['settings not text', { ...chunk('SELECT 1'), settings: { TimeZone: 3 } }],
    ['server without a URL', { ...chunk('SELECT 1'), server: { id: 'r1' } }],
    ['server URL not postgres://', { ...chunk('SELECT 1'), server: { id: 'r1', url: 'http://x/' } }],
    ['server id with a quote', { ...chunk('SELECT 1'), server: { id: "r1'", url: 'postgres://x/y' } }],
    ['minLsn not a WAL position', { ...chunk('SELECT 1'), minLsn: "0/1'; SELECT 1; --" }],
  ])('%s → 400 08P01', async (_name, body) => {
    const { status, text } = await post(worker.url, body);
    expect(status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: { code: '08P01' } });
  });
});

describe('streaming a chunk', () => {
  it('sends fields, then rows as PostgreSQL text, then done', async () => {
    const lines = await run(
      chunk(
        `SELECT 1.50::numeric(10,2) AS n, 9007199254740993::int8 AS big, true AS b, NULL::text AS z,
                '2024-01-02 03:04:05+00'::timestamptz AS ts, 0.1::float8 AS f, '{1,2}'::int[] AS a`,
        { settings: { TimeZone: 'UTC' } },
      ),
    );
    expect(lines[0]).toEqual({
      fields: [
        { name: 'n', typeOid: 1700, typmod: 655366 },
        { name: 'big', typeOid: 20, typmod: -1 },
        { name: 'b', typeOid: 16, typmod: -1 },
        { name: 'z', typeOid: 25, typmod: -1 },
        { name: 'ts', typeOid: 1184, typmod: -1 },
        { name: 'f', typeOid: 701, typmod: -1 },
        { name: 'a', typeOid: 1007, typmod: -1 },
      ],
    });
    expect(rowsOf(lines)).toEqual([
      ['1.50', '9007199254740993', 't', null, '2024-01-02 03:04:05+00', '0.1', '{1,2}'],
    ]);
    expect(last(lines)).toMatchObject({ done: { rows: 1 } });
  });

  it('sends fields for an empty result', async () => {
    const lines = await run(chunk('SELECT 1 AS one WHERE false'));
    expect(lines).toEqual([{ fields: [{ name: 'one', typeOid: 23, typmod: -1 }] }, expect.anything()]);
    expect(last(lines)).toMatchObject({ done: { rows: 0 } });
  });

  it('batches many rows into lines of at most 500 rows', async () => {
    const lines = await run(chunk('SELECT i FROM generate_series(1, 5000) AS i'));
    const batches = lines.filter((l) => 'rows' in l);
    expect(batches.every((b) => b.rows.length <= 500)).toBe(true);
    expect(rowsOf(lines).map((r) => r[0])).toEqual(Array.from({ length: 5000 }, (_, i) => String(i + 1)));
    expect(last(lines)).toMatchObject({ done: { rows: 5000 } });
  });

  it.each([
    ['text and null', 'SELECT $1::text AS a, $2::text AS b', ['x', null], [['x', null]]],
    ['integers', 'SELECT $1::int + $2::int AS s', ['2', '40'], [['42']]],
    ['no parameters, extended protocol', 'SELECT 7', [], [['7']]],
  ])('binds parameters: %s', async (_name, sql, params, rows) => {
    const lines = await run(chunk(sql, { params }));
    expect(rowsOf(lines)).toEqual(rows);
  });
});

describe('errors', () => {
  it.each([
    ['division by zero', 'SELECT 1/0', { code: '22012' }],
    ['syntax error with position', 'SELECT * FRM t', { code: '42601', position: '10' }],
    ['undefined table with position', 'SELECT * FROM no_such_table_x', { code: '42P01', position: '15' }],
    ['two statements (no simple query)', 'SELECT 1; SELECT 2', { code: '42601' }],
    ['writes are refused', 'CREATE TABLE mb_never (x int)', { code: '25006' }],
  ])('%s is forwarded as an error line', async (_name, sql, error) => {
    const lines = await run(chunk(sql));
    expect(last(lines)).toMatchObject({ error });
    // the connection went back to the pool in a usable state
    expect(last(await run(chunk('SELECT 1')))).toMatchObject({ done: { rows: 1 } });
  });

  it('an error after rows were streamed still ends with the error line', async () => {
    const lines = await run(chunk('SELECT 1 / (i - 4000) FROM generate_series(1, 5000) AS i'));
    expect(lines[0]).toHaveProperty('fields');
    expect(last(lines)).toMatchObject({ error: { code: '22012' } });
  });

  it('an error line carries severity and position as PostgreSQL sent them', async () => {
    const lines = await run(chunk("SELECT 'abc'::int"));
    expect(last(lines)).toMatchObject({ error: { code: '22P02', position: '8', severity: 'ERROR' } });
  });
});

describe('snapshot, role and settings', () => {
  const table = `mb_worker_snap_${tag}`;
  const role = `mb_worker "role" ${tag}`;

  beforeAll(async () => {
    await admin.query(`CREATE TABLE ${table} (id int)`);
    await admin.query(`INSERT INTO ${table} SELECT generate_series(1, 10)`);
    await admin.query(`CREATE ROLE "${role.replaceAll('"', '""')}"`);
    await admin.query(`GRANT SELECT ON ${table} TO "${role.replaceAll('"', '""')}"`);
  });
  afterAll(async () => {
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.query(`DROP ROLE IF EXISTS "${role.replaceAll('"', '""')}"`);
  });

  it('reads the exported snapshot, not later commits', async () => {
    const holder = new pg.Client({ connectionString: databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const { rows } = await holder.query<{ s: string }>('SELECT pg_export_snapshot() AS s');
      await admin.query(`INSERT INTO ${table} SELECT generate_series(11, 15)`);
      const inSnapshot = await run(chunk(`SELECT count(*) FROM ${table}`, { snapshot: rows[0]!.s }));
      expect(rowsOf(inSnapshot)).toEqual([['10']]);
      const now = await run(chunk(`SELECT count(*) FROM ${table}`));
      expect(rowsOf(now)).toEqual([['15']]);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
      await admin.query(`DELETE FROM ${table} WHERE id > 10`);
    }
  });

  it('a snapshot that does not exist is PostgreSQL error 42704', async () => {
    const lines = await run(chunk('SELECT 1', { snapshot: '0000000F-0000000F-1' }));
    expect(last(lines)).toMatchObject({ error: { code: '42704' } });
  });

  it('runs as the given role (identifier quoted) with its privileges', async () => {
    const lines = await run(chunk(`SELECT current_user, count(*) FROM ${table}`, { role }));
    expect(rowsOf(lines)).toEqual([[role, '10']]);
    const denied = await run(chunk('SELECT count(*) FROM pg_authid', { role }));
    expect(last(denied)).toMatchObject({ error: { code: '42501' } });
  });

  it('an unknown role is PostgreSQL error 22023', async () => {
    const lines = await run(chunk('SELECT 1', { role: `no role ${tag}` }));
    expect(last(lines)).toMatchObject({ error: { code: '22023' } });
  });

  it('applies settings for the chunk only', async () => {
    const settings = { TimeZone: 'Asia/Tokyo', DateStyle: 'SQL, DMY', extra_float_digits: '0' };
    const sql = "SELECT '2024-01-02 00:00:00+00'::timestamptz, 0.1::float8 + 0.2::float8";
    const lines = await run(chunk(sql, { settings }));
    expect(rowsOf(lines)).toEqual([['02/01/2024 09:00:00 JST', '0.3']]);
    // both pooled connections are back to the defaults
    for (let i = 0; i < 3; i += 1) {
      const plain = await run(chunk("SELECT current_setting('TimeZone') <> 'Asia/Tokyo'"));
      expect(rowsOf(plain)).toEqual([['t']]);
    }
  });

  it('an invalid setting is PostgreSQL error 22023', async () => {
    const lines = await run(chunk('SELECT 1', { settings: { TimeZone: 'Mars/Olympus' } }));
    expect(last(lines)).toMatchObject({ error: { code: '22023' } });
  });
});

describe('flow control and cancellation', () => {
  it('pauses PostgreSQL while the reader is behind, and cancels it when the reader leaves', async () => {
    const marker = `mb_backpressure_${tag}`;
    const aborter = new AbortController();
    const res = await fetch(worker.url + CHUNK_PATH, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(chunk(`SELECT repeat('x', 1000) AS ${marker} FROM generate_series(1, 5000000)`)),
      signal: aborter.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    // 5 GB of rows: PostgreSQL can only be waiting on its socket if the worker stopped reading.
    const waiting = await eventually(
      () => activeWorkerQueries(marker),
      (rows) => rows.some((r) => r.wait_event === 'ClientWrite'),
      10_000,
    );
    expect(waiting.map((r) => r.wait_event)).toContain('ClientWrite');
    const memory = process.memoryUsage().rss;
    expect(memory).toBeLessThan(1024 * 1024 * 1024);
    aborter.abort();
    const after = await eventually(
      () => activeWorkerQueries(marker),
      (rows) => rows.length === 0,
      1000,
    );
    expect(after).toEqual([]);
  });

  it('cancels a running statement when the request is aborted', async () => {
    const marker = `mb_sleep_${tag}`;
    const aborter = new AbortController();
    const pending = fetch(worker.url + CHUNK_PATH, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(chunk(`SELECT pg_sleep(30) AS ${marker}`)),
      signal: aborter.signal,
    }).then((r) => r.text());
    const running = await eventually(
      () => activeWorkerQueries(marker),
      (rows) => rows.length > 0,
      5000,
    );
    expect(running.length).toBe(1);
    aborter.abort();
    await expect(pending).rejects.toThrow();
    const after = await eventually(
      () => activeWorkerQueries(marker),
      (rows) => rows.length === 0,
      1000,
    );
    expect(after).toEqual([]);
    // the worker still serves chunks afterwards
    expect(last(await run(chunk('SELECT 1')))).toMatchObject({ done: { rows: 1 } });
  });
});

describe('PostgreSQL failures', () => {
  it('a backend terminated during a chunk → error line 57P01, and the worker keeps serving', async () => {
    const marker = `mb_terminated_${tag}`;
    const pending = run(chunk(`SELECT pg_sleep(30) AS ${marker}`));
    await eventually(
      () => activeWorkerQueries(marker),
      (rows) => rows.length > 0,
      5000,
    );
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'mini-balancer worker' AND query LIKE '%' || $1 || '%'`,
      [marker],
    );
    expect(last(await pending)).toMatchObject({ error: { code: '57P01' } });
    for (let i = 0; i < 3; i += 1)
      expect(last(await run(chunk('SELECT 1')))).toMatchObject({ done: { rows: 1 } });
  });
});

describe('graceful close', () => {
  it('finishes running chunks, then refuses connections', async () => {
    const w = await startWorker({ databaseUrl, host: '127.0.0.1', port: 0, secret, poolSize: 1, logger });
    const slow = run(chunk('SELECT pg_sleep(0.5) IS NULL AS slept'), w.url);
    await new Promise((r) => setTimeout(r, 150));
    const closed = w.close();
    const lines = await slow;
    expect(last(lines)).toMatchObject({ done: { rows: 1 } });
    await closed;
    await expect(fetch(`${w.url}/healthz`)).rejects.toThrow();
  });

  it('works against another database on the same server', async () => {
    const url = withDatabase(databaseUrl, 'postgres');
    const w = await startWorker({
      databaseUrl: url,
      host: '127.0.0.1',
      port: 0,
      secret,
      poolSize: 1,
      logger,
    });
    try {
      expect(rowsOf(await run(chunk('SELECT current_database()'), w.url))).toEqual([['postgres']]);
    } finally {
      await w.close();
    }
  });
});

describe('chunks on another database server (read replicas)', () => {
  it('runs on the server the request names, with its own pool', async () => {
    const lines = await run(
      chunk('SELECT current_database()', {
        server: { id: 'r9', url: withDatabase(databaseUrl, 'postgres') },
      }),
    );
    expect(rowsOf(lines)).toEqual([['postgres']]);
  });

  it('a server it cannot reach → error line with fault unavailable, naming the server, not the URL', async () => {
    const url = `postgres://someone:hunter2@127.0.0.1:${await freePort()}/db`;
    const lines = await run(chunk('SELECT 1', { server: { id: 'r7', url } }));
    const end = last(lines);
    expect(end).toMatchObject({ error: { code: '08006' }, fault: { server: 'r7', reason: 'unavailable' } });
    expect(JSON.stringify(end)).not.toContain('hunter2');
  });

  it('a server that does not replay minLsn in time → fault behind (a primary never replays)', async () => {
    const started = performance.now();
    const lines = await run(chunk('SELECT 1', { server: { id: 'r8', url: databaseUrl }, minLsn: '0/1' }));
    expect(last(lines)).toMatchObject({
      error: { code: '57P03' },
      fault: { server: 'r8', reason: 'behind' },
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("a statement error on another server is the statement's (no fault)", async () => {
    const lines = await run(
      chunk('SELECT 1/0', { server: { id: 'r9', url: withDatabase(databaseUrl, 'postgres') } }),
    );
    const end = last(lines);
    expect(end).toMatchObject({ error: { code: '22012' } });
    expect(end && 'fault' in end).toBe(false);
  });
});
