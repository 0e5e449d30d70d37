// Statements with $n parameters (text values): bound on every shard, and in LIMIT/OFFSET.
import type { DiffCase } from '../case.ts';

export const cases: DiffCase[] = [
  {
    name: 'params: int equality',
    sql: 'SELECT count(*), sum(i4) FROM t_facts WHERE g = $1',
    params: ['3'],
    expectSplit: true,
  },
  {
    name: 'params: LIKE pattern',
    sql: 'SELECT count(*), min(name), max(name) FROM t_facts WHERE lower(name) LIKE $1',
    params: ['%smith%'],
    expectSplit: true,
  },
  {
    name: 'params: date range, grouped',
    sql: 'SELECT g, sum(i4), count(*) FROM t_facts WHERE d BETWEEN $1 AND $2 GROUP BY g',
    params: ['2021-01-01', '2021-06-30'],
    expectSplit: true,
  },
  {
    name: 'params: NULL never equals',
    sql: 'SELECT count(*) FROM t_facts WHERE cat = $1',
    params: [null],
    expectSplit: true,
  },
  {
    name: 'params: IS NOT DISTINCT FROM NULL',
    sql: 'SELECT count(*) FROM t_facts WHERE cat IS NOT DISTINCT FROM $1::text',
    params: [null],
    expectSplit: true,
  },
  {
    name: 'params: LIMIT and OFFSET',
    sql: 'SELECT id, name FROM t_facts ORDER BY name, id LIMIT $1 OFFSET $2',
    params: ['10', '5'],
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'params: in the select list with an aggregate',
    sql: 'SELECT $1::int + count(*) AS shifted FROM t_facts',
    params: ['1000'],
    expectSplit: true,
  },
  {
    name: 'params: in a FILTER',
    sql: 'SELECT sum(n) FILTER (WHERE n > $1::numeric), count(*) FILTER (WHERE n > $1::numeric) FROM t_facts',
    params: ['0.5'],
    expectSplit: true,
  },
  {
    name: 'params: timestamptz with an offset',
    sql: 'SELECT count(*), min(tz) FROM t_facts WHERE tz >= $1',
    params: ['2021-01-01 00:00:00+03'],
    expectSplit: true,
  },
  {
    name: 'params: big int8',
    sql: 'SELECT count(*), sum(i8) FROM t_facts WHERE i8 > $1',
    params: ['9000000000000000000'],
    expectSplit: true,
  },
  {
    name: 'params: array parameter',
    sql: 'SELECT id, cat FROM t_facts WHERE id = ANY($1::bigint[])',
    params: ['{1,2,3,500,19999,123456}'],
    expectSplit: true,
  },
  {
    name: 'params: boolean, grouped',
    sql: 'SELECT g, count(*) FROM t_facts WHERE b = $1 GROUP BY g',
    params: ['true'],
    expectSplit: true,
  },
  {
    name: 'params: in a join filter',
    sql: 'SELECT count(*), sum(f.i4) FROM t_facts f JOIN t_dim d ON d.g = f.g WHERE d.region = $1',
    params: ['north'],
    expectSplit: true,
  },
  {
    name: 'params: untyped parameter as a column',
    sql: 'SELECT $1 AS label, count(*) FROM t_facts',
    params: ['hello'],
    expectSplit: true,
  },
  {
    name: 'params: interval',
    sql: 'SELECT count(*), max(iv) FROM t_facts WHERE iv > $1::interval',
    params: ['1 year'],
    expectSplit: true,
  },
  {
    name: 'params: one parameter used twice',
    sql: 'SELECT count(*) FROM t_facts WHERE i4 > $1 AND i2 > $1',
    params: ['100'],
    expectSplit: true,
  },
  {
    name: 'params: ICU text comparison',
    sql: 'SELECT count(*) FROM t_facts WHERE name >= $1 AND name < $2',
    params: ['e', 'f'],
    expectSplit: true,
  },
  {
    name: 'params: numeric with large scale',
    sql: 'SELECT count(*), sum(n) FROM t_facts WHERE n < $1',
    params: ['-999000.1234567890123456789012345'],
    expectSplit: true,
  },
];
