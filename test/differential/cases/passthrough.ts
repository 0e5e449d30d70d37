// Statements that must pass through unchanged (windows, locks, volatile functions, writes, grouping sets, ...).
import type { DiffCase } from '../case.ts';

export const cases: DiffCase[] = [
  {
    name: 'pass: window over groups',
    sql: 'SELECT g, count(*), sum(count(*)) OVER (ORDER BY g) FROM t_facts GROUP BY g',
  },
  {
    name: 'pass: row_number per partition',
    sql: 'SELECT id, g, row_number() OVER (PARTITION BY g ORDER BY id) FROM t_facts WHERE id < 200',
  },
  {
    name: 'pass: rank over ICU text',
    sql: 'SELECT name, rank() OVER (ORDER BY name) FROM t_facts WHERE g = 4 AND k > 200',
  },
  {
    name: 'pass: running sum ordered',
    sql: 'SELECT id, sum(i2) OVER (ORDER BY id) FROM t_facts WHERE id <= 50 ORDER BY id',
    ordered: true,
  },
  { name: 'pass: FOR UPDATE', sql: 'SELECT id, i4 FROM t_facts WHERE id < 20 FOR UPDATE' },
  { name: 'pass: FOR SHARE', sql: 'SELECT id FROM t_facts WHERE id BETWEEN 100 AND 120 FOR SHARE' },
  { name: 'pass: FOR UPDATE SKIP LOCKED', sql: 'SELECT id FROM t_facts WHERE id < 5 FOR UPDATE SKIP LOCKED' },
  { name: 'pass: random() in WHERE', sql: 'SELECT count(*) FROM t_facts WHERE random() < 2' },
  {
    name: 'pass: random() in the select list',
    sql: 'SELECT count(*), sum(i4), max(random()) < 1 FROM t_facts',
  },
  {
    name: 'pass: gen_random_uuid()',
    sql: 'SELECT count(*) FROM t_facts WHERE gen_random_uuid() IS NOT NULL',
  },
  {
    name: 'pass: clock_timestamp()',
    sql: "SELECT count(*) FROM t_facts WHERE clock_timestamp() > '2000-01-01'",
  },
  {
    name: 'pass: DELETE RETURNING in a CTE',
    sql: 'WITH gone AS (DELETE FROM t_facts WHERE id < 0 RETURNING id) SELECT count(*) FROM gone',
  },
  {
    name: 'pass: INSERT RETURNING in a CTE',
    sql: `WITH ins AS (INSERT INTO t_empty SELECT * FROM t_facts WHERE false RETURNING id)
      SELECT count(*), (SELECT count(*) FROM ins) FROM t_facts`,
  },
  {
    name: 'pass: UPDATE RETURNING in a CTE',
    sql: `WITH u AS (UPDATE t_dim SET weight = weight WHERE false RETURNING g)
      SELECT count(*) FROM t_facts WHERE g IN (SELECT g FROM u)`,
  },
  { name: 'pass: ROLLUP', sql: 'SELECT g, cat, count(*), sum(i4) FROM t_facts GROUP BY ROLLUP (g, cat)' },
  {
    name: 'pass: GROUPING SETS',
    sql: 'SELECT g, cat, grouping(g, cat), count(*) FROM t_facts GROUP BY GROUPING SETS ((g), (cat), ())',
  },
  { name: 'pass: CUBE', sql: 'SELECT b, cat, count(*), avg(n) FROM t_facts GROUP BY CUBE (b, cat)' },
  {
    name: 'pass: string_agg without order (length only)',
    sql: "SELECT g, length(string_agg(name, ',')), count(*) FROM t_facts GROUP BY g",
  },
  {
    name: 'pass: array_agg without order (cardinality only)',
    sql: 'SELECT cat, cardinality(array_agg(id)) FROM t_facts GROUP BY cat',
  },
  {
    name: 'pass: LIMIT without ORDER BY in a derived table',
    sql: 'SELECT count(*) FROM (SELECT id FROM t_facts LIMIT 100) s',
  },
  {
    name: 'pass: LIMIT without ORDER BY, sum of a constant',
    sql: 'SELECT count(*), sum(1) FROM (SELECT * FROM t_facts WHERE g = 3 LIMIT 5) s',
  },
  {
    name: 'pass: percentile_cont and percentile_disc',
    sql: 'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY i4), percentile_disc(0.9) WITHIN GROUP (ORDER BY n) FROM t_facts',
  },
  { name: 'pass: mode()', sql: 'SELECT g, mode() WITHIN GROUP (ORDER BY k) FROM t_facts GROUP BY g' },
  {
    name: 'pass: two DISTINCT aggregates over different columns',
    sql: 'SELECT count(DISTINCT g), count(DISTINCT cat), count(DISTINCT k) FROM t_facts',
  },
  { name: 'pass: no table', sql: 'SELECT 1 + 1 AS two, NULL::int AS nothing' },
  { name: 'pass: VALUES', sql: "VALUES (1, 'a'), (2, 'b')" },
  {
    name: 'pass: TABLESAMPLE with REPEATABLE',
    sql: 'SELECT count(*) > 0 FROM t_facts TABLESAMPLE BERNOULLI (10) REPEATABLE (42)',
  },
  {
    name: 'pass: recursive CTE over the split table',
    sql: `WITH RECURSIVE chain(id, depth) AS (SELECT id, 0 FROM t_facts WHERE id = 1
        UNION ALL SELECT f.id, c.depth + 1 FROM t_facts f JOIN chain c ON f.id = c.id + 1 WHERE c.depth < 20)
      SELECT count(*), max(depth) FROM chain`,
  },
  {
    name: 'pass: window in a derived table',
    sql: `SELECT g, max(rn) FROM (SELECT g, row_number() OVER (PARTITION BY g ORDER BY id) AS rn FROM t_facts) x
      GROUP BY g`,
  },
];
