// The scheduler with real worker processes on the suite's PostgreSQL: kill -9, SIGSTOP, user errors, cancel, fairness, speculation.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rangePlan } from '../../test/support/plans.ts';
import { TestFleet } from '../../test/support/test-fleet.ts';
import { spawnWorker, type WorkerProcess } from '../../test/support/worker-process.ts';
import { PgError } from '../errors/pg-error.ts';
import { Coordinator } from './coordinator.ts';
import { Scheduler, type SchedulerOptions, type StatementInput } from './scheduler.ts';
import { runChunk } from './worker-client.ts';

const databaseUrl = inject('databaseUrl');
const secret = randomBytes(16).toString('hex');
const tag = randomBytes(4).toString('hex');
const schema = `mb_sched_${tag}`;
const ROWS = 64_000;
const nobody = `${schema}_nobody`;
let admin: pg.Client;
let holder: pg.Client;
let snapshot: string;
let direct: { n: bigint; s: bigint };
/** Three workers for the tests that do not harm them. */
let shared: WorkerProcess[] = [];
const spawned: WorkerProcess[] = [];

/** A database URL whose connections resolve `items` and `nap` in our schema (or first in `slow`). */
const urlWith = (searchPath: string): string => {
  const u = new URL(databaseUrl);
  u.searchParams.set('options', `-c search_path=${searchPath}`);
  return u.toString();
};
const fastUrl = () => urlWith(`${schema},public`);

/** Every chunk naps `$1` seconds, then counts and sums its id range. The tag finds its sessions. */
const shardSql = (select = 'count(*)::text AS n, sum(i.id)::text AS s', nap = '$1::float8') =>
  `/* ${tag} */ WITH z AS MATERIALIZED (SELECT nap(${nap})) SELECT ${select} FROM items i, z ` +
  'WHERE (i.id >= $2::int OR $2::int IS NULL) AND (i.id < $3::int OR $3::int IS NULL)';

const statement = (
  chunks: number,
  napSeconds: number,
  extra: Partial<StatementInput> = {},
): StatementInput => ({
  plan: rangePlan(shardSql(), chunks, ROWS, 1),
  statementId: randomBytes(2).toString('hex'),
  secret,
  snapshot,
  settings: {},
  role: null,
  userValues: [String(napSeconds)],
  ...extra,
});

async function workers(n: number, url = fastUrl()): Promise<WorkerProcess[]> {
  const ws = await Promise.all(Array.from({ length: n }, (_, i) => spawnWorker(`w${i + 1}`, url, secret)));
  spawned.push(...ws);
  return ws;
}

function fleetOf(ws: WorkerProcess[], concurrency = 4, faultRemoves = false): TestFleet {
  const fleet = new TestFleet({ faultRemoves });
  for (const w of ws) fleet.add({ id: w.id, url: w.url }, concurrency);
  return fleet;
}

function scheduler(fleet: TestFleet, opts: Partial<SchedulerOptions> = {}): Scheduler {
  return new Scheduler({ fleet, speculation: false, logger: pino({ level: 'silent' }), ...opts });
}

const totals = (rows: (string | null)[][]) => ({
  n: rows.reduce((a, r) => a + BigInt(r[0] ?? 0), 0n),
  s: rows.reduce((a, r) => a + BigInt(r[1] ?? 0), 0n),
});

