// Subqueries (IN, EXISTS, scalar, ANY/ALL), derived tables and CTEs around and inside the split table.
import type { DiffCase } from '../case.ts';

export const cases: DiffCase[] = [
  {
    name: 'subquery: IN over the dimension',
    sql: "SELECT count(*), sum(i4) FROM t_facts WHERE g IN (SELECT g FROM t_dim WHERE region = 'north')",
    expectSplit: true,
  },
  {
    name: 'subquery: NOT IN over the dimension',
    sql: 'SELECT count(*) FROM t_facts WHERE g NOT IN (SELECT g FROM t_dim WHERE g IS NOT NULL)',
    expectSplit: true,
  },
  {
    name: 'subquery: NOT IN with a NULL in the list',
    sql: 'SELECT count(*) FROM t_facts WHERE k NOT IN (SELECT NULL::int UNION ALL SELECT 1)',
    expectSplit: true,
  },
  {
    name: 'subquery: IN over the split table itself',
    sql: 'SELECT count(*), count(DISTINCT k) FROM t_facts WHERE k IN (SELECT k FROM t_facts WHERE i4 > 999000)',
    expectSplit: true,
  },
  {
    name: 'subquery: IN with an aggregated subquery',
    sql: `SELECT g, count(*) FROM t_facts
      WHERE g IN (SELECT g FROM t_facts GROUP BY g HAVING count(*) > 1000) GROUP BY g`,
    expectSplit: true,
  },
  {
    name: 'subquery: correlated EXISTS',
    sql: 'SELECT count(*), sum(f.i2) FROM t_facts f WHERE EXISTS (SELECT 1 FROM t_dim d WHERE d.g = f.g AND d.active)',
    expectSplit: true,
  },
  {
    name: 'subquery: correlated NOT EXISTS',
    sql: 'SELECT f.g, count(*) FROM t_facts f WHERE NOT EXISTS (SELECT 1 FROM t_dim d WHERE d.g = f.g) GROUP BY f.g',
    expectSplit: true,
  },
  {
    name: 'subquery: uncorrelated EXISTS, true',
    sql: 'SELECT count(*) FROM t_facts WHERE EXISTS (SELECT 1 FROM t_dim WHERE g > 40)',
    expectSplit: true,
  },
  {
    name: 'subquery: uncorrelated EXISTS, false',
    sql: 'SELECT count(*), sum(i4) FROM t_facts WHERE EXISTS (SELECT 1 FROM t_dim WHERE g > 1000)',
    expectSplit: true,
  },
  {
    name: 'subquery: scalar over the split table in WHERE',
    sql: 'SELECT count(*) FROM t_facts WHERE i4 > (SELECT avg(i4) FROM t_facts)',
    expectSplit: true,
  },
  {
    name: 'subquery: scalar over the dimension in WHERE',
    sql: 'SELECT cat, count(*) FROM t_facts WHERE g = (SELECT min(g) FROM t_dim) GROUP BY cat',
    expectSplit: true,
  },
  {
    name: 'subquery: scalar returning NULL',
    sql: 'SELECT count(*) FROM t_facts WHERE g = (SELECT g FROM t_dim WHERE id = -1)',
    expectSplit: true,
  },
  {
    name: 'subquery: ANY over a subquery',
    sql: 'SELECT count(*) FROM t_facts WHERE g = ANY (SELECT g FROM t_dim WHERE weight > 50000)',
    expectSplit: true,
  },
  {
    name: 'subquery: ALL over a subquery',
    sql: 'SELECT count(*) FROM t_facts WHERE i4 > ALL (SELECT weight::int FROM t_dim WHERE id < 5)',
    expectSplit: true,
  },
  {
    name: 'subquery: uncorrelated scalar in the select list',
    sql: 'SELECT g, count(*), (SELECT count(*) FROM t_dim) AS dims FROM t_facts GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'subquery: correlated scalar in the select list',
    sql: 'SELECT f.id, (SELECT max(d.dname) FROM t_dim d WHERE d.g = f.g) AS dname FROM t_facts f WHERE f.id < 100',
    expectSplit: true,
  },
  {
    name: 'subquery: EXISTS with the split table inside',
    sql: 'SELECT d.id FROM t_dim d WHERE EXISTS (SELECT 1 FROM t_facts f WHERE f.g = d.g AND f.i4 > 999000)',
    expectSplit: true,
  },
  {
    name: 'derived: filter and projection',
    sql: 'SELECT count(*), sum(x), max(y) FROM (SELECT id, i4::bigint * 2 AS x, lower(name) AS y FROM t_facts WHERE g = 3) s',
    expectSplit: true,
  },
  {
    name: 'derived: grouped outside',
    sql: "SELECT band, count(*) FROM (SELECT CASE WHEN i4 > 0 THEN 'pos' ELSE 'other' END AS band FROM t_facts) s GROUP BY band",
    expectSplit: true,
  },
  {
    name: 'derived: aggregate of an aggregate',
    sql: 'SELECT cat, avg(s), max(s) FROM (SELECT cat, g, sum(i4) AS s FROM t_facts GROUP BY cat, g) x GROUP BY cat',
  },
  {
    name: 'derived: filter on an aggregated derived table',
    sql: 'SELECT g, total FROM (SELECT g, sum(i4) AS total FROM t_facts GROUP BY g) x WHERE total > 0',
  },
  {
    name: 'cte: dimension CTE joined to the split table',
    sql: `WITH dims AS (SELECT g, region FROM t_dim)
      SELECT d.region, count(*), sum(f.i4) FROM t_facts f JOIN dims d ON d.g = f.g GROUP BY d.region`,
    expectSplit: true,
  },
  {
    name: 'cte: split table inside the CTE',
    sql: 'WITH f AS (SELECT * FROM t_facts WHERE g = 3) SELECT count(*), sum(i4), max(name) FROM f',
    expectSplit: true,
  },
  {
    name: 'cte: MATERIALIZED filter CTE',
    sql: 'WITH f AS MATERIALIZED (SELECT id, i4 FROM t_facts WHERE i4 > 0) SELECT count(*), sum(i4) FROM f',
    expectSplit: true,
  },
  {
    name: 'cte: two CTEs',
    sql: `WITH north AS (SELECT g FROM t_dim WHERE region = 'north'), big AS (SELECT id, g, i8 FROM t_facts WHERE k = 1)
      SELECT count(*), sum(big.i8) FROM big WHERE big.g IN (SELECT g FROM north)`,
    expectSplit: true,
  },
  {
    name: 'cte: aggregated CTE filtered outside',
    sql: `WITH s AS (SELECT g, sum(i4) AS total, count(*) AS c FROM t_facts GROUP BY g)
      SELECT g, total, c FROM s WHERE total > 0`,
  },
  {
    name: 'cte: referenced twice',
    sql: `WITH x AS (SELECT g, count(*) AS c FROM t_facts GROUP BY g)
      SELECT a.g, a.c, b.c FROM x a JOIN x b ON b.g = a.g + 1`,
  },
  {
    name: 'cte: recursive',
    sql: `WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10)
      SELECT r.n, count(f.id) FROM r LEFT JOIN t_facts f ON f.g = r.n GROUP BY r.n`,
  },
  {
    name: 'cte: CTE with ORDER BY and LIMIT used by the main query',
    sql: `WITH top AS (SELECT id, i4 FROM t_facts ORDER BY i4 DESC NULLS LAST, id LIMIT 5)
      SELECT count(*), sum(i4) FROM top`,
  },
  {
    name: 'cte: scalar subquery over a CTE in WHERE',
    sql: `WITH lim AS (SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY weight) AS w FROM t_dim)
      SELECT count(*) FROM t_facts WHERE i4 > (SELECT w FROM lim)`,
    expectSplit: true,
  },
];
