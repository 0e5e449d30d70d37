// GROUP BY over columns, expressions, ordinals and aliases; HAVING; empty and NULL groups.
import type { DiffCase } from '../case.ts';

export const cases: DiffCase[] = [
  {
    name: 'group: by small int',
    sql: 'SELECT g, count(*), sum(i4), avg(n), min(name), max(ts) FROM t_facts GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'group: by text with a NULL group',
    sql: 'SELECT cat, count(*), sum(i8), max(d) FROM t_facts GROUP BY cat',
    expectSplit: true,
  },
  {
    name: 'group: by two columns',
    sql: 'SELECT g, cat, count(*), sum(i2), avg(i4) FROM t_facts GROUP BY g, cat',
    expectSplit: true,
  },
  {
    name: 'group: by skewed key',
    sql: 'SELECT k, count(*), sum(i4), min(id), max(id) FROM t_facts GROUP BY k',
    expectSplit: true,
  },
  {
    name: 'group: by boolean',
    sql: 'SELECT b, count(*), avg(i2), bool_or(i4 > 0) FROM t_facts GROUP BY b',
    expectSplit: true,
  },
  {
    name: "group: by date_trunc('month', ts)",
    sql: "SELECT date_trunc('month', ts), count(*), sum(i4) FROM t_facts GROUP BY date_trunc('month', ts)",
    expectSplit: true,
  },
  {
    name: 'group: by g % 3',
    sql: 'SELECT g % 3, count(*), sum(k) FROM t_facts GROUP BY g % 3',
    expectSplit: true,
  },
  {
    name: 'group: by lower(cat)',
    sql: 'SELECT lower(cat), count(*), min(cat) FROM t_facts GROUP BY lower(cat)',
    expectSplit: true,
  },
  {
    name: 'group: by ordinal',
    sql: 'SELECT g % 4, count(*), max(i8) FROM t_facts GROUP BY 1',
    expectSplit: true,
  },
  {
    name: 'group: by two ordinals',
    sql: 'SELECT extract(year FROM d) AS y, cat IS NULL AS no_cat, count(*) FROM t_facts GROUP BY 1, 2',
    expectSplit: true,
  },
  {
    name: 'group: by output alias',
    sql: 'SELECT lower(cat) AS lc, count(*) AS c, sum(i4) AS s FROM t_facts GROUP BY lc',
    expectSplit: true,
  },
  {
    name: 'group: key not in the select list',
    sql: 'SELECT count(*), sum(i4), max(name) FROM t_facts GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'group: by ICU text with many groups',
    sql: 'SELECT name, count(*), min(id) FROM t_facts GROUP BY name',
    expectSplit: true,
  },
  {
    name: 'group: by text under C collation',
    sql: 'SELECT name COLLATE "C" AS c_name, count(*) FROM t_facts GROUP BY 1',
    expectSplit: true,
  },
  { name: 'group: by date', sql: 'SELECT d, count(*), sum(i2) FROM t_facts GROUP BY d', expectSplit: true },
  {
    name: 'group: by year and quarter',
    sql: 'SELECT extract(year FROM d), extract(quarter FROM d), count(*), avg(f4) FROM t_facts GROUP BY 1, 2',
    expectSplit: true,
  },
  {
    name: 'group: by timestamptz day',
    sql: "SELECT date_trunc('day', tz)::date AS day, count(*) FROM t_facts WHERE tz < '2020-03-01' GROUP BY 1",
    expectSplit: true,
  },
  {
    name: 'group: by char and varchar',
    sql: 'SELECT ch, left(code, 1), count(*) FROM t_facts GROUP BY ch, left(code, 1)',
    expectSplit: true,
  },
  {
    name: 'group: by float4 value',
    sql: 'SELECT f4, count(*), sum(i4) FROM t_facts GROUP BY f4',
    expectSplit: true,
  },
  {
    name: 'group: by integer division',
    sql: 'SELECT i2 / 1000 AS bucket, count(*), min(i2), max(i2) FROM t_facts GROUP BY 1',
    expectSplit: true,
  },
  {
    name: 'group: by boolean expressions',
    sql: 'SELECT i4 IS NULL, n > 0, count(*), sum(n) FROM t_facts GROUP BY i4 IS NULL, n > 0',
    expectSplit: true,
  },
  {
    name: 'group: by CASE expression',
    sql: `SELECT CASE WHEN i4 < 0 THEN 'neg' WHEN i4 < 500000 THEN 'low' ELSE 'high' END AS band, count(*), avg(i8)
      FROM t_facts GROUP BY 1`,
    expectSplit: true,
  },
  {
    name: 'group: same column twice in select',
    sql: 'SELECT g, g, count(*), count(*) FROM t_facts GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'group: column and expression of it',
    sql: 'SELECT g, g % 2 AS parity, count(*) FROM t_facts GROUP BY g, g % 2',
    expectSplit: true,
  },
  {
    name: 'group: expressions over keys and aggregates',
    sql: 'SELECT g * 10 + 1 AS x, sum(i4) / 2 AS half, count(*) * 2 AS dbl, max(i2)::int - min(i2) AS spread FROM t_facts GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'group: HAVING count',
    sql: 'SELECT g, count(*) FROM t_facts GROUP BY g HAVING count(*) > 990',
    expectSplit: true,
  },
  {
    name: 'group: HAVING on an aggregate not selected',
    sql: 'SELECT g FROM t_facts GROUP BY g HAVING sum(i4) > 0',
    expectSplit: true,
  },
  {
    name: 'group: HAVING with two aggregates',
    sql: "SELECT cat, count(*) FROM t_facts GROUP BY cat HAVING avg(n) > 0 AND max(d) > '2023-12-20'",
    expectSplit: true,
  },
  {
    name: 'group: HAVING on the group key',
    sql: 'SELECT g, sum(i8) FROM t_facts GROUP BY g HAVING g > 15 OR g IS NULL',
    expectSplit: true,
  },
  {
    name: 'group: HAVING with count(DISTINCT)',
    sql: 'SELECT g, count(DISTINCT k) FROM t_facts GROUP BY g HAVING count(DISTINCT k) > 215',
    expectSplit: true,
  },
  {
    name: 'group: HAVING with a scalar subquery',
    sql: 'SELECT g, count(*) FROM t_facts GROUP BY g HAVING count(*) > (SELECT count(*) / 21 FROM t_facts)',
    expectSplit: true,
  },
  {
    name: 'group: HAVING with IN subquery on the key',
    sql: 'SELECT g, count(*) FROM t_facts GROUP BY g HAVING g IN (SELECT g FROM t_dim WHERE id < 10)',
    expectSplit: true,
  },
  {
    name: 'group: HAVING without GROUP BY',
    sql: 'SELECT count(*) FROM t_facts HAVING count(*) > 100',
    expectSplit: true,
  },
  {
    name: 'group: HAVING without GROUP BY, false',
    sql: 'SELECT count(*), sum(i4) FROM t_facts HAVING count(*) > 1000000',
    expectSplit: true,
  },
  {
    name: 'group: no rows give no groups',
    sql: 'SELECT g, count(*), sum(i4) FROM t_facts WHERE id < 0 GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'group: empty table gives no groups',
    sql: 'SELECT g, count(*) FROM t_empty GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'group: all-NULL rows form one group',
    sql: 'SELECT g, cat, count(*), sum(i4), max(name) FROM t_nulls GROUP BY g, cat',
    expectSplit: true,
  },
  {
    name: 'group: ordered by count then key',
    sql: 'SELECT cat, count(*) FROM t_facts GROUP BY cat ORDER BY count(*) DESC, cat NULLS FIRST',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'group: ordered by key',
    sql: 'SELECT g, count(*), sum(i4) FROM t_facts GROUP BY g ORDER BY g',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'group: int8 overflow per group',
    sql: 'SELECT g, sum(i8), avg(i8), min(i8), max(i8) FROM t_facts GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'group: text key table by group',
    sql: 'SELECT grp, count(*), sum(val), min(key), max(key) FROM t_textkey GROUP BY grp',
    expectSplit: true,
  },
  {
    name: 'group: skewed table by group',
    sql: 'SELECT grp, count(*), sum(v), min(id), max(id) FROM t_skew GROUP BY grp',
    expectSplit: true,
  },
  {
    name: 'group: by k and g (many small groups)',
    sql: 'SELECT k, g, count(*), sum(i4), min(n) FROM t_facts WHERE k > 1 GROUP BY k, g',
    expectSplit: true,
  },
  // Groups whole per chunk: a GROUP BY over a column a unique index leads with splits on its key ranges
  // (forced splits always; auto mode when partial groups would be too many), and each chunk finishes its
  // groups: HAVING, ORDER BY and LIMIT per chunk, then once more over the chunks' rows.
  {
    name: 'group whole: by primary key, top 7 by sum',
    sql: 'SELECT id, sum(i4) AS s, count(*) FROM t_facts GROUP BY id ORDER BY s DESC NULLS LAST, id LIMIT 7',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'group whole: by dimension key over a join, ordered-set and DISTINCT aggregates',
    sql: `SELECT d.id, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY f.i4), count(DISTINCT f.cat),
  string_agg(DISTINCT f.cat, ',' ORDER BY f.cat)
FROM t_dim d JOIN t_facts f ON f.g = d.g GROUP BY d.id HAVING count(*) > 1 ORDER BY d.id`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'group whole: by text primary key, top 5 by max, offset',
    sql: 'SELECT key, count(*), max(val) FROM t_textkey GROUP BY key ORDER BY max(val) DESC NULLS FIRST, key LIMIT 5 OFFSET 3',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'group whole: by skewed table key with HAVING',
    sql: `SELECT s.id, sum(s.v), min(s.label) FROM t_skew s GROUP BY s.id HAVING sum(s.v) IS NOT NULL
ORDER BY 2 DESC, 1 LIMIT 10`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'group whole: DISTINCT over per-group results',
    sql: 'SELECT DISTINCT sum(i4) > 0 AS pos, count(*) FROM t_facts GROUP BY id ORDER BY 1, 2',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'group whole: by primary key and another column, unordered',
    sql: 'SELECT id, g, avg(n), stddev(f8) FROM t_facts WHERE id % 5 = 0 GROUP BY g, id',
    expectSplit: true,
  },
];
