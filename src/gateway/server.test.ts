// The gateway with real clients (node-postgres, psql) over real sockets against the suite's PostgreSQL.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { promisify } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import * as wire from '../../test/gateway/wire.ts';
import { authenticate, RawConnection } from '../../test/gateway/wire.ts';
import { type RunningServer, startServer } from '../cli/serve.ts';
import type { QueryResult } from '../exec/api.ts';
import type { NotSplit } from '../exec/coordinator.ts';
import { RAW_TEXT } from '../pg/raw-text.ts';
import { MessageReader } from './message-reader.ts';

const run = promisify(execFile);
const databaseUrl = inject('databaseUrl');

let server: RunningServer;
let gatewayUrl: string;
let direct: pg.Client;

beforeAll(async () => {
  server = await startServer({
    databaseUrl,
    workers: 2,
    httpPort: 0,
    pgPort: 0,
    restartDelayMs: null,
    // The test tables are small: auto mode splits them anyway.
    minSplitPages: 0,
    logger: pino({ level: 'silent' }),
  });
  const u = new URL(databaseUrl);
  u.hostname = '127.0.0.1';
  u.port = String(server.pgPort);
  gatewayUrl = u.toString();
  direct = new pg.Client({ connectionString: databaseUrl, types: RAW_TEXT });
  await direct.connect();
});

afterAll(async () => {
  await direct?.end();
  await server?.stop();
});

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: gatewayUrl, types: RAW_TEXT });
  await c.connect();
  return c;
}

async function both(client: pg.Client, sql: string, values: unknown[] = []) {
  const shape = (r: pg.QueryResult) => ({
    fields: r.fields.map((f) => [f.name, f.dataTypeID]),
    rows: r.rows,
  });
  const via = await client.query({ text: sql, values, rowMode: 'array' });
  const straight = await direct.query({ text: sql, values, rowMode: 'array' });
  expect(shape(via)).toEqual(shape(straight));
  return via;
}

/** Spies on the coordinator; `modes()` lists the plan modes of the statements it planned ('error' if failed). */
function spyCoordinator() {
  const spy = vi.spyOn(server.coordinator, 'querySession');
  return {
    modes: async () =>
      Promise.all(
        spy.mock.results.map(async (r) => {
          try {
            const out = (await r.value) as QueryResult | NotSplit;
            return 'passthrough' in out ? 'passthrough' : (out.plan as { mode: string }).mode;
          } catch {
            return 'error';
          }
        }),
      ),
    restore: () => spy.mockRestore(),
  };
}

const AGGREGATE =
  'SELECT l_returnflag, count(*), sum(l_quantity), avg(l_extendedprice) FROM lineitem GROUP BY 1 ORDER BY 1';

