// A table definition changed by another client is seen at once, not after the catalog cache expires: a column
// that loses NOT NULL (and then holds NULLs) must not be planned as NOT NULL (count(*) for count(k), value
// ranges without a NULL chunk). Answers equal PostgreSQL's.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RAW_TEXT } from '../../src/pg/raw-text.ts';
import { expectSameAsDirect } from '../support/same-as-direct.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

let stack: TestStack | undefined;
let direct: pg.Client | undefined;

beforeAll(async () => {
  stack = await startTestStack({ workers: 2 });
  direct = new pg.Client({ connectionString: stack.databaseUrl, types: RAW_TEXT });
  await direct.connect();
  await direct.query('DROP TABLE IF EXISTS t_fresh');
  await direct.query(`CREATE TABLE t_fresh AS
    SELECT g AS id, g % 97 AS k, (g % 1000)::numeric / 10 AS v FROM generate_series(1, 5000) g`);
  await direct.query('ALTER TABLE t_fresh ALTER k SET NOT NULL, ADD PRIMARY KEY (id)');
  await direct.query('CREATE INDEX ON t_fresh (k)');
  await direct.query('ANALYZE t_fresh');
});

afterAll(async () => {
  await direct?.query('DROP TABLE IF EXISTS t_fresh').catch(() => {});
  await direct?.end();
  await stack?.stop();
});

async function sameAsDirect(sql: string) {
  const plan = await expectSameAsDirect(direct!, stack!, sql, { mode: 'parallel', ordered: false });
  expect(plan.mode).toBe('parallel');
}

describe('catalog freshness', () => {
  it.each([
    ['count and avg of the column', 'SELECT count(k), avg(k), count(*), sum(v) FROM t_fresh'],
    ['count(DISTINCT) split on its value ranges', 'SELECT count(DISTINCT k), count(*), sum(v) FROM t_fresh'],
  ])('%s: DROP NOT NULL by another client is planned with at once', async (_name, sql) => {
    await direct!.query('ALTER TABLE t_fresh ALTER k SET NOT NULL');
    await sameAsDirect(sql); // the coordinator now caches k as NOT NULL
    await direct!.query('ALTER TABLE t_fresh ALTER k DROP NOT NULL');
    await direct!.query('INSERT INTO t_fresh SELECT g, NULL, 1 FROM generate_series(100001, 100300) g');
    try {
      await sameAsDirect(sql);
    } finally {
      await direct!.query('DELETE FROM t_fresh WHERE k IS NULL');
    }
  });

  it.each(['DISCARD ALL', 'DEALLOCATE ALL'])(
    '%s through the HTTP API leaves later statements able to check the catalog',
    async (reset) => {
      const sql = 'SELECT count(k), avg(v) FROM t_fresh';
      for (let i = 0; i < 3; i++) {
        await sameAsDirect(sql);
        const { status, body } = await stack!.query({ sql: reset });
        expect(status, JSON.stringify(body)).toBe(200);
      }
      await sameAsDirect(sql);
    },
  );
});
