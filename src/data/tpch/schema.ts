// TPC-H DDL (spec clause 1.4): the 8 tables with the spec's column types, their primary keys and indexes.

/** Table definitions in load order; keys are added after the data is in (faster than checking per row). */
export const TPCH_TABLES: readonly { name: string; columns: string }[] = [
  {
    name: 'region',
    columns: `r_regionkey integer NOT NULL, r_name char(25) NOT NULL, r_comment varchar(152) NOT NULL`,
  },
  {
    name: 'nation',
    columns: `n_nationkey integer NOT NULL, n_name char(25) NOT NULL, n_regionkey integer NOT NULL,
      n_comment varchar(152) NOT NULL`,
  },
  {
    name: 'supplier',
    columns: `s_suppkey integer NOT NULL, s_name char(25) NOT NULL, s_address varchar(40) NOT NULL,
      s_nationkey integer NOT NULL, s_phone char(15) NOT NULL, s_acctbal numeric(15,2) NOT NULL,
      s_comment varchar(101) NOT NULL`,
  },
  {
    name: 'part',
    columns: `p_partkey integer NOT NULL, p_name varchar(55) NOT NULL, p_mfgr char(25) NOT NULL,
      p_brand char(10) NOT NULL, p_type varchar(25) NOT NULL, p_size integer NOT NULL,
      p_container char(10) NOT NULL, p_retailprice numeric(15,2) NOT NULL, p_comment varchar(23) NOT NULL`,
  },
  {
    name: 'partsupp',
    columns: `ps_partkey integer NOT NULL, ps_suppkey integer NOT NULL, ps_availqty integer NOT NULL,
      ps_supplycost numeric(15,2) NOT NULL, ps_comment varchar(199) NOT NULL`,
  },
  {
    name: 'customer',
    columns: `c_custkey integer NOT NULL, c_name varchar(25) NOT NULL, c_address varchar(40) NOT NULL,
      c_nationkey integer NOT NULL, c_phone char(15) NOT NULL, c_acctbal numeric(15,2) NOT NULL,
      c_mktsegment char(10) NOT NULL, c_comment varchar(117) NOT NULL`,
  },
  {
    name: 'orders',
    columns: `o_orderkey integer NOT NULL, o_custkey integer NOT NULL, o_orderstatus char(1) NOT NULL,
      o_totalprice numeric(15,2) NOT NULL, o_orderdate date NOT NULL, o_orderpriority char(15) NOT NULL,
      o_clerk char(15) NOT NULL, o_shippriority integer NOT NULL, o_comment varchar(79) NOT NULL`,
  },
  {
    name: 'lineitem',
    columns: `l_orderkey integer NOT NULL, l_partkey integer NOT NULL, l_suppkey integer NOT NULL,
      l_linenumber integer NOT NULL, l_quantity numeric(15,2) NOT NULL, l_extendedprice numeric(15,2) NOT NULL,
      l_discount numeric(15,2) NOT NULL, l_tax numeric(15,2) NOT NULL, l_returnflag char(1) NOT NULL,
      l_linestatus char(1) NOT NULL, l_shipdate date NOT NULL, l_commitdate date NOT NULL,
      l_receiptdate date NOT NULL, l_shipinstruct char(25) NOT NULL, l_shipmode char(10) NOT NULL,
      l_comment varchar(44) NOT NULL`,
  },
];

/** Primary keys and secondary indexes, run after loading. */
export const TPCH_CONSTRAINTS: readonly string[] = [
  'ALTER TABLE region ADD PRIMARY KEY (r_regionkey)',
  'ALTER TABLE nation ADD PRIMARY KEY (n_nationkey)',
  'ALTER TABLE supplier ADD PRIMARY KEY (s_suppkey)',
  'ALTER TABLE part ADD PRIMARY KEY (p_partkey)',
  'ALTER TABLE partsupp ADD PRIMARY KEY (ps_partkey, ps_suppkey)',
  'ALTER TABLE customer ADD PRIMARY KEY (c_custkey)',
  'ALTER TABLE orders ADD PRIMARY KEY (o_orderkey)',
  'ALTER TABLE lineitem ADD PRIMARY KEY (l_orderkey, l_linenumber)',
  'CREATE INDEX orders_o_custkey_idx ON orders (o_custkey)',
  // Q17 and Q20 correlate on these: without it each runs for minutes at SF 1 (with it, a few seconds).
  'CREATE INDEX lineitem_l_partkey_l_suppkey_idx ON lineitem (l_partkey, l_suppkey)',
];

/** Drops all TPC-H tables (no foreign keys between them, so in any order). */
export const TPCH_DROP = `DROP TABLE IF EXISTS ${TPCH_TABLES.map((t) => t.name)
  .reverse()
  .join(', ')}`;
