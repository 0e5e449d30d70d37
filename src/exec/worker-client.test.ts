// runChunk against a real worker on real PostgreSQL, and against fake workers that misbehave.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PgError } from '../errors/pg-error.ts';
import { freePort } from '../pg/embedded.ts';
import type { ChunkRequest } from '../worker/protocol.ts';
import { startWorker, type WorkerHandle } from '../worker/server.ts';
import { runChunk, type WorkerRef, workerAgent } from './worker-client.ts';

const databaseUrl = inject('databaseUrl');
const secret = randomBytes(16).toString('hex');
const tag = randomBytes(4).toString('hex');
let handle: WorkerHandle;
let worker: WorkerRef;
let admin: pg.Client;

const chunk = (sql: string, extra: Partial<ChunkRequest> = {}): ChunkRequest => ({
  id: `client-test/${tag}`,
  sql,
  params: [],
  snapshot: null,
  role: null,
  settings: {},
  ...extra,
});

async function failure(p: Promise<unknown>): Promise<PgError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PgError);
  return err as PgError;
}

/** A fake worker: answers every request with `respond`. */
async function fakeWorker(
  respond: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void,
): Promise<{ ref: WorkerRef; close(): Promise<void> }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => respond(req, res, ++n));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    ref: { id: 'fake', url: `http://127.0.0.1:${port}` },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function activeQueries(marker: string): Promise<number> {
  const res = await admin.query(
    `SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()`,
    [marker],
  );
  return res.rowCount ?? 0;
}

beforeAll(async () => {
  handle = await startWorker({
    databaseUrl,
    host: '127.0.0.1',
    port: 0,
    secret,
    poolSize: 2,
    logger: pino({ level: 'silent' }),
  });
  worker = { id: 'w-test', url: handle.url };
  admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
});

afterAll(async () => {
  await handle?.close();
  await admin?.end();
});

