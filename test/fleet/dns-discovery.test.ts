// Issue 7's acceptance for `--workers dns:NAME:PORT`: a DNS server the test controls, real workers on 127.0.0.2-4, real coordinators.
import net from 'node:net';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/cli/serve.ts';
import { RAW_TEXT } from '../../src/pg/raw-text.ts';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.ts';
import { spawnWorker, type WorkerProcess } from '../support/worker-process.ts';

const NAME = 'mb-workers.test';
const REFRESH_MS = 300;
/** A new worker's first health check opens its PostgreSQL pool; a loaded 2-core machine needs slack. */
const SLACK_MS = 1500;
const ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

// SLOW sleeps on every 10th row (about 1 s per chunk at 6 chunks), so chunks are still running when the
// DNS answer changes. Declared immutable so the planner splits over it.
const SETUP = `
  CREATE OR REPLACE FUNCTION dns_slow(x int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS
    $$ BEGIN IF x % 10 = 0 THEN PERFORM pg_sleep(0.03); END IF; RETURN x; END $$;
  DROP TABLE IF EXISTS dns_rows;
  CREATE TABLE dns_rows (id int PRIMARY KEY, grp int NOT NULL, v numeric(12,2) NOT NULL);
  INSERT INTO dns_rows SELECT i, i % 5, i * 1.25 FROM generate_series(1, 2000) i;
  ANALYZE dns_rows;`;
const QUICK = 'SELECT grp, count(*), sum(v), avg(v) FROM dns_rows GROUP BY grp ORDER BY grp';
const SLOW = 'SELECT grp, count(*), sum(dns_slow(id)) FROM dns_rows GROUP BY grp ORDER BY grp';

interface WorkerRow {
  id: string;
  source: string;
  state: string;
  inFlight: number;
}
interface QueryBody {
  plan: { mode: string };
  rows: unknown[][];
  stats: { shards: { worker: string }[] };
  error?: { code: string; message: string };
}

let dns: TestDnsServer;
let port: number;
let workerProcs: WorkerProcess[] = [];
let server: RunningServer;
let admin: pg.Client;
let want: { quick: unknown[][]; slow: unknown[][] };
const databaseUrl = inject('databaseUrl');
const secret = 'dns-discovery-test-secret';
const idOf = (address: string) => `${address}:${port}`;

function startCoordinator(): Promise<RunningServer> {
  return startServer({
    databaseUrl,
    workers: 0,
    dnsWorkers: { name: NAME, port, refreshMs: REFRESH_MS, server: dns.address },
    secret,
    httpPort: 0,
    healthIntervalMs: 500,
    logger: pino({ level: 'silent' }),
  });
}

async function workers(s = server): Promise<WorkerRow[]> {
  return (await (await fetch(`${s.httpUrl}/api/workers`)).json()) as WorkerRow[];
}

/** `id state` of every worker, sorted. */
async function listing(s = server): Promise<string[]> {
  return (await workers(s)).map((w) => `${w.id} ${w.state}`).sort();
}

async function query(sql: string, s = server): Promise<QueryBody> {
  const res = await fetch(`${s.httpUrl}/api/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sql, mode: 'parallel', chunks: 6 }),
  });
  const body = (await res.json()) as QueryBody;
  expect(res.status, JSON.stringify(body.error)).toBe(200);
  expect(body.plan.mode).toBe('parallel');
  return body;
}

/** Polls until `cond` holds; returns the ms it took, or throws after `ms`. */
async function until(cond: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (await cond()) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what}: not within ${ms} ms; workers: ${JSON.stringify(await listing())}`);
}

const healthy = (addresses: string[]) => addresses.map((a) => `${idOf(a)} healthy`).sort();

