// The demo's own queries over departments and employees (the dashboard's "Analytics" page and its neighbours).
import type { DiffCase } from '../case.ts';

export const cases: DiffCase[] = [
  {
    name: 'demo: employees by department',
    sql: `SELECT d.id, d.name, count(*) AS employees, avg(e.salary) AS avg_salary, sum(e.salary) AS payroll
      FROM employees e JOIN departments d ON d.id = e.department_id GROUP BY d.id, d.name ORDER BY d.id`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'demo: totals',
    sql: 'SELECT count(*), sum(salary), avg(salary), min(hire_date), max(hire_date), count(manager_id) FROM employees',
    expectSplit: true,
  },
  {
    name: 'demo: active and bonus by department',
    sql: `SELECT department_id, count(*) FILTER (WHERE active) AS active, avg(bonus_pct), max(bonus_pct)
      FROM employees GROUP BY department_id`,
    expectSplit: true,
  },
  {
    name: 'demo: hires per year',
    sql: 'SELECT extract(year FROM hire_date) AS year, count(*) FROM employees GROUP BY 1 ORDER BY 1',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'demo: top salaries',
    sql: 'SELECT id, first_name, last_name, salary FROM employees ORDER BY salary DESC, id LIMIT 10',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'demo: most common last names',
    sql: 'SELECT last_name, count(*) FROM employees GROUP BY last_name ORDER BY count(*) DESC, last_name LIMIT 5',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'demo: reports per manager',
    sql: `SELECT m.id, m.last_name, count(*) AS reports FROM employees e JOIN employees m ON m.id = e.manager_id
      GROUP BY m.id, m.last_name`,
    expectSplit: true,
  },
  {
    name: 'demo: above-average salaries',
    sql: 'SELECT count(*), min(salary) FROM employees WHERE salary > (SELECT avg(salary) FROM employees)',
    expectSplit: true,
  },
  {
    name: 'demo: departments with their payroll (employees nullable)',
    sql: `SELECT d.id, d.name, count(e.id), sum(e.salary) FROM departments d
      LEFT JOIN employees e ON e.department_id = d.id GROUP BY d.id, d.name`,
    expectSplit: true,
  },
  {
    name: 'demo: salary spread per department',
    sql: `SELECT department_id, stddev(salary), variance(salary), stddev_pop(salary), min(salary), max(salary)
      FROM employees GROUP BY 1`,
    expectSplit: true,
  },
  {
    name: 'demo: pay with bonus',
    sql: 'SELECT active, count(*), sum(salary * (1 + coalesce(bonus_pct, 0))) AS pay FROM employees GROUP BY active',
    expectSplit: true,
  },
  {
    name: 'demo: hires per month since 2015',
    sql: `SELECT date_trunc('month', hire_date)::date AS month, count(*) FROM employees
      WHERE hire_date >= '2015-01-01' GROUP BY 1 ORDER BY 1`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'demo: distinct departments',
    sql: 'SELECT DISTINCT department_id FROM employees ORDER BY 1 NULLS LAST',
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'demo: email filter rows',
    sql: "SELECT id, first_name, last_name, email FROM employees WHERE email LIKE '%77@%'",
    expectSplit: true,
  },
  {
    name: 'demo: distinct managers',
    sql: 'SELECT count(DISTINCT manager_id) FROM employees',
    expectSplit: true,
  },
  {
    name: 'demo: employees of S departments',
    sql: `SELECT e.id, e.email FROM employees e WHERE e.department_id IN (SELECT id FROM departments WHERE name LIKE 'S%')
      ORDER BY e.id LIMIT 25`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'demo: boolean checks',
    sql: "SELECT bool_and(salary > 0), bool_or(NOT active), every(hire_date > '1900-01-01') FROM employees",
    expectSplit: true,
  },
  {
    name: 'demo: name bounds',
    sql: 'SELECT min(last_name), max(last_name), min(email), max(email), min(first_name) FROM employees',
    expectSplit: true,
  },
  {
    name: 'demo: bonus statistics',
    sql: 'SELECT avg(bonus_pct), stddev(bonus_pct), min(bonus_pct), max(bonus_pct), count(bonus_pct) FROM employees',
    expectSplit: true,
  },
  {
    name: 'demo: names ordered by ICU collation',
    sql: `SELECT last_name, first_name, count(*) FROM employees GROUP BY last_name, first_name
      ORDER BY last_name, first_name LIMIT 20`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'demo: department share of payroll',
    sql: `SELECT department_id, round(100 * sum(salary) / (SELECT sum(salary) FROM employees), 2) AS pct
      FROM employees GROUP BY department_id`,
    expectSplit: true,
  },
  {
    name: 'demo: median salary',
    sql: 'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY salary) FROM employees',
  },
  {
    name: 'demo: department ranking',
    sql: 'SELECT department_id, sum(salary), rank() OVER (ORDER BY sum(salary) DESC) FROM employees GROUP BY department_id',
  },
];
