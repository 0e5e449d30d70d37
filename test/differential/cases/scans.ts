// Plain filtered scans without ORDER BY (compared as multisets): the split ranges must cover every row exactly once.
import type { DiffCase } from '../case.ts';

export const cases: DiffCase[] = [
  { name: 'scan: every id', sql: 'SELECT id FROM t_facts', expectSplit: true },
  {
    name: 'scan: selective filter',
    sql: 'SELECT id, g, cat, i4 FROM t_facts WHERE i4 > 990000',
    expectSplit: true,
  },
  {
    name: 'scan: every column of a slice',
    sql: 'SELECT * FROM t_facts WHERE g = 3 AND k > 250',
    expectSplit: true,
  },
  {
    name: 'scan: accented names',
    sql: "SELECT id, name, n FROM t_facts WHERE name LIKE 'É%' OR name LIKE 'é%'",
    expectSplit: true,
  },
  {
    name: 'scan: NULL filter',
    sql: 'SELECT id, i4, n FROM t_facts WHERE cat IS NULL AND g IS NULL',
    expectSplit: true,
  },
  {
    name: 'scan: expressions in the select list',
    sql: "SELECT id, i4::bigint * 2 AS dbl, upper(cat) AS uc, d + 1 AS next_day, coalesce(name, '-') AS nm FROM t_facts WHERE k = 17",
    expectSplit: true,
  },
  {
    name: 'scan: OR across columns',
    sql: 'SELECT id FROM t_facts WHERE i2 > 32700 OR i4 < -999000 OR k = 299',
    expectSplit: true,
  },
  {
    name: 'scan: key range',
    sql: 'SELECT id, ts FROM t_facts WHERE id BETWEEN 777 AND 1234',
    expectSplit: true,
  },
  { name: 'scan: skewed table tail', sql: 'SELECT * FROM t_skew WHERE id > 4990', expectSplit: true },
  { name: 'scan: text key table', sql: 'SELECT key, val FROM t_textkey WHERE val > 990', expectSplit: true },
  {
    name: 'scan: text key prefix',
    sql: "SELECT key, grp FROM t_textkey WHERE key LIKE 'Apple-1%'",
    expectSplit: true,
  },
  {
    name: 'scan: nothing matches',
    sql: 'SELECT id, name FROM t_facts WHERE i4 > 2147483647',
    expectSplit: true,
  },
  { name: 'scan: empty table', sql: 'SELECT * FROM t_empty', expectSplit: true },
  { name: 'scan: one-row table', sql: 'SELECT * FROM t_one', expectSplit: true },
  { name: 'scan: all-NULL table', sql: 'SELECT * FROM t_nulls', expectSplit: true },
  {
    name: 'scan: set-returning function in the select list',
    sql: 'SELECT id, generate_series(1, 3) AS n FROM t_facts WHERE id < 10',
    expectSplit: true,
  },
  {
    name: 'scan: a setting beside the rows',
    sql: "SELECT current_setting('TimeZone') AS tz, id, tz AS at FROM t_facts WHERE id <= 5",
    expectSplit: true,
  },
  { name: 'scan: dimension table', sql: 'SELECT * FROM t_dim WHERE region IS NOT NULL', expectSplit: true },
];