/** Our chunks' sessions that are not idle. */
async function busySessions(): Promise<number> {
  const res = await admin.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE state <> 'idle' AND pid <> pg_backend_pid() AND position($1 in query) > 0`,
    [tag],
  );
  return res.rows[0].n as number;
}

/** Polls until no session of ours is busy; returns how long that took (ms), or Infinity. */
async function sessionsGoneWithin(ms: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if ((await busySessions()) === 0) return performance.now() - t0;
    await sleep(25);
  }
  return Number.POSITIVE_INFINITY;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rejection(p: Promise<unknown>): Promise<PgError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PgError);
  return err as PgError;
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}; CREATE SCHEMA ${schema}_slow`);
  await admin.query(`CREATE TABLE ${schema}.items AS SELECT g AS id FROM generate_series(1, ${ROWS}) g`);
  await admin.query(`ALTER TABLE ${schema}.items ADD PRIMARY KEY (id); ANALYZE ${schema}.items`);
  await admin.query(
    `CREATE FUNCTION ${schema}.nap(s float8) RETURNS int LANGUAGE sql AS 'SELECT 1 FROM pg_sleep(s)'`,
  );
  // A worker whose search_path starts here is "slow": every chunk takes 3 s longer.
  await admin.query(
    `CREATE FUNCTION ${schema}_slow.nap(s float8) RETURNS int LANGUAGE sql AS 'SELECT 1 FROM pg_sleep(s + 3)'`,
  );
  // May use the schema (and its functions) but not read the table.
  await admin.query(`CREATE ROLE ${nobody} NOLOGIN; GRANT USAGE ON SCHEMA ${schema} TO ${nobody}`);
  const res = await admin.query(`SELECT count(*)::text AS n, sum(id)::text AS s FROM ${schema}.items`);
  direct = { n: BigInt(res.rows[0].n), s: BigInt(res.rows[0].s) };
  holder = new pg.Client({ connectionString: databaseUrl });
  await holder.connect();
  await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  snapshot = (await holder.query('SELECT pg_export_snapshot() AS s')).rows[0].s;
  shared = await workers(3);
});

afterAll(async () => {
  await Promise.all(spawned.map((w) => w.kill()));
  await holder?.query('COMMIT');
  await holder?.end();
  await admin?.query(`DROP SCHEMA IF EXISTS ${schema}, ${schema}_slow CASCADE`);
  await admin?.query(`DROP OWNED BY ${nobody}; DROP ROLE IF EXISTS ${nobody}`);
  await admin?.end();
});

describe('worker faults', () => {
  it('kill -9 of a worker mid-statement: its chunks run elsewhere, the answer is exact', async () => {
    const ws = await workers(3);
    const fleet = fleetOf(ws);
    const s = scheduler(fleet);
    try {
      const p = s.submit(statement(64, 0.1));
      await sleep(250);
      expect(fleet.inFlight.get('w2')).toBeGreaterThan(0);
      await ws[1]?.kill();
      const out = await p;
      expect(out.rows.length).toBe(64);
      expect(totals(out.rows)).toEqual(direct);
      expect(out.stats.retries).toBeGreaterThan(0);
      expect(fleet.faults.some((f) => f.id === 'w2')).toBe(true);
      const retried = out.shards.filter((x) => (x.attempts ?? 1) > 1);
      expect(retried.reduce((a, x) => a + (x.attempts ?? 1) - 1, 0)).toBe(out.stats.retries);
      expect(retried.every((x) => x.worker !== 'w2')).toBe(true);
    } finally {
      await s.close();
    }
  });

  it.each([
    ['a plain worker list (the worker stays in rotation)', false],
    ['a registry (a fault takes the worker out)', true],
  ])(
    'a SIGSTOPped worker, with %s: its chunks are retried after the chunk timeout, exact',
    async (_n, removes) => {
      const ws = await workers(3);
      const fleet = fleetOf(ws, 4, removes);
      const s = scheduler(fleet, { chunkTimeoutMs: 1000 });
      try {
        const t0 = performance.now();
        const p = s.submit(statement(24, 0.1));
        await sleep(150);
        process.kill(ws[2]?.pid as number, 'SIGSTOP');
        const out = await p;
        expect(totals(out.rows)).toEqual(direct);
        expect(out.rows.length).toBe(24);
        expect(fleet.faults[0]).toEqual({
          id: 'w3',
          reason: 'worker w3 stopped responding (chunk timeout 1000 ms)',
        });
        expect(out.shards.every((x) => x.worker !== 'w3' || (x.attempts ?? 1) === 1)).toBe(true);
        expect(performance.now() - t0).toBeLessThan(removes ? 3000 : 6000);
      } finally {
        await s.close();
        await ws[2]?.kill();
      }
    },
  );

  it.each([
    [
      'a plain worker list: attempts run out, 57014',
      false,
      '57014',
      /^chunk \d+ of statement \w+ failed on workers w\d, w\d: worker w\d stopped responding \(chunk timeout 300 ms\)$/,
    ],
    ['a registry: no healthy worker left, 08006', true, '08006', /^no healthy worker available for \d+ ms$/],
  ])(
    'every worker SIGSTOPped, with %s, within the configured timeouts',
    async (_n, removes, code, message) => {
      const ws = await workers(2);
      const fleet = fleetOf(ws, 2, removes);
      const s = scheduler(fleet, { chunkTimeoutMs: 300, noWorkerTimeoutMs: 500, maxAttempts: 2 });
      try {
        const p = s.submit(statement(4, 0.2));
        await sleep(100);
        for (const w of ws) process.kill(w.pid, 'SIGSTOP');
        const t0 = performance.now();
        const err = await rejection(p);
        expect(err.code).toBe(code);
        expect(err.message).toMatch(message);
        expect(performance.now() - t0).toBeLessThan(1500);
      } finally {
        await s.close();
        await Promise.all(ws.map((w) => w.kill()));
      }
    },
  );
});

