// Shards run as the statement's role: row-level security and column GRANTs apply exactly as directly.
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Coordinator } from '../../src/exec/coordinator.ts';
import { RAW_TEXT } from '../../src/pg/raw-text.ts';
import { startWorker } from '../../src/worker/server.ts';

const ROLE = 'mb_rls_analyst';

let admin: pg.Client;
let direct: pg.Client;
let coordinator: Coordinator;
let workers: { url: string; close(): Promise<void> }[] = [];

function asRole(url: string): string {
  const u = new URL(url);
  u.username = ROLE;
  u.password = 'analyst-pw';
  return u.toString();
}

beforeAll(async () => {
  const url = inject('databaseUrl');
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`
    DROP TABLE IF EXISTS rls_sales;
    DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}') THEN EXECUTE 'DROP OWNED BY ${ROLE}'; EXECUTE 'DROP ROLE ${ROLE}'; END IF;
    END $$;
    CREATE ROLE ${ROLE} LOGIN PASSWORD 'analyst-pw';
    CREATE TABLE rls_sales (id int PRIMARY KEY, region text NOT NULL, amount numeric(12,2), secret text);
    INSERT INTO rls_sales SELECT i, (ARRAY['EU','US','APAC'])[i % 3 + 1], i * 1.25, 'hidden ' || i FROM generate_series(1, 6000) i;
    ANALYZE rls_sales;
    ALTER TABLE rls_sales ENABLE ROW LEVEL SECURITY;
    CREATE POLICY eu_only ON rls_sales FOR SELECT TO ${ROLE} USING (region <> 'US');
    GRANT SELECT (id, region, amount) ON rls_sales TO ${ROLE};
  `);
  // Workers connect as the server's superuser and take on the statement's role for each chunk.
  const logger = pino({ level: 'silent' });
  workers = await Promise.all(
    [1, 2].map(() =>
      startWorker({ databaseUrl: url, host: '127.0.0.1', port: 0, secret: 's', poolSize: 4, logger }),
    ),
  );
  const urls = workers.map((w) => w.url);
  coordinator = new Coordinator({
    databaseUrl: asRole(url),
    workers: () => urls.map((u, i) => ({ id: `w${i + 1}`, url: u })),
    secret: 's',
    logger,
  });
  await coordinator.init();
  direct = new pg.Client({ connectionString: asRole(url), types: RAW_TEXT });
  await direct.connect();
});

afterAll(async () => {
  await direct?.end();
  await coordinator?.close();
  await Promise.all(workers.map((w) => w.close()));
  await admin.query(`DROP TABLE IF EXISTS rls_sales; DROP OWNED BY ${ROLE}; DROP ROLE IF EXISTS ${ROLE}`);
  await admin.end();
});

describe('a role limited by row-level security and a column GRANT', () => {
  it.each([
    'SELECT region, count(*), sum(amount), avg(amount) FROM rls_sales GROUP BY region ORDER BY region',
    'SELECT count(*), max(id) FROM rls_sales',
    'SELECT id, amount FROM rls_sales WHERE id % 97 = 0 ORDER BY amount DESC, id LIMIT 5',
  ])('sees through the parallel path exactly what it sees directly: %s', async (sql) => {
    const want = await direct.query({ text: sql, rowMode: 'array' });
    for (const chunks of [2, 5]) {
      const got = await coordinator.query({ sql, mode: 'parallel', chunks });
      expect((got.plan as { mode: string }).mode, JSON.stringify(got.plan)).toBe('parallel');
      expect(got.rows).toEqual(want.rows);
    }
    // The policy really applies: no US rows.
    const all = await coordinator.query({
      sql: 'SELECT count(*) FROM rls_sales WHERE region = $1',
      params: ['US'],
      mode: 'parallel',
      chunks: 3,
    });
    expect(all.rows).toEqual([['0']]);
  });

  it('gets the same permission error for the forbidden column', async () => {
    const sql = 'SELECT region, count(secret) FROM rls_sales GROUP BY region';
    const want = await direct.query(sql).then(
      () => undefined,
      (e: { code: string; message: string }) => e,
    );
    expect(want?.code).toBe('42501');
    await expect(coordinator.query({ sql, mode: 'parallel', chunks: 3 })).rejects.toMatchObject({
      code: want?.code,
      message: want?.message,
    });
  });
});
