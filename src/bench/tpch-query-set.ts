// The benchmark's query set: ten TPC-H queries, a count(DISTINCT), a high-cardinality GROUP BY, an ORDER BY
// ... LIMIT and the demo's "Employees by Department".
import { tpchQueries } from '../data/tpch/queries.ts';

export interface BenchQuery {
  /** Short id used in tables, JSON and charts (`Q1`, `distinct`, ...). */
  id: string;
  title: string;
  sql: string;
  /** The ORDER BY fixes the row order completely, so results are compared in order. */
  ordered: boolean;
}

/** The TPC-H queries of the benchmark, with whether their ORDER BY fixes the row order. */
const TPCH: { n: number; title: string; ordered: boolean }[] = [
  { n: 1, title: 'pricing summary', ordered: true },
  { n: 3, title: 'shipping priority', ordered: true },
  { n: 4, title: 'order priority checking', ordered: true },
  { n: 5, title: 'local supplier volume', ordered: true },
  { n: 6, title: 'forecasting revenue change', ordered: false },
  { n: 10, title: 'returned item reporting', ordered: true },
  { n: 12, title: 'shipping modes', ordered: true },
  { n: 14, title: 'promotion effect', ordered: false },
  { n: 18, title: 'large volume customer', ordered: true },
  { n: 19, title: 'discounted revenue', ordered: false },
];

function tpch(n: number): string {
  const q = tpchQueries.find((x) => x.name === `q${n}`);
  if (!q) throw new Error(`no TPC-H query q${n}`);
  return q.sql;
}

export const BENCH_QUERY_SET: readonly BenchQuery[] = [
  ...TPCH.map((q) => ({
    id: `Q${q.n}`,
    title: `TPC-H Q${q.n} (${q.title})`,
    sql: tpch(q.n),
    ordered: q.ordered,
  })),
  {
    id: 'distinct',
    title: 'count(DISTINCT l_partkey)',
    sql: 'SELECT count(DISTINCT l_partkey) AS parts FROM lineitem',
    ordered: false,
  },
  {
    id: 'group-high',
    title: 'GROUP BY l_orderkey (high cardinality), top 20',
    sql: `SELECT l_orderkey, sum(l_quantity) AS qty, count(*) AS lines FROM lineitem
GROUP BY l_orderkey ORDER BY qty DESC, l_orderkey LIMIT 20`,
    ordered: true,
  },
  {
    id: 'top-n',
    title: 'ORDER BY l_extendedprice DESC LIMIT 10',
    sql: `SELECT l_orderkey, l_linenumber, l_extendedprice FROM lineitem
ORDER BY l_extendedprice DESC, l_orderkey, l_linenumber LIMIT 10`,
    ordered: true,
  },
  {
    id: 'employees',
    title: 'Employees by Department (demo)',
    sql: `SELECT d.name, count(*), avg(e.salary) FROM employees e JOIN departments d ON d.id = e.department_id
GROUP BY d.name ORDER BY 2 DESC, 1`,
    ordered: true,
  },
];