/** A TCP port free on every loopback address (nothing listens on it, not even on 0.0.0.0). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '0.0.0.0', resolve));
  const { port: p } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return p;
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: databaseUrl, types: RAW_TEXT });
  await admin.connect();
  await admin.query(SETUP);
  want = {
    quick: (await admin.query({ text: QUICK, rowMode: 'array' })).rows,
    slow: (await admin.query({ text: SLOW.replace('dns_slow(id)', 'id'), rowMode: 'array' })).rows,
  };
  dns = await startTestDnsServer();
  port = await freePort();
  // Workers as a Kubernetes pod runs them: no --coordinator, the secret from the environment, one port.
  workerProcs = await Promise.all(
    ADDRESSES.map((host, i) => spawnWorker(`d${i + 1}`, databaseUrl, secret, { host, port })),
  );
  expect(workerProcs.map((w) => w.url)).toEqual(ADDRESSES.map((a) => `http://${a}:${port}`));
  dns.records.set(NAME, ['127.0.0.2']);
  server = await startCoordinator();
});

afterAll(async () => {
  await server?.stop();
  await Promise.all(workerProcs.map((w) => w.kill()));
  await dns?.close();
  await admin?.query('DROP TABLE IF EXISTS dns_rows; DROP FUNCTION IF EXISTS dns_slow(int)');
  await admin?.end();
});

describe('--workers dns:NAME:PORT', () => {
  it('starts with the workers of the first answer, checked, and no local worker', async () => {
    expect(await listing()).toEqual(healthy(['127.0.0.2']));
    expect((await workers()).map((w) => w.source)).toEqual(['dns']);
    expect(server.fleet.workers()).toEqual([]);
    const res = await query(QUICK);
    expect(res.rows).toEqual(want.quick);
    expect(new Set(res.stats.shards.map((s) => s.worker))).toEqual(new Set([idOf('127.0.0.2')]));
  });

  it('an added address is listed within the refresh interval and joins the rotation; a removed one leaves', async () => {
    dns.records.set(NAME, ['127.0.0.2', '127.0.0.3']);
    const listed = await until(
      async () => (await workers()).some((w) => w.id === idOf('127.0.0.3')),
      REFRESH_MS + SLACK_MS,
      'added address listed',
    );
    await until(
      async () => (await listing()).join() === healthy(['127.0.0.2', '127.0.0.3']).join(),
      REFRESH_MS + 2 * SLACK_MS,
      'added worker healthy',
    );
    dns.records.set(NAME, ['127.0.0.3']);
    const gone = await until(
      async () => (await listing()).join() === healthy(['127.0.0.3']).join(),
      REFRESH_MS + SLACK_MS,
      'removed address gone',
    );
    // Both within one refresh interval plus the time to see it (the lookup, the HTTP poll).
    expect(listed).toBeLessThan(REFRESH_MS + SLACK_MS);
    expect(gone).toBeLessThan(REFRESH_MS + SLACK_MS);
    const res = await query(QUICK);
    expect(res.rows).toEqual(want.quick);
    expect(new Set(res.stats.shards.map((s) => s.worker))).toEqual(new Set([idOf('127.0.0.3')]));
  });

  it('answers stay exact while workers come and go', async () => {
    // Each answer shares an address with the one before, as scaling up or down does: a worker is always
    // healthy, so every statement splits. (With none, statements run whole: still exact, but not this test.)
    const answers = [
      ['127.0.0.2', '127.0.0.3', '127.0.0.4'],
      ['127.0.0.4'],
      ['127.0.0.2', '127.0.0.4'],
      ['127.0.0.2'],
      ['127.0.0.2', '127.0.0.3'],
    ];
    let changing = true;
    const changer = (async () => {
      for (const answer of answers) {
        dns.records.set(NAME, answer);
        await new Promise((r) => setTimeout(r, REFRESH_MS + 250));
      }
      changing = false;
    })();
    const used = new Set<string>();
    const counts = { quick: 0, slow: 0 };
    // Quick statements back to back and slow ones (chunks running across changes) at the same time.
    const loop = async (kind: 'quick' | 'slow') => {
      while (changing) {
        const res = await query(kind === 'quick' ? QUICK : SLOW);
        expect(res.rows).toEqual(want[kind]);
        for (const s of res.stats.shards) used.add(s.worker);
        counts[kind]++;
      }
    };
    await Promise.all([changer, loop('quick'), loop('slow')]);
    expect(counts.quick).toBeGreaterThanOrEqual(answers.length);
    expect(counts.slow).toBeGreaterThanOrEqual(1);
    expect(used.size).toBeGreaterThanOrEqual(2);
    await until(
      async () => (await listing()).join() === healthy(['127.0.0.2', '127.0.0.3']).join(),
      REFRESH_MS + 2 * SLACK_MS,
      'last answer',
    );
  });

  it('a worker that leaves the answer while running chunks drains, finishes them, then leaves', async () => {
    dns.records.set(NAME, ADDRESSES);
    await until(
      async () => (await listing()).join() === healthy(ADDRESSES).join(),
      REFRESH_MS + 2 * SLACK_MS,
      'all three healthy',
    );
    const leaver = idOf('127.0.0.4');
    const running = query(SLOW);
    await until(
      async () => ((await workers()).find((w) => w.id === leaver)?.inFlight ?? 0) > 0,
      5000,
      'a chunk running on the leaver',
    );
    dns.records.set(NAME, ['127.0.0.2', '127.0.0.3']);
    await until(
      async () => (await workers()).find((w) => w.id === leaver)?.state === 'draining',
      REFRESH_MS + SLACK_MS,
      'leaver draining',
    );
    const res = await running;
    expect(res.rows).toEqual(want.slow);
    // Its chunks were not given up: the leaver's own results are in the answer.
    expect(res.stats.shards.some((s) => s.worker === leaver)).toBe(true);
    await until(
      async () => (await listing()).join() === healthy(['127.0.0.2', '127.0.0.3']).join(),
      REFRESH_MS + SLACK_MS,
      'leaver gone once idle',
    );
  });

  it('a failed lookup keeps the workers; a name that does not exist means none', async () => {
    dns.records.set(NAME, ['127.0.0.2', '127.0.0.3']);
    const before = await listing();
    dns.mode = 'servfail';
    const seen = dns.queries.length;
    await new Promise((r) => setTimeout(r, 3 * REFRESH_MS + 100));
    expect(dns.queries.length).toBeGreaterThan(seen);
    expect(await listing()).toEqual(before);
    expect((await query(QUICK)).rows).toEqual(want.quick);
    dns.mode = 'silent';
    await new Promise((r) => setTimeout(r, 3 * REFRESH_MS));
    expect(await listing()).toEqual(before);
    dns.mode = 'answer';
    dns.records.delete(NAME);
    await until(async () => (await workers()).length === 0, REFRESH_MS + SLACK_MS, 'NXDOMAIN: no workers');
    dns.records.set(NAME, ['127.0.0.3']);
    await until(
      async () => (await listing()).join() === healthy(['127.0.0.3']).join(),
      REFRESH_MS + 2 * SLACK_MS,
      'back',
    );
    expect((await query(QUICK)).rows).toEqual(want.quick);
  });

  it('two coordinators side by side see the same workers', async () => {
    dns.records.set(NAME, ['127.0.0.2', '127.0.0.4']);
    const other = await startCoordinator();
    try {
      const both = async () => [await listing(), await listing(other)];
      await until(
        async () => {
          const [a, b] = await both();
          return a?.join() === healthy(['127.0.0.2', '127.0.0.4']).join() && a.join() === b?.join();
        },
        REFRESH_MS + 2 * SLACK_MS,
        'same workers on both',
      );
      dns.records.set(NAME, ADDRESSES);
      await until(
        async () => {
          const [a, b] = await both();
          return a?.join() === healthy(ADDRESSES).join() && a.join() === b?.join();
        },
        REFRESH_MS + 2 * SLACK_MS,
        'the added worker on both',
      );
      const [mine, theirs] = await Promise.all([query(SLOW), query(SLOW, other)]);
      expect(mine.rows).toEqual(want.slow);
      expect(theirs.rows).toEqual(want.slow);
    } finally {
      await other.stop();
    }
  });
});
