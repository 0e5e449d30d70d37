// The preset statements of the Analytics page: the demo's own and a few TPC-H-shaped ones (SF 0.01 data).
import type { QueryMode } from './types.ts';

export interface Preset {
  name: string;
  sql: string;
  mode: QueryMode;
}

export const PRESETS: readonly Preset[] = [
  {
    name: 'Employees by Department',
    mode: 'parallel',
    sql: `SELECT d.name AS department, count(*) AS employees, round(avg(e.salary), 2) AS avg_salary
FROM employees e
JOIN departments d ON d.id = e.department_id
GROUP BY d.name
ORDER BY employees DESC, department`,
  },
  {
    name: 'TPC-H Q1: pricing summary',
    mode: 'auto',
    sql: `SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty,
  sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
  avg(l_discount) AS avg_disc, count(*) AS count_order
FROM lineitem
WHERE l_shipdate <= date '1998-12-01' - interval '90 day'
GROUP BY l_returnflag, l_linestatus
ORDER BY l_returnflag, l_linestatus`,
  },
  {
    name: 'TPC-H Q6: revenue change',
    mode: 'auto',
    sql: `SELECT sum(l_extendedprice * l_discount) AS revenue
FROM lineitem
WHERE l_shipdate >= date '1994-01-01' AND l_shipdate < date '1994-01-01' + interval '1 year'
  AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24`,
  },
  {
    name: 'Orders by priority',
    mode: 'auto',
    sql: `SELECT o_orderpriority, count(*) AS order_count, sum(o_totalprice) AS total
FROM orders
GROUP BY o_orderpriority
ORDER BY o_orderpriority`,
  },
  {
    name: 'Top customers by revenue',
    mode: 'auto',
    sql: `SELECT c.c_name, sum(o.o_totalprice) AS revenue, count(*) AS orders
FROM orders o
JOIN customer c ON c.c_custkey = o.o_custkey
GROUP BY c.c_name
ORDER BY revenue DESC, c.c_name
LIMIT 20`,
  },
];