describe('runChunk with a real worker', () => {
  it('returns fields, rows and the done figures', async () => {
    const out = await runChunk(
      worker,
      secret,
      chunk('SELECT i, i::text || $1 AS s FROM generate_series(1, 3) i', { params: ['x'] }),
    );
    expect(out.fields).toEqual([
      { name: 'i', typeOid: 23, typmod: -1 },
      { name: 's', typeOid: 25, typmod: -1 },
    ]);
    expect(out.rows).toEqual([
      ['1', '1x'],
      ['2', '2x'],
      ['3', '3x'],
    ]);
    expect(out.rowCount).toBe(3);
    expect(out.ms).toBeGreaterThan(0);
    expect(out.wallMs).toBeGreaterThanOrEqual(0);
  });

  it('streams to callbacks and then does not collect rows', async () => {
    const seen: string[] = [];
    let fieldsCalls = 0;
    const out = await runChunk(worker, secret, chunk('SELECT i FROM generate_series(1, 2000) i'), {
      onFields: () => {
        fieldsCalls += 1;
      },
      onRows: (rows) => {
        for (const r of rows) seen.push(r[0] ?? 'null');
      },
    });
    expect(fieldsCalls).toBe(1);
    expect(seen.length).toBe(2000);
    expect(seen.at(-1)).toBe('2000');
    expect(out.rowCount).toBe(2000);
    expect(out.rows).toBeUndefined();
  });

  it.each([
    ['syntax error', 'SELECT * FRM x', { code: '42601', position: '10' }],
    ['undefined column', 'SELECT nope FROM generate_series(1, 2)', { code: '42703', position: '8' }],
    [
      'division by zero after rows',
      'SELECT 1 / (i - 1500) FROM generate_series(1, 2000) i',
      { code: '22012' },
    ],
  ])('forwards a PostgreSQL error: %s', async (_name, sql, fields) => {
    const err = await failure(runChunk(worker, secret, chunk(sql)));
    expect(err).toMatchObject(fields);
    expect(err.severity).toBe('ERROR');
    expect(err.message.length).toBeGreaterThan(0);
  });

  it('a PostgreSQL error leaves the keep-alive connection open for the next chunk', async () => {
    const freeSockets = () => Object.values(workerAgent.freeSockets).flat().length;
    await runChunk(worker, secret, chunk('SELECT 1'));
    await new Promise((r) => setImmediate(r));
    const before = freeSockets();
    expect(before).toBeGreaterThan(0);
    await failure(runChunk(worker, secret, chunk('SELECT 1/0')));
    await new Promise((r) => setImmediate(r));
    expect(freeSockets()).toBe(before);
  });

  it('a callback that throws fails the chunk with that error', async () => {
    const boom = new Error('merger failed');
    const err = await runChunk(worker, secret, chunk('SELECT 1'), {
      onRows: () => {
        throw boom;
      },
    }).catch((e: unknown) => e);
    expect(err).toBe(boom);
  });

  it.each([
    ['a wrong secret', 'wrong'],
    ['an empty secret', ''],
  ])('with %s: XX000, and nothing ran', async (_name, badSecret) => {
    const key = 600_000 + Math.floor(Math.random() * 100_000);
    const err = await failure(runChunk(worker, badSecret, chunk(`SELECT pg_advisory_lock(${key})`)));
    expect(err.code).toBe('XX000');
    expect(err.message).toBe("worker rejected the coordinator's secret");
    expect(err.detail).toContain('w-test');
    const held = await admin.query('SELECT 1 FROM pg_locks WHERE locktype = $1 AND objid = $2', [
      'advisory',
      key,
    ]);
    expect(held.rowCount).toBe(0);
  });

  it('aborting cancels the statement in PostgreSQL within a second', async () => {
    const marker = `mb_client_abort_${tag}`;
    const aborter = new AbortController();
    const pending = runChunk(worker, secret, chunk(`SELECT pg_sleep(60) AS ${marker}`), {
      signal: aborter.signal,
    });
    const deadline = Date.now() + 5000;
    while ((await activeQueries(marker)) === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(await activeQueries(marker)).toBe(1);
    aborter.abort();
    expect((await failure(pending)).code).toBe('57014');
    const stopBy = Date.now() + 1000;
    while ((await activeQueries(marker)) > 0 && Date.now() < stopBy)
      await new Promise((r) => setTimeout(r, 20));
    expect(await activeQueries(marker)).toBe(0);
  });

  it('an already aborted signal sends nothing', async () => {
    const aborter = new AbortController();
    aborter.abort();
    expect(
      (await failure(runChunk(worker, secret, chunk('SELECT 1'), { signal: aborter.signal }))).code,
    ).toBe('57014');
  });

  it('many chunks in a row reuse keep-alive connections', async () => {
    for (let i = 0; i < 50; i += 1) {
      const out = await runChunk(worker, secret, chunk('SELECT $1::int', { params: [String(i)] }));
      expect(out.rows).toEqual([[String(i)]]);
    }
  });
});

describe('runChunk with a broken worker', () => {
  const fields = '{"fields":[{"name":"a","typeOid":23,"typmod":-1}]}\n';
  it.each([
    ['ends after the fields', (res: http.ServerResponse) => res.end(fields)],
    ['ends after rows', (res: http.ServerResponse) => res.end(`${fields}{"rows":[["1"]]}\n`)],
    ['ends in the middle of a line', (res: http.ServerResponse) => res.end(`${fields}{"rows":[["1"`)],
    [
      'dies in the middle of the body',
      (res: http.ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write(fields);
        setTimeout(() => res.destroy(), 20);
      },
    ],
    ['sends garbage', (res: http.ServerResponse) => res.end('<html>\n')],
    [
      'miscounts rows',
      (res: http.ServerResponse) => res.end(`${fields}{"rows":[["1"]]}\n{"done":{"rows":2,"ms":1}}\n`),
    ],
    ['answers 500', (res: http.ServerResponse) => res.writeHead(500).end('oops')],
    ['answers 404', (res: http.ServerResponse) => res.writeHead(404).end()],
  ])('%s → 08006 naming the worker', async (_name, respond) => {
    const fake = await fakeWorker((_req, res) => respond(res));
    try {
      const err = await failure(runChunk(fake.ref, secret, chunk('SELECT 1')));
      expect(err.code).toBe('08006');
      expect(err.message).toContain('worker fake');
    } finally {
      await fake.close();
    }
  });

  it('a refused connection → 08006 naming the worker', async () => {
    const ref = { id: 'gone', url: `http://127.0.0.1:${await freePort()}` };
    const err = await failure(runChunk(ref, secret, chunk('SELECT 1')));
    expect(err.code).toBe('08006');
    expect(err.message).toContain('worker gone');
  });

  it('retries once when a reused keep-alive socket turns out closed', async () => {
    const ok = `{"fields":[]}\n{"done":{"rows":0,"ms":1}}\n`;
    const fake = await fakeWorker((req, res, n) => {
      // The second request arrives on the reused socket: drop it without answering, like a worker whose
      // keep-alive timer fired at that moment.
      if (n === 2) req.socket.destroy();
      else res.end(ok);
    });
    try {
      await runChunk(fake.ref, secret, chunk('SELECT 1'));
      const out = await runChunk(fake.ref, secret, chunk('SELECT 1'));
      expect(out.rowCount).toBe(0);
    } finally {
      await fake.close();
    }
  });
});
