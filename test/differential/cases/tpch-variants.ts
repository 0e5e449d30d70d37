// TPC-H-shaped variations (other dates, extra aggregates, other keys); the 22 queries themselves are in tpch-queries.ts.
import type { DiffCase } from '../case.ts';

export const cases: DiffCase[] = [
  {
    name: 'tpch: pricing summary, other cutoff',
    sql: `SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice * (1 - l_discount)) AS disc,
      avg(l_discount) AS avg_disc, count(*) AS n, stddev(l_quantity), max(l_shipdate)
      FROM lineitem WHERE l_shipdate <= DATE '1996-06-30' GROUP BY 1, 2 ORDER BY 1, 2`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'tpch: forecast revenue, other year',
    sql: `SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem
      WHERE l_shipdate >= DATE '1995-01-01' AND l_shipdate < DATE '1996-01-01'
      AND l_discount BETWEEN 0.02 AND 0.04 AND l_quantity < 30`,
    expectSplit: true,
  },
  {
    name: 'tpch: shipping priority, other segment',
    sql: `SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority
      FROM customer, orders, lineitem
      WHERE c_mktsegment = 'MACHINERY' AND c_custkey = o_custkey AND l_orderkey = o_orderkey
      AND o_orderdate < DATE '1995-06-01' AND l_shipdate > DATE '1995-06-01'
      GROUP BY l_orderkey, o_orderdate, o_shippriority ORDER BY revenue DESC, o_orderdate, l_orderkey LIMIT 10`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'tpch: local supplier volume, every region',
    sql: `SELECT r_name, n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue
      FROM customer, orders, lineitem, supplier, nation, region
      WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey
      AND c_nationkey = s_nationkey AND s_nationkey = n_nationkey AND n_regionkey = r_regionkey
      AND o_orderdate >= DATE '1993-01-01' AND o_orderdate < DATE '1995-01-01'
      GROUP BY r_name, n_name ORDER BY r_name, n_name`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'tpch: returned items by customer',
    sql: `SELECT c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) AS revenue, c_acctbal, n_name
      FROM customer, orders, lineitem, nation
      WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND o_orderdate >= DATE '1994-01-01'
      AND o_orderdate < DATE '1994-07-01' AND l_returnflag = 'R' AND c_nationkey = n_nationkey
      GROUP BY c_custkey, c_name, c_acctbal, n_name ORDER BY revenue DESC, c_custkey LIMIT 20`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'tpch: shipping modes and priority, all modes',
    sql: `SELECT l_shipmode,
      sum(CASE WHEN o_orderpriority IN ('1-URGENT', '2-HIGH') THEN 1 ELSE 0 END) AS high_line_count,
      sum(CASE WHEN o_orderpriority NOT IN ('1-URGENT', '2-HIGH') THEN 1 ELSE 0 END) AS low_line_count
      FROM orders, lineitem WHERE o_orderkey = l_orderkey AND l_commitdate < l_receiptdate
      AND l_shipdate < l_commitdate AND l_receiptdate >= DATE '1993-01-01' AND l_receiptdate < DATE '1997-01-01'
      GROUP BY l_shipmode ORDER BY l_shipmode`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'tpch: promotion effect, other month',
    sql: `SELECT 100.00 * sum(CASE WHEN p_type LIKE 'PROMO%' THEN l_extendedprice * (1 - l_discount) ELSE 0 END)
      / sum(l_extendedprice * (1 - l_discount)) AS promo_revenue
      FROM lineitem, part WHERE l_partkey = p_partkey AND l_shipdate >= DATE '1996-03-01' AND l_shipdate < DATE '1996-04-01'`,
    expectSplit: true,
  },
  {
    name: 'tpch: order priority checking, other quarter',
    sql: `SELECT o_orderpriority, count(*) AS order_count FROM orders
      WHERE o_orderdate >= DATE '1996-01-01' AND o_orderdate < DATE '1996-04-01'
      AND EXISTS (SELECT * FROM lineitem WHERE l_orderkey = o_orderkey AND l_commitdate < l_receiptdate)
      GROUP BY o_orderpriority ORDER BY o_orderpriority`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'tpch: customer distribution (nested aggregation)',
    sql: `SELECT c_count, count(*) AS custdist FROM (SELECT c_custkey, count(o_orderkey) AS c_count
      FROM customer LEFT OUTER JOIN orders ON c_custkey = o_custkey AND o_comment NOT LIKE '%special%requests%'
      GROUP BY c_custkey) AS c_orders GROUP BY c_count ORDER BY custdist DESC, c_count DESC`,
    ordered: true,
  },
  {
    name: 'tpch: large orders, lower threshold',
    sql: `SELECT c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice, sum(l_quantity)
      FROM customer, orders, lineitem
      WHERE o_orderkey IN (SELECT l_orderkey FROM lineitem GROUP BY l_orderkey HAVING sum(l_quantity) > 250)
      AND c_custkey = o_custkey AND o_orderkey = l_orderkey
      GROUP BY c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice
      ORDER BY o_totalprice DESC, o_orderdate, o_orderkey LIMIT 100`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'tpch: revenue per ship year',
    sql: `SELECT extract(year FROM l_shipdate) AS y, sum(l_extendedprice) AS gross, avg(l_extendedprice), count(*)
      FROM lineitem GROUP BY 1 ORDER BY 1`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'tpch: distinct suppliers per return flag',
    sql: 'SELECT l_returnflag, count(DISTINCT l_suppkey), count(*) FROM lineitem GROUP BY l_returnflag',
    expectSplit: true,
  },
  {
    name: 'tpch: per ship mode statistics',
    sql: `SELECT l_shipmode, min(l_shipdate), max(l_receiptdate), avg(l_quantity), stddev(l_extendedprice),
      var_pop(l_discount) FROM lineitem GROUP BY l_shipmode`,
    expectSplit: true,
  },
  {
    name: 'tpch: orders by status',
    sql: 'SELECT o_orderstatus, count(*), sum(o_totalprice), avg(o_totalprice), max(o_orderdate) FROM orders GROUP BY 1',
    expectSplit: true,
  },
  {
    name: 'tpch: most valuable parts in stock',
    sql: `SELECT ps_partkey, sum(ps_supplycost * ps_availqty) AS value FROM partsupp GROUP BY ps_partkey
      ORDER BY value DESC, ps_partkey LIMIT 20`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'tpch: most expensive line items',
    sql: `SELECT l_orderkey, l_linenumber, l_extendedprice FROM lineitem
      ORDER BY l_extendedprice DESC, l_orderkey, l_linenumber LIMIT 15`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'tpch: customers per nation',
    sql: `SELECT n_nationkey, n_name, count(*), sum(c_acctbal) FROM customer JOIN nation ON n_nationkey = c_nationkey
      GROUP BY n_nationkey, n_name ORDER BY n_nationkey`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'tpch: line items of early orders',
    sql: `SELECT count(*), sum(l_quantity) FROM lineitem
      WHERE l_orderkey IN (SELECT o_orderkey FROM orders WHERE o_orderdate < DATE '1993-01-01')`,
    expectSplit: true,
  },
  {
    name: 'tpch: distinct suppliers per brand and size',
    sql: `SELECT p_brand, p_size, count(DISTINCT ps_suppkey) AS supplier_cnt FROM partsupp JOIN part ON p_partkey = ps_partkey
      WHERE p_size IN (1, 5, 9, 14) GROUP BY p_brand, p_size ORDER BY supplier_cnt DESC, p_brand, p_size LIMIT 20`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'tpch: filtered quantities per line status',
    sql: `SELECT l_linestatus, sum(l_quantity) FILTER (WHERE l_returnflag = 'R'), avg(l_tax), count(*) FILTER (WHERE l_discount = 0)
      FROM lineitem GROUP BY 1`,
    expectSplit: true,
  },
  {
    name: 'tpch: orders without line items of a mode',
    sql: `SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM lineitem l WHERE l.l_orderkey = o.o_orderkey
      AND l.l_shipmode = 'AIR')`,
    expectSplit: true,
  },
  {
    name: 'tpch: supplier balance by nation and region',
    sql: `SELECT r_name, count(*), sum(s_acctbal), min(s_acctbal) FROM supplier JOIN nation ON n_nationkey = s_nationkey
      JOIN region ON r_regionkey = n_regionkey GROUP BY r_name ORDER BY r_name`,
    ordered: true,
    expectSplit: true,
  },
  {
    name: 'tpch: revenue per month and mode',
    sql: `SELECT date_trunc('month', l_shipdate) AS m, l_shipmode, sum(l_extendedprice * (1 - l_discount) * (1 + l_tax))
      FROM lineitem WHERE l_shipdate >= DATE '1997-01-01' GROUP BY 1, 2`,
    expectSplit: true,
  },
  {
    name: 'tpch: part sizes with orders joined',
    sql: `SELECT p_size, count(*), sum(l_quantity), avg(p_retailprice) FROM lineitem JOIN part ON p_partkey = l_partkey
      WHERE p_size < 5 GROUP BY p_size ORDER BY p_size`,
    ordered: true,
    expectSplit: true,
  },
];
