// Which statements the gateway hands to the coordinator.
import { beforeAll, describe, expect, it } from 'vitest';
import { initParser } from '../sql/parser.ts';
import { interceptable } from './split-query.ts';

beforeAll(() => initParser());

describe('interceptable', () => {
  it.each<[string, string | null]>([
    ['SELECT count(*) FROM lineitem', 'select'],
    ['select 1;', 'select'],
    ['SELECT 1; SELECT 2', null],
    ['SELECT * INTO t FROM x', null],
    ['SET search_path = x', null],
    ['CREATE TEMP TABLE t (a int)', null],
    ['BEGIN', null],
    ['INSERT INTO t VALUES (1)', null],
    ['SELEC 1', null],
    ['EXPLAIN SELECT count(*) FROM t', 'explain'],
    ['EXPLAIN ANALYZE SELECT count(*) FROM t', 'explain analyze'],
    ['EXPLAIN (ANALYZE) SELECT count(*) FROM t', 'explain analyze'],
    ['EXPLAIN (ANALYZE false) SELECT count(*) FROM t', 'explain'],
    ['EXPLAIN (COSTS OFF) SELECT count(*) FROM t', null],
    ['EXPLAIN (FORMAT JSON) SELECT 1', null],
    ['EXPLAIN VERBOSE SELECT 1', null],
    ['EXPLAIN INSERT INTO t VALUES (1)', null],
  ])('%s', (sql, expected) => {
    const got = interceptable(sql);
    const kind =
      got === null ? null : got.kind === 'explain' ? (got.analyze ? 'explain analyze' : 'explain') : got.kind;
    expect(kind).toBe(expected);
  });

  it('hands on the explained SELECT', () => {
    expect(interceptable('EXPLAIN ANALYZE SELECT a FROM t WHERE b = $1')).toMatchObject({
      sql: expect.stringMatching(/^SELECT a FROM t WHERE b = \$1$/),
    });
  });
});
