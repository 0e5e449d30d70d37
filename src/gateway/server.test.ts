// The gateway with real clients (node-postgres, psql) over real sockets against the suite's PostgreSQL.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { type RunningServer, startServer } from '../cli/serve.ts';
import type { QueryResult } from '../exec/api.ts';
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

/** Spies on the coordinator; `modes()` lists the plan modes of the statements it ran ('error' if failed). */
function spyCoordinator() {
  const spy = vi.spyOn(server.coordinator, 'query');
  return {
    modes: async () =>
      Promise.all(
        spy.mock.results.map(async (r) => {
          try {
            return ((await r.value) as QueryResult).plan as { mode: string };
          } catch {
            return { mode: 'error' };
          }
        }),
      ).then((plans) => plans.map((p) => p.mode)),
    restore: () => spy.mockRestore(),
  };
}

const AGGREGATE =
  'SELECT l_returnflag, count(*), sum(l_quantity), avg(l_extendedprice) FROM lineitem GROUP BY 1 ORDER BY 1';

describe('node-postgres through the gateway', () => {
  it.each<[string, string, unknown[], string[]]>([
    ['a split aggregate (simple protocol)', AGGREGATE, [], ['parallel']],
    ['a cheap statement, relayed', 'SELECT 1 AS one, NULL::text AS nothing', [], []],
    [
      'a parameterized query (extended protocol), relayed',
      'SELECT count(*) FROM lineitem WHERE l_quantity > $1',
      ['10'],
      [],
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

  it('a transaction block is relayed; after COMMIT the session splits again', async () => {
    const client = await connect();
    const spy = spyCoordinator();
    try {
      await client.query('BEGIN');
      await both(client, 'SELECT count(*) FROM lineitem');
      await client.query('COMMIT');
      expect(await spy.modes()).toEqual([]);
      await both(client, 'SELECT count(*) FROM lineitem');
      expect(await spy.modes()).toEqual(['parallel']);
    } finally {
      spy.restore();
      await client.end();
    }
  });

  it('after SET the session no longer splits', async () => {
    const client = await connect();
    const spy = spyCoordinator();
    try {
      await client.query('SET search_path = public');
      await both(client, 'SELECT count(*) FROM lineitem');
      expect(await spy.modes()).toEqual([]);
    } finally {
      spy.restore();
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