describe('user errors', () => {
  /** Chunk 0 fails at once (id 1 is in it); the others nap 5 s, so they are running when it fails. */
  const firstFails = 'CASE WHEN $2::int IS NULL THEN 0 ELSE $1::float8 END';
  it.each([
    ['division by zero', shardSql('count(*)::text, sum(100 / (i.id - 1))::text', firstFails), null, '22012'],
    ['undefined column', shardSql('count(*)::text, sum(i.nope)::text'), null, '42703'],
    ['permission denied', shardSql(), nobody, '42501'],
  ])('%s: PostgreSQL’s error unchanged, no retry, other chunks cancelled', async (_n, sql, role, code) => {
    const fleet = fleetOf(shared);
    const ids: string[] = [];
    const s = scheduler(fleet, {
      runChunk: (w, sec, req, o) => {
        ids.push(req.id);
        return runChunk(w, sec, req, o);
      },
    });
    try {
      const input = statement(12, 5, { plan: rangePlan(sql, 12, ROWS, 1), role });
      const err = await rejection(s.submit(input));
      const expected = await directError(sql, role, ['5', null, '5334']);
      expect(err.code).toBe(code);
      expect({ code: err.code, message: err.message }).toEqual(expected);
      expect(new Set(ids).size).toBe(ids.length);
      expect(fleet.faults).toEqual([]);
      expect(await sessionsGoneWithin(1000)).toBeLessThan(1000);
    } finally {
      await s.close();
    }
  });
});

/** The error the shard statement gets when run directly (as `role`, when given). */
async function directError(sql: string, role: string | null, params: (string | null)[]) {
  const c = new pg.Client({ connectionString: fastUrl() });
  await c.connect();
  try {
    await c.query('BEGIN');
    if (role) await c.query(`SET LOCAL ROLE ${role}`);
    await c.query(sql, params);
    return null;
  } catch (e) {
    const err = e as { code: string; message: string };
    return { code: err.code, message: err.message };
  } finally {
    await c.end();
  }
}

