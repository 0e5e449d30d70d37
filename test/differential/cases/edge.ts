// Shapes a careful splitter gets wrong easily: lateral joins, ONLY, NATURAL/USING joins, array params,
// collations inside aggregates, scalar subqueries beside aggregates, expressions over aggregates.
import type { DiffCase } from '../case.ts';

export const cases: DiffCase[] = [
  {
    // PostgreSQL 18: k has a NOT VALID not-null constraint, yet old rows hold NULLs.
    name: 'edge: count and avg of a column whose NOT NULL constraint is NOT VALID',
    sql: 'SELECT count(k), avg(k), count(*), sum(v) FROM t_notvalid',
    expectSplit: true,
  },
  {
    name: 'edge: groups of a key whose NOT NULL constraint is NOT VALID keep the NULL group',
    sql: 'SELECT k, count(*), count(k), sum(v) FROM t_notvalid GROUP BY k ORDER BY k NULLS FIRST LIMIT 5',
    ordered: true,
    expectSplit: true,
  },
  {
    // Split on value ranges of k: the NULL rows must still fall in one chunk.
    name: 'edge: count(DISTINCT) of a column whose NOT NULL constraint is NOT VALID, beside count(*)',
    sql: 'SELECT count(DISTINCT k), count(*), sum(v) FROM t_notvalid',
    expectSplit: true,
  },
  {
    name: 'edge: rows ordered by a key whose NOT NULL constraint is NOT VALID',
    sql: 'SELECT k, id FROM t_notvalid ORDER BY k NULLS FIRST, id LIMIT 12',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'edge: FILTER in the select list and in HAVING',
    sql: 'SELECT g, count(*) FILTER (WHERE b) FROM t_facts GROUP BY g HAVING count(*) FILTER (WHERE b) > 10 ORDER BY g',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'edge: expression over aggregates ordered by its alias',
    sql: 'SELECT g, sum(i4) * 2 + 1 AS x FROM t_facts GROUP BY g ORDER BY x DESC NULLS LAST, g LIMIT 3',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'edge: HAVING on a boolean aggregate only',
    sql: 'SELECT g FROM t_facts GROUP BY g HAVING bool_or(b) ORDER BY g',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'edge: lateral aggregate per row',
    sql: 'SELECT count(*), sum(x.c) FROM t_facts f, LATERAL (SELECT count(*) AS c FROM t_dim d WHERE d.g = f.g) x',
    expectSplit: true,
  },
  {
    name: 'edge: max over an explicit C collation',
    sql: 'SELECT max(name COLLATE "C"), min(name COLLATE "C") FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'edge: uncorrelated scalar subquery beside aggregates',
    sql: 'SELECT (SELECT max(id) FROM t_dim) AS top_dim, count(*), sum(i4) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'edge: group key not selected, ordered by an aggregate',
    sql: 'SELECT count(*) FROM t_facts GROUP BY g ORDER BY count(*) DESC, 1',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'edge: constant target grouped',
    sql: 'SELECT 1 AS one, g FROM t_facts GROUP BY g ORDER BY g',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'edge: rows ordered by an explicit collation',
    sql: 'SELECT id, name FROM t_facts WHERE name IS NOT NULL ORDER BY name COLLATE "C", id LIMIT 25',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'edge: star ordered and limited',
    sql: 'SELECT * FROM t_facts ORDER BY id DESC LIMIT 5',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'edge: array parameter',
    sql: 'SELECT g, count(*) FROM t_facts WHERE id = ANY($1::bigint[]) GROUP BY g ORDER BY g',
    params: ['{1,2,3,500,19999,20000,123456}'],
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'edge: self join with USING',
    sql: 'SELECT count(*), sum(a.i4) FROM t_facts a JOIN t_facts b USING (id) WHERE b.g < 5',
    expectSplit: true,
  },
  {
    name: 'edge: NATURAL join',
    sql: 'SELECT count(*) FROM t_facts NATURAL JOIN t_dim',
    expectSplit: true,
  },
  {
    name: 'edge: ONLY',
    sql: 'SELECT count(*), sum(i4) FROM ONLY t_facts',
    expectSplit: true,
  },
  {
    name: 'edge: TABLE shorthand',
    sql: 'TABLE t_dim',
  },
  {
    name: 'edge: correlated EXISTS with an extra filter',
    sql: `SELECT g, count(*) FROM t_facts WHERE EXISTS (SELECT 1 FROM t_dim WHERE t_dim.g = t_facts.g AND t_dim.g > 3)
      GROUP BY g ORDER BY g`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'edge: aggregate of a CASE over a subquery result',
    sql: `SELECT sum(CASE WHEN i4 > (SELECT avg(i4) FROM t_facts) THEN 1 ELSE 0 END) AS above FROM t_facts`,
    expectSplit: true,
  },
  {
    name: 'edge: DISTINCT over aggregates',
    sql: 'SELECT DISTINCT count(*) > 100 AS big FROM t_facts GROUP BY g ORDER BY 1',
    ordered: true,
    expectSplit: true,
  },
  {
    // max(f.i4) belongs to the outer query: one row for the whole table, not one per chunk.
    name: 'edge: outer aggregate inside a scalar subquery',
    sql: 'SELECT (SELECT max(f.i4) FROM (SELECT 1) AS one) FROM t_facts f',
  },
  {
    name: 'edge: unqualified outer aggregate inside a scalar subquery',
    sql: 'SELECT (SELECT max(i4) + 0 FROM (SELECT 1) AS one) AS m FROM t_facts',
  },
  {
    name: 'edge: local aggregate inside a scalar subquery per row',
    sql: 'SELECT id, (SELECT max(weight) FROM t_dim d WHERE d.g = f.g) AS w FROM t_facts f WHERE id <= 200',
    expectSplit: true,
  },
  {
    name: 'edge: FILTER with a collation-dependent comparison',
    sql: "SELECT sum(i4) FILTER (WHERE name > 'm'), count(*) FILTER (WHERE name < 'B') FROM t_facts",
    expectSplit: true,
  },
  {
    name: 'edge: interval arithmetic over aggregates',
    sql: 'SELECT g, max(ts) - min(ts) AS span FROM t_facts GROUP BY g ORDER BY 2 DESC NULLS LAST, 1 LIMIT 3',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'edge: semi-join of the split table with itself',
    sql: 'SELECT count(*), sum(i8) FROM t_facts WHERE id IN (SELECT id FROM t_facts WHERE g = 3)',
    expectSplit: true,
  },
  {
    name: 'edge: DISTINCT pairs ordered NULLS FIRST',
    sql: 'SELECT DISTINCT g, cat FROM t_facts ORDER BY cat NULLS FIRST, g',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'edge: casts and rounding over aggregates',
    sql: 'SELECT avg(i4)::numeric(10,2), round(avg(n), 3), stddev(i4)::float8 > 0 AS spread FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'edge: counting NULLs by group with HAVING',
    sql: `SELECT g, count(*) FILTER (WHERE n IS NULL) AS nulls, count(n) FROM t_facts GROUP BY g
      HAVING count(n) > 0 ORDER BY 2, 1`,
    ordered: true,
    expectSplit: true,
  },
  {
    // x * x rounds beyond 16383 decimal places; PostgreSQL's own accumulator does not: the merge refuses.
    name: 'edge: numeric variance of values with more than 8191 decimal places',
    sql: `SELECT trim_scale(variance(CASE id % 5 WHEN 0 THEN 0 WHEN 1 THEN 3e-500 WHEN 2 THEN -3e-500
        WHEN 3 THEN 4e-500 - 1e-16383 ELSE -4e-500 + 1e-16383 END) * 1e1000) AS v FROM t_facts WHERE id BETWEEN 1 AND 5`,
  },
];
