// Statement shapes and the cache of shapes that ran whole.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { mayChangeCatalog } from '../sql/ddl.ts';
import { MAYBE_SELECT, quietSelect, ShapeCache, shapeKey, shapeSeed } from './shape-cache.ts';
import { dropsPrepared } from './split-query.ts';

describe('shapeKey', () => {
  it.each([
    [
      'SELECT abalance FROM pgbench_accounts WHERE aid = 81234;',
      'SELECT abalance FROM pgbench_accounts WHERE aid = 7;',
    ],
    ["SELECT * FROM t WHERE a = 'it''s' AND b > 1.5e3", "SELECT * FROM t WHERE a = 'x' AND b > 2"],
    ["SELECT 'unterminated", "SELECT 'other"],
    ['SELECT 1e', 'SELECT 2e'],
    ['SELECT 1.', 'SELECT 22.75'],
  ])('same shape: %s ~ %s', (a, b) => {
    expect(shapeKey(a, 0)).toBe(shapeKey(b, 0));
  });

  it.each([
    ['SELECT c1 FROM t2 WHERE y = $1', 'SELECT c1 FROM t2 WHERE y = $2'],
    ['SELECT c1 FROM t2', 'SELECT c2 FROM t2'],
    ['SELECT * FROM t WHERE a = 1', 'SELECT * FROM t WHERE a = b'],
    ["SELECT 'a', 'b'", "SELECT 'a''b'"],
    ['SELECT 1e5', 'SELECT 1 e5'],
    ['SELECT a FROM t', 'select a from t'],
  ])('different shape: %s ~ %s', (a, b) => {
    expect(shapeKey(a, 0)).not.toBe(shapeKey(b, 0));
  });

  it.each([
    'SELECT abalance FROM pgbench_accounts WHERE aid = 81234;',
    "SELECT 'é', x1 FROM t WHERE y = 2.5",
  ])('of the bytes of a Query is that of its text: %s', (sql) => {
    const bytes = Buffer.from(`Qxxxx${sql}\0`);
    expect(shapeKey(bytes, 7, 5, bytes.length - 1)).toBe(shapeKey(sql, 7));
  });

  it('depends on the seed (the user)', () => {
    const sql = 'SELECT abalance FROM pgbench_accounts WHERE aid = 1';
    expect(shapeKey(sql, shapeSeed('alice'))).not.toBe(shapeKey(sql, shapeSeed('bob')));
  });

  it('is a safe integer', () => {
    expect(Number.isSafeInteger(shapeKey('SELECT 1', shapeSeed('u')))).toBe(true);
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
  it('forgets a shape after its time to live on the default clock too (within 100 ms)', async () => {
    const cache = new ShapeCache(150);
    cache.add(7);
    expect(cache.has(7)).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect(cache.has(7)).toBe(false);
  });

  it('forgets a shape after its time to live', () => {
    vi.useFakeTimers();
    try {
      const cache = new ShapeCache(1000, 100, () => Date.now());
      cache.add(42);
      expect(cache.has(42)).toBe(true);
      vi.advanceTimersByTime(1001);
      expect(cache.has(42)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('quietSelect', () => {
  const quiet = (sql: string) => {
    const bytes = Buffer.from(`xx${sql}\0`);
    return quietSelect(bytes, 2, bytes.length - 1);
  };

  it.each([
    ['SELECT abalance FROM pgbench_accounts WHERE aid = 7;', true],
    ['  (select 1) ;  \n', true],
    ['-- note\nSELECT 1', true],
    ['TABLE t', true],
    ['SELECT 1; SELECT 2', false],
    ['SELECT 1; DROP TABLE t', false],
    ['SELECT 1;\u00a0CREATE TABLE t ()', false],
    ['SELECT d FROM t', true],
    ['SELECT discard FROM t', false],
    ['SELECT order_date FROM t', false],
    ['select DEALLOCATE', false],
    ['UPDATE t SET a = 1', false],
    ['\u00a0SELECT 1', false],
    ['DISCARD ALL', false],
    ['SELECT 1\0; DROP TABLE t', false],
  ])('%j: %s', (sql, want) => {
    expect(quiet(sql)).toBe(want);
  });

  it('is true only where the text checks would find nothing to do', () => {
    const piece = fc.constantFrom(
      'SELECT ',
      'select',
      'WITH ',
      'explain ',
      'TABLE ',
      'VALUES (1)',
      '(',
      ' ',
      '\n',
      '\t',
      '\u00a0',
      ';',
      'discard',
      'DISCARD ALL',
      'deallocate',
      'De',
      'dI',
      'd',
      'create',
      'CREATE TABLE t ()',
      'drop',
      'call f()',
      'do',
      "'",
      "E'\\''",
      '--',
      '/*',
      '*/',
      'é',
      '1',
      'a',
      'from t',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const sql = pieces.join('');
        if (!quiet(sql)) return;
        expect(MAYBE_SELECT.test(sql)).toBe(true);
        expect(dropsPrepared(sql)).toBe(false);
        expect(mayChangeCatalog(sql)).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });
});