describe('cancellation', () => {
  it.each([
    ['client abort', 'canceling statement due to user request'],
    ['deadline', 'canceling statement due to statement timeout'],
  ])('%s: rejects at once and PostgreSQL runs none of the chunks within 1 s', async (how, message) => {
    const s = scheduler(fleetOf(shared));
    try {
      const aborter = new AbortController();
      const deadline = Date.now() + 2000;
      const p = rejection(
        s.submit(statement(12, 10, how === 'deadline' ? { deadline } : { signal: aborter.signal })),
      );
      for (let t = 0; t < 60 && (await busySessions()) < 12; t++) await sleep(25);
      expect(await busySessions()).toBe(12);
      if (how === 'deadline') await sleep(deadline - Date.now());
      else aborter.abort();
      const t0 = performance.now();
      const err = await p;
      expect(err).toMatchObject({ code: '57014', message });
      expect(performance.now() - t0).toBeLessThan(250);
      expect(await sessionsGoneWithin(1000)).toBeLessThan(1000);
    } finally {
      await s.close();
    }
  });

  it('the coordinator passes the session’s statement_timeout as deadline and chunk setting', async () => {
    const u = new URL(databaseUrl);
    u.searchParams.set('options', '-c statement_timeout=1500');
    const coordinator = new Coordinator({
      databaseUrl: u.toString(),
      workers: () => shared.map((w) => ({ id: w.id, url: w.url })),
      secret,
      logger: pino({ level: 'silent' }),
    });
    await coordinator.init();
    try {
      const sql = `SELECT count(*) FROM t_facts x_${tag} JOIN t_facts y_${tag} ON x_${tag}.id < y_${tag}.id`;
      expect(await coordinator.explain({ sql, mode: 'parallel', chunks: 6 })).toMatchObject({
        mode: 'parallel',
      });
      const t0 = performance.now();
      const err = await rejection(coordinator.query({ sql, mode: 'parallel', chunks: 6 }));
      expect(err).toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout' });
      expect(performance.now() - t0).toBeGreaterThan(1400);
      expect(performance.now() - t0).toBeLessThan(2500);
      expect(await sessionsGoneWithin(1000)).toBeLessThan(1000);
      const ok = await coordinator.query({
        sql: 'SELECT count(*) FROM t_facts',
        mode: 'parallel',
        chunks: 6,
      });
      expect(ok.rows).toEqual([['20000']]);
    } finally {
      await coordinator.close();
    }
  });
});

describe('sharing and speculation', () => {
  it('a small statement submitted while a 64-chunk one runs finishes long before it', async () => {
    const s = scheduler(fleetOf(shared.slice(0, 2), 2));
    try {
      const t0 = performance.now();
      const big = s.submit(statement(64, 0.1));
      await sleep(200);
      const t1 = performance.now();
      const small = await s.submit(statement(1, 0));
      const smallMs = performance.now() - t1;
      const out = await big;
      const bigMs = performance.now() - t0;
      expect(totals(small.rows)).toEqual(direct);
      expect(totals(out.rows)).toEqual(direct);
      expect(smallMs).toBeLessThan(400);
      expect(bigMs - (t1 - t0) - smallMs).toBeGreaterThan(600);
    } finally {
      await s.close();
    }
  });

  it('a straggler on a slow worker is duplicated on an idle one, which wins; the slow one is cancelled', async () => {
    const [slow] = await workers(1, urlWith(`${schema}_slow,${schema},public`));
    const fleet = fleetOf([...shared.slice(0, 2), { ...(slow as WorkerProcess), id: 'slow' }], 2);
    const s = scheduler(fleet, { speculation: { multiplier: 2, minMs: 200 } });
    try {
      const t0 = performance.now();
      const out = await s.submit(statement(9, 0.05));
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(totals(out.rows)).toEqual(direct);
      const won = out.shards.filter((x) => x.speculative);
      expect(won.length).toBeGreaterThan(0);
      expect(won.every((x) => x.worker !== 'slow')).toBe(true);
      expect(out.shards.some((x) => x.worker === 'slow')).toBe(false);
      expect(out.stats.speculativeWins).toBe(won.length);
      expect(await sessionsGoneWithin(1000)).toBeLessThan(1000);
    } finally {
      await s.close();
    }
  });
});
