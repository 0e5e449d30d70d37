// UNION ALL at the top level and in derived tables (split per branch); UNION, INTERSECT, EXCEPT.
import type { DiffCase } from '../case.ts';

export const cases: DiffCase[] = [
  {
    name: 'union all: two aggregates over different tables',
    sql: "SELECT 'facts' AS t, count(*) FROM t_facts UNION ALL SELECT 'dim', count(*) FROM t_dim",
    expectSplit: true,
  },
  {
    name: 'union all: two aggregates over the split table',
    sql: 'SELECT g, sum(i4) FROM t_facts WHERE g < 5 GROUP BY g UNION ALL SELECT NULL, sum(i4) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'union all: two filtered scans',
    sql: 'SELECT id, cat FROM t_facts WHERE g = 1 AND k > 200 UNION ALL SELECT id, cat FROM t_facts WHERE g = 2 AND k > 200',
    expectSplit: true,
  },
  {
    name: 'union all: ordered with limit',
    sql: `(SELECT id, i4 FROM t_facts WHERE g = 1) UNION ALL (SELECT id, i4 FROM t_facts WHERE g = 2)
      ORDER BY id LIMIT 10`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'union all: in a derived table, grouped',
    sql: `SELECT g, count(*) FROM (SELECT g FROM t_facts WHERE i4 > 0 UNION ALL SELECT g FROM t_facts WHERE i4 < 0) u
      GROUP BY g`,
    expectSplit: true,
  },
  {
    name: 'union all: in a derived table, int8 overflow',
    sql: 'SELECT sum(x) FROM (SELECT i8 AS x FROM t_facts UNION ALL SELECT i8 FROM t_facts WHERE i8 > 0) u',
    expectSplit: true,
  },
  {
    name: 'union all: with the empty table',
    sql: 'SELECT count(*), sum(i4) FROM (SELECT i4 FROM t_facts UNION ALL SELECT i4 FROM t_empty) u',
    expectSplit: true,
  },
  {
    name: 'union all: three branches with type unification',
    sql: `SELECT kind, count(*), sum(v) FROM (SELECT 'i2' AS kind, i2::numeric AS v FROM t_facts
      UNION ALL SELECT 'i4', i4 FROM t_facts UNION ALL SELECT 'n', n FROM t_facts) u GROUP BY kind`,
    expectSplit: true,
  },
  {
    name: 'union all: split table and skewed table',
    sql: "SELECT src, count(*), max(id) FROM (SELECT 'f' AS src, id FROM t_facts UNION ALL SELECT 's', id FROM t_skew) u GROUP BY src",
    expectSplit: true,
  },
  {
    name: 'union: distinct union of texts',
    sql: 'SELECT cat FROM t_facts UNION SELECT region FROM t_dim',
  },
  {
    name: 'union: intersect',
    sql: 'SELECT g FROM t_facts INTERSECT SELECT g FROM t_dim',
  },
  {
    name: 'union: except',
    sql: 'SELECT g FROM t_facts EXCEPT SELECT g FROM t_dim',
  },
  {
    name: 'union: except all counts',
    sql: 'SELECT count(*) FROM (SELECT k FROM t_facts EXCEPT ALL SELECT g FROM t_facts) x',
  },
  {
    name: 'union all: aggregate branches ordered and limited',
    sql: `SELECT g, avg(n) AS a FROM t_facts GROUP BY g UNION ALL SELECT g, avg(i4) FROM t_facts WHERE g > $1 GROUP BY g
      ORDER BY 1, 2 LIMIT 12`,
    params: ['3'],
    ordered: true,
    expectSplit: true,
  },
  {
    // The branches alone have other types (int8 vs numeric) than the union: the answer must still be exact.
    name: 'union all: branch types widened by the union',
    sql: 'SELECT count(*) FROM t_facts UNION ALL SELECT sum(i8) FROM t_facts WHERE g = 1',
  },
  {
    name: 'union all: aggregate branch and plain branch',
    sql: "SELECT 'total' AS k, sum(i4)::text AS v FROM t_facts UNION ALL SELECT cat, code FROM t_facts WHERE id <= 20",
    expectSplit: true,
  },
];
