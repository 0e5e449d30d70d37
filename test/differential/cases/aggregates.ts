// Aggregate functions over every numeric (and several other) types of t_facts: the combine rules of the merger.
import type { DiffCase } from '../case.ts';

// g = 7 holds the float NaNs and g = 8 a float Infinity; excluding both (and NULL g) leaves finite float sums.
const FINITE = 'g NOT IN (7, 8)';

export const cases: DiffCase[] = [
  { name: 'agg: count(*)', sql: 'SELECT count(*) FROM t_facts', expectSplit: true },
  {
    name: 'agg: count(column) over every type',
    sql: `SELECT count(g), count(cat), count(i4), count(i8), count(i2), count(n), count(f8), count(f4), count(b),
      count(d), count(ts), count(tz), count(iv), count(name), count(code), count(ch) FROM t_facts`,
    expectSplit: true,
  },
  {
    name: 'agg: count(1) and count(*) with alias',
    sql: 'SELECT count(1) AS one, count(*) AS total FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'agg: sum of int2, int4, int8',
    sql: 'SELECT sum(i2), sum(i4), sum(i8) FROM t_facts',
    expectSplit: true,
  },
  { name: 'agg: sum of numeric with scale 25', sql: 'SELECT sum(n) FROM t_facts', expectSplit: true },
  {
    name: 'agg: sum of float8 and float4 (finite)',
    sql: `SELECT sum(f8), sum(f4) FROM t_facts WHERE ${FINITE}`,
    expectSplit: true,
  },
  {
    name: 'agg: float aggregates over NaN input',
    sql: 'SELECT sum(f8), sum(f4), avg(f8), avg(f4) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'agg: avg of int2, int4, int8',
    sql: 'SELECT avg(i2), avg(i4), avg(i8) FROM t_facts',
    expectSplit: true,
  },
  { name: 'agg: avg of numeric', sql: 'SELECT avg(n) FROM t_facts', expectSplit: true },
  {
    name: 'agg: avg of float8 and float4',
    sql: `SELECT avg(f8), avg(f4) FROM t_facts WHERE ${FINITE}`,
    expectSplit: true,
  },
  {
    name: 'agg: avg of a few ints (result scale)',
    sql: 'SELECT avg(k), avg(i2), avg(g) FROM t_facts WHERE id BETWEEN 101 AND 103',
    expectSplit: true,
  },
  {
    name: 'agg: min and max of integer types',
    sql: 'SELECT min(i2), max(i2), min(i4), max(i4), min(i8), max(i8), min(id), max(id) FROM t_facts',
    expectSplit: true,
  },
  { name: 'agg: min and max of numeric', sql: 'SELECT min(n), max(n) FROM t_facts', expectSplit: true },
  {
    name: 'agg: min and max of floats with NaN',
    sql: 'SELECT min(f8), max(f8), min(f4), max(f4) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'agg: min and max of floats without NaN',
    sql: 'SELECT min(f8), max(f8), min(f4), max(f4) FROM t_facts WHERE g <> 7',
    expectSplit: true,
  },
  {
    name: 'agg: min and max of ICU text',
    sql: 'SELECT min(name), max(name) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'agg: min and max of text under C collation',
    sql: 'SELECT min(name COLLATE "C"), max(name COLLATE "C") FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'agg: min and max of text, varchar, char',
    sql: 'SELECT min(cat), max(cat), min(code), max(code), min(ch), max(ch) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'agg: min and max of date, timestamp, timestamptz, interval',
    sql: 'SELECT min(d), max(d), min(ts), max(ts), min(tz), max(tz), min(iv), max(iv) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'agg: bool_and, bool_or, every',
    sql: 'SELECT bool_and(b), bool_or(b), every(b) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'agg: bool aggregates over all-true input',
    sql: 'SELECT bool_and(b), bool_or(b), every(b), count(*) FROM t_facts WHERE b',
    expectSplit: true,
  },
  {
    name: 'agg: bool aggregates over expressions by g',
    sql: 'SELECT g, bool_and(i4 > -990000), bool_or(i4 > 999000), every(k >= 1) FROM t_facts GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'agg: bit_and and bit_or over int2, int4, int8',
    sql: `SELECT bit_and(i2), bit_or(i2), bit_and(i4 | 1048575), bit_or(i4 & 4095), bit_and(i8), bit_or(i8 & 1023),
      bit_and(i8 | 9223372036854775680) FROM t_facts`,
    expectSplit: true,
  },
  {
    name: 'agg: bit_and and bit_or by g',
    sql: 'SELECT g, bit_and(k), bit_or(k) FROM t_facts GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'agg: variance family over int4',
    sql: 'SELECT stddev(i4), stddev_pop(i4), stddev_samp(i4), variance(i4), var_pop(i4), var_samp(i4) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'agg: variance family over int8 near the limits',
    sql: 'SELECT stddev(i8), stddev_pop(i8), stddev_samp(i8), variance(i8), var_pop(i8), var_samp(i8) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'agg: variance family over int2',
    sql: 'SELECT stddev(i2), stddev_pop(i2), variance(i2), var_samp(i2) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'agg: variance family over numeric',
    sql: 'SELECT stddev(n), stddev_pop(n), stddev_samp(n), variance(n), var_pop(n), var_samp(n) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'agg: variance family over float8',
    sql: `SELECT stddev(f8), stddev_pop(f8), stddev_samp(f8), variance(f8), var_pop(f8), var_samp(f8)
      FROM t_facts WHERE ${FINITE} AND f8 < 1e50`,
    expectSplit: true,
  },
  {
    name: 'agg: variance family over float8 with huge values',
    sql: `SELECT stddev(f8), var_pop(f8), var_samp(f8) FROM t_facts WHERE ${FINITE}`,
    expectSplit: true,
  },
  {
    name: 'agg: variance family over float4',
    sql: 'SELECT stddev(f4), stddev_pop(f4), stddev_samp(f4), variance(f4), var_pop(f4), var_samp(f4) FROM t_facts WHERE g <> 7',
    expectSplit: true,
  },
  {
    name: 'agg: variance family over NaN and Infinity input',
    sql: 'SELECT g, stddev(f8), var_pop(f4) FROM t_facts WHERE g IN (6, 7, 8) GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'agg: variance of a single row',
    sql: `SELECT stddev(i4), stddev_pop(i4), var_samp(n), var_pop(n), stddev_samp(f8), var_pop(f8)
      FROM t_facts WHERE id = 42`,
    expectSplit: true,
  },
  {
    name: 'agg: variance by group over int and numeric',
    sql: 'SELECT g, stddev(i4), var_pop(i8), variance(n) FROM t_facts GROUP BY g',
    expectSplit: true,
  },
  { name: 'agg: count(DISTINCT int)', sql: 'SELECT count(DISTINCT i4) FROM t_facts', expectSplit: true },
  { name: 'agg: count(DISTINCT small key)', sql: 'SELECT count(DISTINCT k) FROM t_facts', expectSplit: true },
  {
    name: 'agg: count(DISTINCT ICU text)',
    sql: 'SELECT count(DISTINCT name) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'agg: count(DISTINCT numeric) counts 1.5 and 1.50 once',
    sql: 'SELECT count(DISTINCT n) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'agg: count(DISTINCT float8) with -0, 0 and NaN',
    sql: 'SELECT count(DISTINCT f8) FROM t_facts',
    expectSplit: true,
  },
  { name: 'agg: count(DISTINCT date)', sql: 'SELECT count(DISTINCT d) FROM t_facts', expectSplit: true },
  {
    name: 'agg: sum(DISTINCT) over int and numeric',
    sql: 'SELECT sum(DISTINCT k) FROM t_facts WHERE g < 10',
    expectSplit: true,
  },
  { name: 'agg: sum(DISTINCT numeric)', sql: 'SELECT sum(DISTINCT n) FROM t_facts', expectSplit: true },
  { name: 'agg: avg(DISTINCT int2)', sql: 'SELECT avg(DISTINCT i2) FROM t_facts', expectSplit: true },
  {
    name: 'agg: count(DISTINCT) beside plain aggregates',
    sql: 'SELECT count(DISTINCT k), count(*), sum(i4), max(name) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'agg: count(DISTINCT) by group',
    sql: 'SELECT g, count(DISTINCT k), count(*) FROM t_facts GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'agg: count(DISTINCT) and count() on the same column',
    sql: 'SELECT count(DISTINCT i2), count(i2), count(*) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'agg: FILTER on several aggregates',
    sql: `SELECT count(*) FILTER (WHERE b), sum(i4) FILTER (WHERE g < 5), avg(n) FILTER (WHERE cat = 'alpha'),
      min(name) FILTER (WHERE i2 > 0), max(d) FILTER (WHERE NOT b), count(DISTINCT k) FILTER (WHERE k > 1) FROM t_facts`,
    expectSplit: true,
  },
  {
    name: 'agg: FILTER by group',
    sql: `SELECT cat, count(*) FILTER (WHERE i4 IS NULL), sum(f4) FILTER (WHERE f4 > 0), stddev(i4) FILTER (WHERE b)
      FROM t_facts GROUP BY cat`,
    expectSplit: true,
  },
  {
    name: 'agg: FILTER matching no row',
    sql: `SELECT count(*) FILTER (WHERE false), sum(i4) FILTER (WHERE i4 > 5000000), avg(n) FILTER (WHERE id < 0),
      bool_and(b) FILTER (WHERE id < 0), min(iv) FILTER (WHERE id < 0) FROM t_facts`,
    expectSplit: true,
  },
  {
    name: 'agg: aggregates of expressions',
    sql: `SELECT sum(i4::bigint * 2 + 1), avg(i2::numeric / 7), max(length(name)), sum(CASE WHEN b THEN 1 ELSE 0 END),
      min(coalesce(cat, '?')) FROM t_facts`,
    expectSplit: true,
  },
  {
    name: 'agg: expressions over aggregates',
    sql: `SELECT sum(i4) / count(*), sum(i4)::numeric / nullif(count(i4), 0), max(i4)::bigint - min(i4), round(avg(n), 3),
      count(*) * 2 + 1 AS twice FROM t_facts`,
    expectSplit: true,
  },
  {
    name: 'agg: aggregates over a date range',
    sql: "SELECT count(*), sum(i8), avg(n), min(ts) FROM t_facts WHERE d >= '2021-01-01' AND d < '2022-01-01'",
    expectSplit: true,
  },
  {
    name: 'agg: aggregates over a key range',
    sql: 'SELECT count(*), sum(i4), min(id), max(id) FROM t_facts WHERE id BETWEEN 5000 AND 5999',
    expectSplit: true,
  },
  {
    name: 'agg: every aggregate over an empty selection',
    sql: `SELECT count(*), count(i4), sum(i4), sum(i8), avg(i4), avg(n), min(name), max(d), bool_and(b), bit_or(i4),
      stddev(n), var_pop(f8), sum(f8), sum(iv), count(DISTINCT k) FROM t_facts WHERE id < 0`,
    expectSplit: true,
  },
  {
    name: 'agg: numeric equal values with different scales',
    sql: 'SELECT sum(n), avg(n), count(*), count(DISTINCT n) FROM t_facts WHERE n BETWEEN 1 AND 2',
    expectSplit: true,
  },
  { name: 'agg: sum and avg of interval', sql: 'SELECT sum(iv), avg(iv) FROM t_facts', expectSplit: true },
  {
    name: 'agg: avg of casted int with typmod',
    sql: 'SELECT avg(i4::numeric(20,4)), sum(i4::numeric(20,4)), avg(n::numeric(30,10)), sum(round(n, 2)) FROM t_facts',
    expectSplit: true,
  },
  {
    // Two ordered aggregates by different keys cannot share one range split; array_agg is not combined.
    name: 'agg: ordered string_agg and array_agg',
    sql: `SELECT string_agg(name, '|' ORDER BY name, id), array_agg(id ORDER BY id DESC)
      FROM t_facts WHERE id <= 60`,
    expectSplit: false,
  },
  {
    name: 'agg: ordered string_agg over ICU text',
    sql: "SELECT string_agg(name, '|' ORDER BY name, id) FROM t_facts WHERE id <= 600",
    expectSplit: true,
  },
  {
    name: 'agg: ordered string_agg DESC by group, NULL keys first',
    sql: "SELECT g, string_agg(coalesce(code, '-'), ';' ORDER BY code DESC, id) FROM t_facts WHERE id <= 900 GROUP BY g ORDER BY g",
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'agg: ordered string_agg with NULLS FIRST',
    sql: "SELECT string_agg(coalesce(code, 'null'), ',' ORDER BY code NULLS FIRST, id) FROM t_facts WHERE id <= 300",
    expectSplit: true,
  },
  {
    name: 'agg: string_agg DISTINCT ordered',
    sql: "SELECT string_agg(DISTINCT name, ',' ORDER BY name) FROM t_facts",
    expectSplit: true,
  },
  {
    name: 'agg: ordered string_agg by group',
    sql: "SELECT g, string_agg(code, ',' ORDER BY code, id) FROM t_facts WHERE id <= 400 GROUP BY g",
    expectSplit: true,
  },
  {
    name: 'agg: count over text key table',
    sql: 'SELECT count(*), min(key), max(key), sum(val), avg(val) FROM t_textkey',
    expectSplit: true,
  },
  {
    name: 'agg: skewed key table with numeric NaN',
    sql: 'SELECT count(*), sum(v), avg(v), min(id), max(id), max(v) FROM t_skew',
    expectSplit: true,
  },
  {
    name: 'agg: skewed key table without NaN',
    sql: "SELECT count(*), sum(v), avg(v), stddev(v), max(v) FROM t_skew WHERE v <> 'NaN'",
    expectSplit: true,
  },
  {
    name: 'agg: empty table',
    sql: 'SELECT count(*), sum(i4), avg(n), max(name), bool_or(b), stddev(f8) FROM t_empty',
    expectSplit: true,
  },
  {
    name: 'agg: all-NULL input',
    sql: `SELECT count(*), count(i4), sum(i8), avg(n), min(f8), max(name), bool_or(b), every(b), stddev(f8),
      bit_and(i2), sum(iv), avg(f4), var_samp(i4) FROM t_nulls`,
    expectSplit: true,
  },
  {
    name: 'agg: one-row table',
    sql: 'SELECT count(*), sum(i8), avg(n), stddev_samp(i4), stddev_pop(i4), var_pop(f8), avg(iv), sum(f4) FROM t_one',
    expectSplit: true,
  },
];
