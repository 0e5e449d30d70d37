// Statement shapes and the cache of shapes that ran whole.
import { describe, expect, it, vi } from 'vitest';
import { MAYBE_SELECT, ShapeCache, shapeOf } from './shape-cache.ts';

describe('shapeOf', () => {
  it.each([
    [
      'SELECT abalance FROM pgbench_accounts WHERE aid = 81234;',
      'SELECT abalance FROM pgbench_accounts WHERE aid = ?;',
    ],
    ["SELECT * FROM t WHERE a = 'it''s' AND b > 1.5e3", 'SELECT * FROM t WHERE a = ? AND b > ?'],
    ['SELECT c1, t2.x FROM t2 WHERE y = $1', 'SELECT c1, t2.x FROM t2 WHERE y = $1'],
  ])('%s', (sql, shape) => {
    expect(shapeOf(sql)).toBe(shape);
  });
});

describe('MAYBE_SELECT', () => {
  it.each([
    ['SELECT 1', true],
    ['  (select 1)', true],
    ['WITH x AS (SELECT 1) SELECT * FROM x', true],
    ['explain select 1', true],
    ['TABLE t', true],
    ['-- comment\nSELECT 1', true],
    ['UPDATE pgbench_accounts SET abalance = 1', false],
    ['BEGIN', false],
    ['INSERT INTO t VALUES (1)', false],
  ])('%s', (sql, maybe) => {
    expect(MAYBE_SELECT.test(sql)).toBe(maybe);
  });
});

describe('ShapeCache', () => {
  it('forgets a shape after its time to live', () => {
    vi.useFakeTimers();
    try {
      const cache = new ShapeCache(1000);
      cache.add('k');
      expect(cache.has('k')).toBe(true);
      vi.advanceTimersByTime(1001);
      expect(cache.has('k')).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
