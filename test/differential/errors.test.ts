// Bad statements through /api/query get PostgreSQL's own SQLSTATE, message and position.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';

let stack: TestStack | undefined;
let direct: pg.Client | undefined;

beforeAll(async () => {
  stack = await startTestStack({ workers: 3 });
  direct = new pg.Client({ connectionString: stack.databaseUrl });
  await direct.connect();
});

afterAll(async () => {
  await direct?.end();
  await stack?.stop();
});

async function directError(sql: string, params: (string | null)[]): Promise<pg.DatabaseError> {
  try {
    await direct!.query(sql, params);
  } catch (err) {
    return err as pg.DatabaseError;
  }
  throw new Error(`expected ${sql} to fail directly`);
}

describe('errors are PostgreSQL errors', () => {
  it.each<{ name: string; sql: string; params?: (string | null)[]; code: string }>([
    { name: 'syntax error', sql: 'SELECT count(*) FORM t_facts WHERE g = 1', code: '42601' },
    { name: 'missing table', sql: 'SELECT count(*) FROM t_no_such_table', code: '42P01' },
    { name: 'missing column', sql: 'SELECT g, no_such_column FROM t_facts', code: '42703' },
    { name: 'division by zero at run time', sql: 'SELECT sum(i4 / (g - g)) FROM t_facts', code: '22012' },
    {
      name: 'wrong parameter type',
      sql: 'SELECT count(*) FROM t_facts WHERE i4 > $1',
      params: ['abc'],
      code: '22P02',
    },
  ])('$name ($code)', async ({ sql, params, code }) => {
    const want = await directError(sql, params ?? []);
    expect(want.code).toBe(code);
    const { status, body } = await stack!.query({
      sql,
      ...(params ? { params } : {}),
      mode: 'parallel',
      chunks: 4,
    });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(body.error.code).toBe(code);
    expect(body.error.message).toBe(want.message);
    if (want.position !== undefined) expect(String(body.error.position)).toBe(want.position);
  });

  it('the division-by-zero statement is one the planner splits', async () => {
    // Same shape without the zero divisor: proves the error above came from a parallel run.
    const { status, body } = await stack!.query({
      sql: 'SELECT sum(i4 / (g - g + 1)) FROM t_facts',
      mode: 'parallel',
      chunks: 4,
    });
    expect(status).toBe(200);
    expect(body.plan.mode).toBe('parallel');
  });
});