describe('node-postgres through the gateway', () => {
  it.each<[string, string, unknown[], string[]]>([
    ['a split aggregate (simple protocol)', AGGREGATE, [], ['parallel']],
    ['a statement without a table, relayed at once', 'SELECT 1 AS one, NULL::text AS nothing', [], []],
    [
      "an unordered GROUP BY runs whole (its row order is the plan's)",
      'SELECT l_returnflag, count(*) FROM lineitem GROUP BY 1',
      [],
      ['passthrough'],
    ],
    [
      'a parameterized aggregate (extended protocol), split',
      'SELECT l_linestatus, count(*), sum(l_extendedprice) FROM lineitem WHERE l_quantity > $1 GROUP BY 1 ORDER BY 1',
      ['10'],
      ['parallel'],
    ],
    [
      'rows of a parameterized scan (extended protocol), split',
      'SELECT l_orderkey, l_linenumber, l_shipdate, l_comment FROM lineitem WHERE l_quantity > $1 ORDER BY 1, 2, 3, 4',
      ['49'],
      ['parallel'],
    ],
  ])('%s', async (_name, sql, values, modes) => {
    const client = await connect();
    const spy = spyCoordinator();
    try {
      await both(client, sql, values);
      expect(await spy.modes()).toEqual(modes);
    } finally {
      spy.restore();
      await client.end();
    }
  });

  it("a split statement shows in the dashboard's history", async () => {
    const client = await connect();
    try {
      await client.query(AGGREGATE);
      const history = (await (await fetch(`${server.httpUrl}/api/history`)).json()) as {
        sql: string;
        mode: string;
        chunks: number;
      }[];
      const entry = history.find((h) => h.sql === AGGREGATE);
      expect(entry).toMatchObject({ mode: 'parallel' });
      expect(entry?.chunks).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
  });

  it('a named prepared statement splits on every execution, with other parameters', async () => {
    const client = await connect();
    const spy = spyCoordinator();
    try {
      const q = (v: string) => ({
        name: 'by_qty',
        text: 'SELECT l_returnflag, count(*), sum(l_quantity) FROM lineitem WHERE l_quantity < $1 GROUP BY 1 ORDER BY 1',
        values: [v],
        rowMode: 'array' as const,
      });
      for (const v of ['5', '25', '45']) {
        const via = await client.query(q(v));
        const straight = await direct.query({ ...q(v), name: `direct_${v}` });
        expect(via.rows).toEqual(straight.rows);
      }
      expect(await spy.modes()).toEqual(['parallel', 'parallel', 'parallel']);
    } finally {
      spy.restore();
      await client.end();
    }
  });

  it('binary result format: the same bytes as PostgreSQL sends', async () => {
    const client = await connect();
    const spy = spyCoordinator();
    const sql =
      'SELECT l_returnflag, count(*) AS n, sum(l_quantity) AS q, avg(l_discount) AS d, min(l_shipdate) AS s FROM lineitem GROUP BY 1 ORDER BY 1';
    try {
      const binary = (c: pg.Client) =>
        c.query({ text: sql, values: [], rowMode: 'array', binary: true } as pg.QueryConfig);
      const via = await binary(client);
      const straight = await binary(direct);
      expect(via.rows.length).toBeGreaterThan(0);
      expect(via.rows).toEqual(straight.rows);
      expect(via.fields.map((f) => [f.name, f.dataTypeID, f.format])).toEqual(
        straight.fields.map((f) => [f.name, f.dataTypeID, f.format]),
      );
      expect(await spy.modes()).toEqual(['parallel']);
    } finally {
      spy.restore();
      await client.end();
    }
  });

  it('splits in a REPEATABLE READ READ ONLY block, not in a READ COMMITTED one', async () => {
    const client = await connect();
    const spy = spyCoordinator();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await both(client, 'SELECT count(*) FROM lineitem');
      await client.query('COMMIT');
      await client.query('BEGIN');
      await client.query('CREATE TEMP TABLE rolled_back (a int)');
      await both(client, 'SELECT count(*) FROM lineitem');
      await client.query('ROLLBACK');
      // The block was the client's to end: the statement did not commit it.
      expect((await client.query("SELECT to_regclass('pg_temp.rolled_back') AS t")).rows).toEqual([
        { t: null },
      ]);
      await both(client, 'SELECT count(*) FROM lineitem');
      expect(await spy.modes()).toEqual(['parallel', 'parallel']);
    } finally {
      spy.restore();
      await client.end();
    }
  });

  it("the session's settings reach the shards (DateStyle, TimeZone, extra_float_digits)", async () => {
    const client = await connect();
    const spy = spyCoordinator();
    const settings =
      "SET DateStyle = 'German, DMY'; SET TimeZone = 'Asia/Kolkata'; SET extra_float_digits = 0";
    const sql =
      'SELECT l_shipdate, l_shipdate::timestamptz AS ts, l_quantity::float8 / 7 AS f FROM lineitem WHERE l_quantity = 1 ORDER BY 1, 2, 3';
    try {
      await client.query(settings);
      await direct.query(settings);
      await both(client, sql);
      await both(
        client,
        'SELECT max(l_shipdate), max(l_quantity::float8 / 7), sum(l_quantity::float8) FROM lineitem',
      );
      expect(await spy.modes()).toEqual(['parallel', 'parallel']);
    } finally {
      await direct.query('RESET ALL');
      spy.restore();
      await client.end();
    }
  });

  it("a session that steers the planner (enable_*) gets PostgreSQL's own plan", async () => {
    const client = await connect();
    const spy = spyCoordinator();
    try {
      await client.query('SET enable_indexonlyscan = off');
      await both(client, 'SELECT count(*) FROM lineitem');
      await client.query('RESET enable_indexonlyscan');
      await both(client, 'SELECT count(*) FROM lineitem');
      expect(await spy.modes()).toEqual(['parallel']);
    } finally {
      spy.restore();
      await client.end();
    }
  });

  it('DDL through the gateway is seen by the next split at once (no stale NOT NULL from the catalog cache)', async () => {
    const client = await connect();
    const spy = spyCoordinator();
    const q = "SELECT count(*), md5(string_agg(v, ',' ORDER BY k, v)) FROM gw_nn";
    try {
      await client.query('DROP TABLE IF EXISTS gw_nn');
      await client.query('CREATE TABLE gw_nn (k int NOT NULL, v text)');
      await client.query("INSERT INTO gw_nn SELECT i % 5000, 'v' || i FROM generate_series(1, 60000) i");
      await client.query('ANALYZE gw_nn');
      await both(client, q);
      await client.query('ALTER TABLE gw_nn ALTER k DROP NOT NULL');
      await client.query("INSERT INTO gw_nn SELECT NULL, 'null' || i FROM generate_series(1, 100) i");
      await both(client, q);
      expect(await spy.modes()).toEqual(['parallel', 'parallel']);
    } finally {
      spy.restore();
      await client.query('DROP TABLE IF EXISTS gw_nn');
      await client.end();
    }
  });

  it('a temporary table that shadows a table name is read by the session itself', async () => {
    const client = await connect();
    try {
      await client.query('CREATE TEMP TABLE lineitem (l_returnflag text, l_quantity numeric)');
      await client.query("INSERT INTO lineitem VALUES ('X', 1), ('Y', 2)");
      const res = await client.query({
        text: AGGREGATE.replace(', avg(l_extendedprice)', ''),
        rowMode: 'array',
      });
      expect(res.rows).toEqual([
        ['X', '1', '1'],
        ['Y', '1', '2'],
      ]);
    } finally {
      await client.end();
    }
  });

  it('EXPLAIN shows the distributed plan; EXPLAIN ANALYZE every chunk', async () => {
    const client = await connect();
    try {
      const plan = (await client.query({ text: `EXPLAIN ${AGGREGATE}`, rowMode: 'array' })).rows.map(
        (r) => r[0],
      );
      expect(plan[0]).toMatch(/^Mini-Balancer Distributed Plan/);
      expect(plan.join('\n')).toMatch(/Split public\.lineitem into \d+ chunks/);
      expect(plan.join('\n')).toMatch(/Shard SQL: SELECT/);
      const analyzed = (
        await client.query({ text: `EXPLAIN ANALYZE ${AGGREGATE}`, rowMode: 'array' })
      ).rows.map((r) => r[0]);
      expect(analyzed.join('\n')).toMatch(/Chunk 0: worker \S+, rows=\d+, time=/);
      expect(analyzed.join('\n')).toMatch(/Execution Time: /);
      const cheap = (await client.query({ text: 'EXPLAIN SELECT 1', rowMode: 'array' })).rows.map(
        (r) => r[0],
      );
      expect(cheap[0]).toMatch(/^Result/);
    } finally {
      await client.end();
    }
  });

  it.each<[string, string, string]>([
    ['from PostgreSQL (relayed)', 'SELECT 1/0', '22012'],
    ['from PostgreSQL, undefined table', 'SELECT count(*) FROM no_such_table', '42P01'],
    [
      'from a split statement',
      'SELECT count(*) FROM lineitem WHERE 1/(l_quantity - l_quantity) > 0',
      '22012',
    ],
  ])('an error %s keeps its SQLSTATE and the session usable', async (_name, sql, code) => {
    const client = await connect();
    try {
      await expect(client.query(sql)).rejects.toMatchObject({ code });
      expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: '2' }]);
    } finally {
      await client.end();
    }
  });

  it('a CancelRequest through the gateway cancels the backend statement', async () => {
    const client = await connect();
    try {
      const key = client as unknown as { processID: number; secretKey: number };
      const sleeping = client.query('SELECT pg_sleep(30)');
      await new Promise((r) => setTimeout(r, 300));
      const cancel = Buffer.alloc(16);
      cancel.writeInt32BE(16);
      cancel.writeInt32BE(80877102, 4);
      cancel.writeInt32BE(key.processID, 8);
      cancel.writeInt32BE(key.secretKey, 12);
      const socket = net.connect(server.pgPort as number, '127.0.0.1');
      socket.end(cancel);
      await expect(sleeping).rejects.toMatchObject({ code: '57014' });
    } finally {
      await client.end();
    }
  });
});

