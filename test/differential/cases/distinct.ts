// SELECT DISTINCT (and DISTINCT ON, which passes through): deduplication across shards.
import type { DiffCase } from '../case.ts';

export const cases: DiffCase[] = [
  { name: 'distinct: small int', sql: 'SELECT DISTINCT g FROM t_facts', expectSplit: true },
  {
    name: 'distinct: text with NULL, ordered',
    sql: 'SELECT DISTINCT cat FROM t_facts ORDER BY cat NULLS FIRST',
    ordered: true,
    expectSplit: true,
  },
  { name: 'distinct: two columns', sql: 'SELECT DISTINCT g, cat FROM t_facts', expectSplit: true },
  { name: 'distinct: expression', sql: 'SELECT DISTINCT lower(cat) FROM t_facts', expectSplit: true },
  {
    name: 'distinct: ICU text, ordered',
    sql: 'SELECT DISTINCT name FROM t_facts ORDER BY name',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'distinct: C collation, ordered',
    sql: 'SELECT DISTINCT name COLLATE "C" AS c_name FROM t_facts ORDER BY 1',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'distinct: limit and offset',
    sql: 'SELECT DISTINCT k FROM t_facts ORDER BY k LIMIT 15 OFFSET 5',
    ordered: true,
    expectSplit: true,
  },
  { name: 'distinct: boolean', sql: 'SELECT DISTINCT b FROM t_facts', expectSplit: true },
  { name: 'distinct: char(4)', sql: 'SELECT DISTINCT ch FROM t_facts', expectSplit: true },
  {
    name: 'distinct: truncated date, ordered',
    sql: "SELECT DISTINCT date_trunc('year', d) FROM t_facts ORDER BY 1",
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'distinct: float4 with NaN, ordered',
    sql: 'SELECT DISTINCT f4 FROM t_facts WHERE f4 > 140 ORDER BY f4',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'distinct: after GROUP BY',
    sql: 'SELECT DISTINCT g, count(*) > 50 AS big FROM t_facts GROUP BY g, cat',
    expectSplit: true,
  },
  {
    name: 'distinct: in a derived table',
    sql: 'SELECT count(*) FROM (SELECT DISTINCT k, g FROM t_facts) s',
  },
  {
    name: 'distinct: varchar with LIKE filter',
    sql: "SELECT DISTINCT code FROM t_facts WHERE code LIKE 'C-1%'",
    expectSplit: true,
  },
  {
    name: 'distinct: NULL-ness combinations',
    sql: 'SELECT DISTINCT i4 IS NULL AS no_i4, b, f8 IS NULL AS no_f8 FROM t_facts',
    expectSplit: true,
  },
  {
    name: 'distinct: column not leading the order',
    sql: 'SELECT DISTINCT cat, g FROM t_facts WHERE g < 3 ORDER BY g, cat',
    ordered: true,
    expectSplit: true,
  },
  { name: 'distinct: empty table', sql: 'SELECT DISTINCT g, cat FROM t_empty', expectSplit: true },
  {
    name: 'distinct: text key groups',
    sql: 'SELECT DISTINCT grp FROM t_textkey ORDER BY grp',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'distinct on: first row per group',
    sql: 'SELECT DISTINCT ON (g) g, id, i4 FROM t_facts ORDER BY g, i4 DESC NULLS LAST, id',
    ordered: true,
  },
  {
    name: 'distinct on: by text',
    sql: 'SELECT DISTINCT ON (cat) cat, name, id FROM t_facts ORDER BY cat, name NULLS LAST, id',
    ordered: true,
  },
];
