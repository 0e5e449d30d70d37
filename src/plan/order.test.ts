// Which statements fix their own row order (and may split for clients that compare output byte for byte).
import { beforeAll, describe, expect, it } from 'vitest';
import type { CatalogView } from '../catalog/types.ts';
import type { Ast } from '../sql/ast.ts';
import { initParser, parseSql } from '../sql/parser.ts';
import { rowOrderFixed } from './order.ts';

beforeAll(() => initParser());

const AGGREGATES = new Set(['count', 'sum', 'avg', 'max', 'min']);
const catalog: CatalogView = {
  table: (names) =>
    names[names.length - 1] === 'u'
      ? {
          oid: 9,
          schema: 'public',
          name: 'u',
          relkind: 'r',
          hasSubclass: false,
          persistence: 'p',
          pages: 10,
          rows: 100,
          primaryKey: null,
          tableSelect: true,
          uniqueKeys: [['k1', 'k2'], ['maybe_null']],
          columns: ['k1', 'k2', 'maybe_null', 'v'].map((name) => ({
            name,
            typeOid: 23,
            typeName: ['pg_catalog', 'int4'] as [string, string],
            notNull: name !== 'maybe_null',
          })),
        }
      : undefined,
  func: (name) => ({
    name,
    isAggregate: AGGREGATES.has(name),
    isWindow: false,
    isVolatile: false,
    returnsSet: name === 'generate_series',
  }),
  bounds: () => undefined,
  typeName: () => undefined,
};

describe('rowOrderFixed', () => {
  it.each<[string, boolean, number, boolean]>([
    ['SELECT count(*) FROM t', true, 1, true],
    ['SELECT count(*), sum(x) FROM t WHERE y > 1', true, 2, true],
    ['SELECT g, count(*) FROM t GROUP BY g', true, 2, false],
    ['SELECT g, count(*) FROM t GROUP BY g ORDER BY g', true, 2, true],
    ['SELECT g, count(*) FROM t GROUP BY 1 ORDER BY 1 DESC', true, 2, true],
    ['SELECT g AS k, count(*) AS n FROM t GROUP BY g ORDER BY k', true, 2, true],
    ['SELECT g, h, count(*) FROM t GROUP BY g, h ORDER BY g', true, 3, false],
    ['SELECT g, count(*) AS n FROM t GROUP BY g ORDER BY n', true, 2, false],
    ['SELECT g, count(*) AS n FROM t GROUP BY g ORDER BY n, g', true, 2, true],
    ['SELECT a, b FROM t', false, 2, false],
    ['SELECT a, b FROM t ORDER BY a', false, 2, false],
    ['SELECT a, b FROM t ORDER BY a, b', false, 2, true],
    ['SELECT a, b FROM t ORDER BY 2, 1 LIMIT 5', false, 2, true],
    ['SELECT * FROM t ORDER BY a', false, 3, false],
    ['SELECT DISTINCT a FROM t', false, 1, false],
    ['SELECT DISTINCT a FROM t ORDER BY a', false, 1, true],
    ['SELECT a, generate_series(1, 3) FROM t ORDER BY a', false, 2, false],
    ['SELECT count(*), generate_series(1, 2) FROM t', true, 2, false],
    ['SELECT a FROM t UNION ALL SELECT b FROM u', false, 1, false],
    ['SELECT a, c FROM t UNION ALL SELECT b, d FROM u ORDER BY 1, 2', false, 2, true],
    ['SELECT a, c FROM t UNION ALL SELECT b, d FROM u ORDER BY a', false, 2, false],
    ['SELECT a, c FROM t UNION ALL SELECT b, d FROM u ORDER BY a, c', false, 2, true],
    ['SELECT * FROM u ORDER BY k1, k2', false, 4, true],
    ['SELECT v FROM u x ORDER BY x.k2, x.k1 LIMIT 3', false, 1, true],
    ['SELECT v FROM u ORDER BY k1', false, 1, false],
    ['SELECT v FROM u ORDER BY maybe_null', false, 1, false],
    ['SELECT u.v FROM u JOIN t ON t.a = u.v ORDER BY k1, k2', false, 1, false],
  ])('%s', (sql, aggregate, columns, fixed) => {
    const sel = ((parseSql(sql)[0] as { stmt: Ast }).stmt as Ast).SelectStmt;
    expect(rowOrderFixed(sel, aggregate, columns, catalog)).toBe(fixed);
  });
});