describe('psql through the gateway', () => {
  it.each(['SELECT count(*) FROM lineitem', AGGREGATE])('%s', async (sql) => {
    const env = { ...process.env, PGCLIENTENCODING: 'UTF8', PGCONNECT_TIMEOUT: '10' };
    const psql = (url: string) => run('/usr/bin/psql', [url, '-XAtc', sql], { env });
    const spy = spyCoordinator();
    try {
      const via = await psql(gatewayUrl);
      const straight = await psql(databaseUrl);
      expect(via.stdout).toBe(straight.stdout);
      expect(via.stdout.length).toBeGreaterThan(0);
      expect(await spy.modes()).toEqual(['parallel']);
    } finally {
      spy.restore();
    }
  });
});

describe('startup packets and malformed messages', () => {
  /** Sends `bytes` on a fresh connection and collects what comes back until the gateway closes it. */
  function exchange(bytes: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(server.pgPort as number, '127.0.0.1');
      const got: Buffer[] = [];
      socket.on('data', (d) => got.push(d));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(got)));
      socket.write(bytes);
    });
  }

  it.each([
    ['SSLRequest', 80877103],
    ['GSSENCRequest', 80877104],
  ])('%s is answered N', async (_name, code) => {
    const request = Buffer.alloc(8);
    request.writeInt32BE(8);
    request.writeInt32BE(code, 4);
    const socket = net.connect(server.pgPort as number, '127.0.0.1');
    try {
      const answer = new Promise<Buffer>((resolve) => socket.once('data', resolve));
      socket.write(request);
      expect((await answer).toString()).toBe('N');
    } finally {
      socket.destroy();
    }
  });

  const badStartup = Buffer.alloc(8);
  badStartup.writeInt32BE(3);

  it('Queries cut at any byte, or several in one write, get the answers PostgreSQL gives', async () => {
    // The gateway takes a chunk that is exactly one Query on a shorter path than a reassembled one.
    const u = new URL(databaseUrl);
    const who = {
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      database: decodeURIComponent(u.pathname.slice(1)),
    };
    const answers = async (port: number, queries: string[], cut: number): Promise<string[]> => {
      const bytes = Buffer.concat(queries.map(wire.query));
      const conn = await RawConnection.open(port);
      try {
        await authenticate(conn, who);
        const before = conn.messages.length;
        const ready = conn.readyCount();
        conn.write(bytes.subarray(0, cut));
        await new Promise((r) => setTimeout(r, 5));
        conn.write(bytes.subarray(cut));
        expect(await conn.until(() => conn.readyCount() === ready + queries.length, 10_000)).toBe(true);
        return conn.messages.slice(before).map((m) => `${m.type} ${m.body.toString('hex')}`);
      } finally {
        conn.drop('end');
      }
    };
    const spy = spyCoordinator();
    try {
      // Split first: the last AGGREGATE queues behind the relayed SELECT and is relayed too.
      // Relayed first: a SELECT without a table, cut, whole, or with the next.
      for (const queries of [
        [AGGREGATE, 'SELECT 3 AS three', AGGREGATE],
        ['SELECT 3 AS three', "SELECT 'four' AS four", 'SELECT 5'],
      ]) {
        const want = await answers(Number(u.port), queries, 0);
        const first = wire.query(queries[0] as string).length;
        for (const cut of [0, 1, 4, 5, first - 1, first, first + 1, first + 20]) {
          expect(await answers(server.pgPort as number, queries, cut), `cut at ${cut}`).toEqual(want);
        }
      }
      expect(await spy.modes()).toEqual(Array(8).fill('parallel'));
    } finally {
      spy.restore();
    }
  });

  it('a client that stops reading gets every row intact once it reads again (relayed writes that wait)', async () => {
    const u = new URL(databaseUrl);
    const conn = await RawConnection.open(server.pgPort as number);
    try {
      await authenticate(conn, {
        user: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
        database: decodeURIComponent(u.pathname.slice(1)),
      });
      const before = conn.messages.length;
      const ready = conn.readyCount();
      const rows = 200_000;
      conn.socket.pause(); // the gateway's writes to this client wait while PostgreSQL goes on sending
      conn.write(wire.query(`SELECT i, md5(i::text) FROM generate_series(1, ${rows}) i`));
      await new Promise((r) => setTimeout(r, 500));
      conn.socket.resume();
      expect(await conn.until(() => conn.readyCount() === ready + 1, 30_000)).toBe(true);
      const data = conn.messages.slice(before).filter((m) => m.type === 'D');
      expect(data.length).toBe(rows);
      const bad = data.filter((m, k) => {
        const i = String(k + 1);
        const want = createHash('md5').update(i).digest('hex');
        const n = m.body.readInt32BE(2);
        return m.body.toString('utf8', 6, 6 + n) !== i || m.body.toString('utf8', 6 + n + 4) !== want;
      });
      expect(bad.length).toBe(0);
    } finally {
      conn.drop('end');
    }
  }, 60_000);

  it('an impossible startup length gets 08P01 and closes only that connection', async () => {
    const client = await connect();
    try {
      const reader = new MessageReader();
      reader.push(await exchange(badStartup));
      const [error] = reader.drain();
      expect(error?.type).toBe('E');
      expect(error?.body.toString()).toContain('C08P01\0');
      expect((await client.query('SELECT 3 AS three')).rows).toEqual([{ three: '3' }]);
    } finally {
      await client.end();
    }
  });

  it('an impossible message length after start-up closes that session; others go on', async () => {
    const bad = await connect();
    const good = await connect();
    try {
      const ended = new Promise<void>((resolve) => bad.on('end', () => resolve()));
      bad.on('error', () => {});
      const stream = (bad as unknown as { connection: { stream: net.Socket } }).connection.stream;
      stream.write(Buffer.from([0x51, 0, 0, 0, 2])); // 'Q' with length 2
      await ended;
      await both(good, AGGREGATE);
    } finally {
      await bad.end().catch(() => {});
      await good.end();
    }
  });
});
