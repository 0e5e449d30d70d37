// Auto mode's payoff decisions on real PostgreSQL plans (default cost threshold): a small table runs whole and
// the decision is remembered, many groups over an indexed key split on that key with every group whole in one
// chunk, and a split whose chunks would each aggregate a whole table runs whole. Answers equal PostgreSQL's.
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
  // About 1,600 pages (above the 1,024-page floor), one row per key, loaded in key order.
  await direct.query('DROP TABLE IF EXISTS t_auto_big');
  await direct.query(`CREATE TABLE t_auto_big AS
    SELECT g AS id, g % 997 AS k, ((g * 7919) % 1000)::numeric / 10 AS v, md5(g::text) AS pad
    FROM generate_series(1, 200000) g`);
  await direct.query('ALTER TABLE t_auto_big ADD PRIMARY KEY (id)');
  await direct.query('ANALYZE t_auto_big');
});

afterAll(async () => {
  await direct?.query('DROP TABLE IF EXISTS t_auto_big').catch(() => {});
  await direct?.end();
  await stack?.stop();
});

const sameAsDirect = (sql: string, ordered: boolean) =>
  expectSameAsDirect(direct!, stack!, sql, { mode: 'auto', ordered });

describe('auto mode', () => {
  it('runs a statement over a table under 8 MB whole, and remembers that for its text', async () => {
    const sql = 'SELECT g, count(*), sum(i4), avg(n) FROM t_facts GROUP BY g ORDER BY g';
    const first = await sameAsDirect(sql, true);
    expect(first.mode).toBe('passthrough');
    expect(first.reason).toMatch(/t_facts has \d+ pages, fewer than 1024/);
    expect(first.cost).toBeGreaterThan(500);
    // Remembered: no estimate this time (no round trip).
    const second = await sameAsDirect(sql, true);
    expect(second).toEqual({ mode: 'passthrough', reason: first.reason });
  });

  it('splits many groups over a primary key on that key, each group whole in one chunk', async () => {
    const plan = await sameAsDirect(
      'SELECT id, sum(v) AS s, count(*) FROM t_auto_big GROUP BY id ORDER BY s DESC, id LIMIT 10',
      true,
    );
    expect(plan.mode).toBe('parallel');
    expect(plan.strategy).toBe('key-range');
    expect(plan.key).toBe('id');
    expect(plan.merge.steps[0]).toBe('groups whole per chunk (split on group key id)');
  });

  it('keeps partial aggregates over block ranges when the groups are few', async () => {
    const plan = await sameAsDirect(
      'SELECT k % 3 AS r, sum(v), count(*) FROM t_auto_big GROUP BY 1 ORDER BY 1',
      true,
    );
    expect(plan.mode).toBe('parallel');
    expect(plan.strategy).toBe('ctid-range');
  });

  it('runs whole when every chunk would aggregate the whole table again', async () => {
    const plan = await sameAsDirect(
      `SELECT o.id, sum(o.v) AS s FROM t_auto_big o
WHERE o.id IN (SELECT id FROM t_auto_big GROUP BY id HAVING sum(v) > 10)
GROUP BY o.id ORDER BY s DESC, o.id LIMIT 5`,
      true,
    );
    expect(plan.mode).toBe('passthrough');
    expect(plan.reason).toMatch(/groups/);
  });
});
