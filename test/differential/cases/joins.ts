// Joins: the split table on the preserved side (splittable) and on the nullable side (must pass through or stay right).
import type { DiffCase } from '../case.ts';

export const cases: DiffCase[] = [
  {
    name: 'join: inner, count and sum',
    sql: 'SELECT count(*), sum(f.i4), count(DISTINCT d.id) FROM t_facts f JOIN t_dim d ON d.g = f.g',
    expectSplit: true,
  },
  {
    name: 'join: inner, group by a dimension column',
    sql: 'SELECT d.region, count(*), sum(f.i8), avg(f.n) FROM t_facts f JOIN t_dim d ON d.g = f.g GROUP BY d.region',
    expectSplit: true,
  },
  {
    name: 'join: left, facts preserved',
    sql: 'SELECT f.g, count(*), count(d.id), sum(d.weight) FROM t_facts f LEFT JOIN t_dim d ON d.g = f.g GROUP BY f.g',
    expectSplit: true,
  },
  {
    name: 'join: right join with facts preserved',
    sql: 'SELECT d.dname, count(*), sum(f.i2) FROM t_dim d RIGHT JOIN t_facts f ON f.g = d.g GROUP BY d.dname',
    expectSplit: true,
  },
  {
    name: 'join: right join with facts nullable',
    sql: 'SELECT d.id, count(f.id), count(*), sum(f.i4) FROM t_facts f RIGHT JOIN t_dim d ON d.g = f.g GROUP BY d.id',
    expectSplit: true,
  },
  {
    name: 'join: left join with facts nullable',
    sql: 'SELECT d.id, d.dname, count(f.id), sum(f.n) FROM t_dim d LEFT JOIN t_facts f ON f.g = d.g GROUP BY d.id, d.dname',
    expectSplit: true,
  },
  {
    name: 'join: left join with facts nullable, rows',
    sql: 'SELECT d.id, f.id FROM t_dim d LEFT JOIN t_facts f ON f.g = d.g AND f.i4 > 999000',
    expectSplit: true,
  },
  {
    name: 'join: full join counts',
    sql: 'SELECT count(*), count(f.id), count(d.id) FROM t_facts f FULL JOIN t_dim d ON d.g = f.g',
  },
  {
    name: 'join: full join grouped',
    sql: 'SELECT coalesce(f.g, d.g) AS g, count(f.id), count(d.id) FROM t_facts f FULL JOIN t_dim d ON d.g = f.g GROUP BY 1',
  },
  {
    name: 'join: filter on the dimension',
    sql: "SELECT f.cat, count(*) FROM t_facts f JOIN t_dim d ON d.g = f.g WHERE d.region = 'north' GROUP BY f.cat",
    expectSplit: true,
  },
  {
    name: 'join: left join with extra ON condition',
    sql: 'SELECT count(*), count(d.id), sum(f.i4) FROM t_facts f LEFT JOIN t_dim d ON d.g = f.g AND d.active',
    expectSplit: true,
  },
  {
    name: 'join: left anti-join',
    sql: 'SELECT f.g, count(*) FROM t_facts f LEFT JOIN t_dim d ON d.g = f.g WHERE d.id IS NULL GROUP BY f.g',
    expectSplit: true,
  },
  {
    name: 'join: comma join with WHERE',
    sql: 'SELECT count(*), max(f.name) FROM t_facts f, t_dim d WHERE f.g = d.g AND d.id < 10',
    expectSplit: true,
  },
  {
    name: 'join: self join on the split table',
    sql: 'SELECT count(*), sum(b.i4) FROM t_facts a JOIN t_facts b ON b.id = a.id + 1 WHERE a.g = b.g',
    expectSplit: true,
  },
  {
    name: 'join: facts with skewed table',
    sql: 'SELECT count(*), sum(s.v), min(s.id), max(s.id) FROM t_facts f JOIN t_skew s ON s.id = f.id',
    expectSplit: true,
  },
  {
    name: 'join: ordered rows with limit',
    sql: 'SELECT f.id, d.id AS dim_id, d.dname FROM t_facts f JOIN t_dim d ON d.g = f.g ORDER BY f.id, d.id LIMIT 20',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'join: plain rows',
    sql: 'SELECT f.id, d.id, d.region FROM t_facts f JOIN t_dim d ON d.g = f.g WHERE f.id < 300',
    expectSplit: true,
  },
  {
    name: 'join: left join rows with NULLs',
    sql: 'SELECT f.id, f.g, d.dname, d.weight FROM t_facts f LEFT JOIN t_dim d ON d.g = f.g WHERE f.id <= 200',
    expectSplit: true,
  },
  {
    name: 'join: with an aggregated derived table',
    sql: `SELECT f.cat, sum(x.w), count(*) FROM t_facts f
      JOIN (SELECT g, sum(weight) AS w FROM t_dim GROUP BY g) x ON x.g = f.g GROUP BY f.cat`,
    expectSplit: true,
  },
  {
    name: 'join: USING',
    sql: 'SELECT g, count(*), min(dname) FROM t_facts JOIN t_dim USING (g) GROUP BY g',
    expectSplit: true,
  },
  {
    name: 'join: NATURAL (on id and g)',
    sql: 'SELECT count(*), sum(i4) FROM t_facts NATURAL JOIN t_dim',
    expectSplit: true,
  },
  {
    name: 'join: with the one-row table',
    sql: 'SELECT f.id, f.cat FROM t_facts f JOIN t_one o ON o.g = f.g AND o.cat = f.cat WHERE f.i4 > 900000',
    expectSplit: true,
  },
  {
    name: 'join: three tables',
    sql: `SELECT d.region, count(*), sum(s.v), count(s.id) FROM t_facts f JOIN t_dim d ON d.g = f.g
      LEFT JOIN t_skew s ON s.id = f.k GROUP BY d.region`,
    expectSplit: true,
  },
  {
    name: 'join: text columns',
    sql: 'SELECT t.grp, count(*) FROM t_facts f JOIN t_textkey t ON t.grp = f.cat WHERE f.id < 500 GROUP BY t.grp',
    expectSplit: true,
  },
  {
    name: 'join: with empty table',
    sql: 'SELECT count(*), count(e.id) FROM t_facts f LEFT JOIN t_empty e ON e.id = f.id',
    expectSplit: true,
  },
  {
    name: 'join: inner with empty table',
    sql: 'SELECT count(*) FROM t_facts f JOIN t_empty e ON e.id = f.id',
    expectSplit: true,
  },
  {
    name: 'join: cross join with a small table',
    sql: 'SELECT o.cat, count(*), sum(f.k) FROM t_facts f CROSS JOIN t_one o GROUP BY o.cat',
    expectSplit: true,
  },
  {
    name: 'join: left join turned inner by WHERE',
    sql: 'SELECT count(*), sum(f.i4) FROM t_dim d LEFT JOIN t_facts f ON f.g = d.g WHERE f.i4 > 0',
    expectSplit: true,
  },
  {
    name: 'join: LATERAL subquery per row',
    sql: `SELECT f.g, count(*), sum(x.id) FROM t_facts f
      CROSS JOIN LATERAL (SELECT d.id FROM t_dim d WHERE d.g = f.g ORDER BY d.id LIMIT 1) x GROUP BY f.g`,
    expectSplit: true,
  },
  {
    name: 'join: dimension grouped, ordered by name',
    sql: `SELECT d.dname, count(*), avg(f.i4) FROM t_facts f JOIN t_dim d ON d.g = f.g
      GROUP BY d.dname ORDER BY d.dname`,
    ordered: true,
    expectSplit: true,
  },
];
