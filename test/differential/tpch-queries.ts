// The 22 TPC-H queries, shared with the benchmark: one copy lives in src/data/tpch/queries.ts.
export { tpchQueries } from '../../src/data/tpch/queries.ts';
