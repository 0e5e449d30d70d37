// Type edge cases: int8 overflow, numeric scale, NaN/-0/Infinity, timestamptz, interval, ICU text, char padding, skew.
import type { DiffCase } from '../case.ts';

export const cases: DiffCase[] = [
  {
    name: 'types: int8 sums overflow into numeric, both signs',
    sql: 'SELECT sum(i8) FILTER (WHERE i8 > 0), sum(i8) FILTER (WHERE i8 < 0), avg(i8) FILTER (WHERE i8 > 0) FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'types: int8 extremes',
    sql: 'SELECT id, i8 FROM t_facts WHERE i8 IN (9223372036854775807, -9223372036854775808)',
    expectSplit: true,
  },
  {
    name: 'types: int4 sums beyond int4',
    sql: 'SELECT sum(i4), avg(i4), count(*) FROM t_facts WHERE i4 > 2000000000 OR i4 < -2000000000',
    expectSplit: true,
  },
  {
    name: 'types: numeric with large scale by group',
    sql: 'SELECT g, sum(n), avg(n), min(n), max(n) FROM t_facts GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'types: numeric variance by text group',
    sql: 'SELECT cat, variance(n), stddev_pop(n), var_samp(n) FROM t_facts GROUP BY cat',
    expectSplit: true,
  },
  {
    name: 'types: low-scale numerics only',
    sql: 'SELECT sum(n), avg(n), min(n), max(n), count(*) FROM t_facts WHERE scale(n) < 4 AND n NOT BETWEEN 1 AND 2',
    expectSplit: true,
  },
  {
    name: 'types: numeric arithmetic in aggregates',
    sql: 'SELECT sum(n * n), sum(n / 3), avg(n * 1.5), sum(round(n, 10) - trunc(n)) FROM t_facts WHERE g = 2',
    expectSplit: true,
  },
  {
    name: 'types: NaN, Infinity and finite float groups',
    sql: 'SELECT g, sum(f8), avg(f8), min(f8), max(f8), count(f8) FROM t_facts WHERE g IN (6, 7, 8) GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'types: counting NaN and zero',
    sql: "SELECT count(*) FILTER (WHERE f8 = 'NaN'), count(*) FILTER (WHERE f8 = 0), count(*) FILTER (WHERE f8 < 0) FROM t_facts",
    expectSplit: true,
  },
  {
    name: 'types: special float rows',
    sql: "SELECT id, f8 FROM t_facts WHERE f8 = 'NaN' OR f8 = 'Infinity' OR (f8 > 0 AND f8 < 1e-200) OR f8 = 0",
    expectSplit: true,
  },
  {
    name: 'types: huge float values',
    sql: 'SELECT count(*), sum(f8), max(f8), min(f8), avg(f8) FROM t_facts WHERE f8 > 1e50 AND f8 < 1e200',
    expectSplit: true,
  },
  {
    name: 'types: tiny float values',
    sql: 'SELECT count(*), sum(f8), max(f8), min(f8), stddev_pop(f8) FROM t_facts WHERE f8 > 0 AND f8 < 1e-200',
    expectSplit: true,
  },
  {
    name: 'types: float4 by group',
    sql: 'SELECT g, sum(f4), avg(f4), min(f4), max(f4), count(f4) FROM t_facts GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'types: float4 to float8 arithmetic',
    sql: 'SELECT sum(f4::float8 * 2), sum(f4 + 0.5::real), avg(f4 * i2) FROM t_facts WHERE g <> 7',
    expectSplit: true,
  },
  {
    name: 'types: timestamptz by month',
    sql: "SELECT date_trunc('month', tz) AS m, count(*), min(tz), max(tz) FROM t_facts GROUP BY 1",
    expectSplit: true,
  },
  {
    name: 'types: timestamptz to date',
    sql: "SELECT tz::date AS day, count(*) FROM t_facts WHERE tz < '2020-02-01 00:00:00+00' GROUP BY 1",
    expectSplit: true,
  },
  {
    name: 'types: timestamptz span',
    sql: 'SELECT max(tz) - min(tz) AS span, extract(epoch FROM max(tz) - min(tz)) AS secs FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'types: timestamptz in another zone',
    sql: "SELECT (tz AT TIME ZONE 'Asia/Kolkata')::date AS ist_day, count(*) FROM t_facts WHERE g = 1 GROUP BY 1",
    expectSplit: true,
  },
  {
    name: 'types: timestamp by week',
    sql: "SELECT date_trunc('week', ts) AS w, count(*), max(ts) FROM t_facts WHERE ts < '2020-06-01' GROUP BY 1",
    expectSplit: true,
  },
  {
    name: 'types: timestamp arithmetic',
    sql: "SELECT max(ts) - min(ts), min(ts + interval '1 day'), max(ts::date) FROM t_facts",
    expectSplit: true,
  },
  {
    name: 'types: interval sum and avg by group',
    sql: 'SELECT cat, sum(iv), avg(iv), min(iv), max(iv) FROM t_facts GROUP BY cat',
    expectSplit: true,
  },
  {
    name: 'types: justified interval sum',
    sql: 'SELECT justify_interval(sum(iv)), justify_hours(avg(iv)) FROM t_facts WHERE g = 4',
    expectSplit: true,
  },
  {
    name: 'types: negative intervals',
    sql: "SELECT count(*), sum(iv), avg(iv) FROM t_facts WHERE iv < interval '0'",
    expectSplit: true,
  },
  {
    name: 'types: date by day',
    sql: "SELECT d, count(*), sum(i2) FROM t_facts WHERE d < '2020-02-01' GROUP BY d",
    expectSplit: true,
  },
  {
    name: 'types: date differences',
    sql: "SELECT max(d) - min(d), min(d + 30), max(d - interval '1 month') FROM t_facts",
    expectSplit: true,
  },
  {
    name: 'types: ICU text groups in order',
    sql: 'SELECT name, count(*) FROM t_facts GROUP BY name ORDER BY name',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'types: C text groups in order',
    sql: 'SELECT name, count(*) FROM t_facts GROUP BY name ORDER BY name COLLATE "C"',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'types: ICU min and max per group',
    sql: 'SELECT g, min(name), max(name), min(name COLLATE "C") FROM t_facts GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'types: ICU comparison in WHERE',
    sql: "SELECT count(*) FILTER (WHERE name > 'e'), count(*) FILTER (WHERE name COLLATE \"C\" > 'e') FROM t_facts",
    expectSplit: true,
  },
  {
    name: 'types: upper-cased ICU text ordered',
    sql: 'SELECT upper(name) AS u, count(*) FROM t_facts GROUP BY 1 ORDER BY 1 NULLS FIRST',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'types: char(4) padding',
    sql: "SELECT ch, count(*), length(ch), octet_length(ch), max(ch || '|') FROM t_facts GROUP BY ch",
    expectSplit: true,
  },
  {
    name: 'types: varchar ordered groups',
    sql: "SELECT code, count(*) FROM t_facts WHERE code LIKE 'K-9%' GROUP BY code ORDER BY code",
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'types: boolean groups',
    sql: 'SELECT b, count(*), sum(i4) FROM t_facts GROUP BY b',
    expectSplit: true,
  },
  {
    name: 'types: skewed key heavy value',
    sql: 'SELECT k = 1 AS heavy, count(*), sum(i4), avg(n) FROM t_facts GROUP BY 1',
    expectSplit: true,
  },
  {
    name: 'types: skewed ids range',
    sql: 'SELECT count(*), sum(v), min(id), max(id) FROM t_skew WHERE id > 4000',
    expectSplit: true,
  },
  {
    name: 'types: numeric NaN in the skewed table',
    sql: 'SELECT grp, sum(v), max(v), count(*) FROM t_skew WHERE id >= 1000000000 GROUP BY grp',
    expectSplit: true,
  },
  {
    name: 'types: text key range',
    sql: "SELECT key, val FROM t_textkey WHERE key > 'banana' ORDER BY key LIMIT 10",
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'types: text key groups',
    sql: 'SELECT left(key, 3) AS p, count(*), min(key), max(key) FROM t_textkey GROUP BY 1',
    expectSplit: true,
  },
  {
    name: 'types: ordered array_agg of distinct texts',
    sql: 'SELECT g, array_agg(DISTINCT cat ORDER BY cat) FROM t_facts GROUP BY g',
  },
  {
    name: 'types: casts in the select list',
    sql: 'SELECT sum(i4)::numeric / 3 AS third, count(*)::text AS c, max(d)::text AS d, min(i2)::float8 AS f FROM t_facts',
    expectSplit: true,
  },
];
