// Integration tests for the TPC-H loader: loads SF 0.01 into a private database and checks the spec's rules.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tpchQueries } from '../../../test/differential/tpch-queries.ts';
import { withDatabase } from '../../pg/embedded.ts';
import {
  COLORS,
  CONTAINERS,
  INSTRUCTIONS,
  NATIONS,
  PART_TYPES,
  PRIORITIES,
  SEGMENTS,
  SHIP_MODES,
} from './distributions.ts';
import { loadTpch } from './load.ts';

const database = `mb_data_tpch_${process.pid}_${Date.now()}`;
let admin: pg.Client;
let client: pg.Client;
let loaded: { tables: { name: string; rows: number }[] };
const progress: [number, number][] = [];

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const result = await client.query<{ n: string }>(
    `select count(*) as n from (${sql}) as violations`,
    params,
  );
  return Number(result.rows[0]?.n);
}

/** md5 of every row of each table in key order. */
async function tableHashes(): Promise<Record<string, string>> {
  const keys: Record<string, string> = {
    region: 'r_regionkey',
    nation: 'n_nationkey',
    supplier: 's_suppkey',
    part: 'p_partkey',
    partsupp: 'ps_partkey, ps_suppkey',
    customer: 'c_custkey',
    orders: 'o_orderkey',
    lineitem: 'l_orderkey, l_linenumber',
  };
  const hashes: Record<string, string> = {};
  for (const [table, key] of Object.entries(keys)) {
    const r = await client.query(`select md5(string_agg(t::text, '|' order by ${key})) as h from ${table} t`);
    hashes[table] = r.rows[0].h;
  }
  return hashes;
}

beforeAll(async () => {
  const url = inject('databaseUrl');
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  client = new pg.Client({ connectionString: withDatabase(url, database) });
  await client.connect();
  loaded = await loadTpch(client, {
    scaleFactor: 0.01,
    seed: 42,
    onProgress: (d, t) => progress.push([d, t]),
  });
});

afterAll(async () => {
  await client?.end();
  await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin?.end();
});

describe('loadTpch at SF 0.01', () => {
  it.each([
    ['region', 5],
    ['nation', 25],
    ['supplier', 100],
    ['part', 2_000],
    ['partsupp', 8_000],
    ['customer', 1_500],
    ['orders', 15_000],
    ['lineitem', 59_730], // 1-7 lines per order; this count is seed 42's
  ])('loads %s with %d rows', async (table, rows) => {
    expect(await count(`select * from ${table}`)).toBe(rows);
    expect(loaded.tables.find((t) => t.name === table)?.rows).toBe(rows);
  });

  it('reports progress by rows up to the total', () => {
    const total = 86_360;
    expect(progress[0]).toEqual([0, total]);
    expect(progress.at(-1)).toEqual([total, total]);
    expect(progress.every(([done], i) => i === 0 || done > (progress[i - 1]?.[0] ?? 0))).toBe(true);
    expect(progress.length).toBeGreaterThan(30); // batches of 1,000 rows, parts or orders
  });

  it.each([
    ['region', 'r_regionkey'],
    ['nation', 'n_nationkey'],
    ['supplier', 's_suppkey'],
    ['part', 'p_partkey'],
    ['partsupp', 'ps_partkey, ps_suppkey'],
    ['customer', 'c_custkey'],
    ['orders', 'o_orderkey'],
    ['lineitem', 'l_orderkey, l_linenumber'],
  ])('%s has primary key (%s)', async (table, key) => {
    const r = await client.query(
      `select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = $1::regclass and contype = 'p'`,
      [table],
    );
    expect(r.rows[0]?.def).toBe(`PRIMARY KEY (${key})`);
    expect(await count(`select ${key} from ${table} group by ${key} having count(*) > 1`)).toBe(0);
  });

  it.each([
    ['lineitem', 'l_quantity', 'numeric(15,2)'],
    ['lineitem', 'l_shipdate', 'date'],
    ['lineitem', 'l_returnflag', 'character(1)'],
    ['lineitem', 'l_comment', 'character varying(44)'],
    ['orders', 'o_orderkey', 'integer'],
    ['orders', 'o_totalprice', 'numeric(15,2)'],
    ['part', 'p_name', 'character varying(55)'],
    ['supplier', 's_name', 'character(25)'],
    ['customer', 'c_phone', 'character(15)'],
  ])('%s.%s is %s', async (table, column, type) => {
    const r = await client.query(
      `select format_type(atttypid, atttypmod) as t from pg_attribute where attrelid = $1::regclass and attname = $2`,
      [table, column],
    );
    expect(r.rows[0]?.t).toBe(type);
  });

  it('has the secondary indexes and statistics', async () => {
    const indexes = `select * from pg_indexes where indexname in ('orders_o_custkey_idx', 'lineitem_l_partkey_l_suppkey_idx')`;
    expect(await count(indexes)).toBe(2);
    expect(await count(`select * from pg_stats where tablename = 'lineitem'`)).toBe(16);
  });

  it('has the spec nations and regions', async () => {
    const r = await client.query(
      `select n_nationkey, trim(n_name) as name, n_regionkey from nation order by n_nationkey`,
    );
    expect(r.rows.map((row) => [row.name, row.n_regionkey])).toEqual(NATIONS);
  });

  it.each<[string, string, unknown[]?]>([
    [
      'l_extendedprice = l_quantity * p_retailprice',
      'select 1 from lineitem join part on p_partkey = l_partkey where l_extendedprice <> l_quantity * p_retailprice',
    ],
    [
      'lineitem (part, supplier) is in partsupp',
      'select 1 from lineitem left join partsupp on ps_partkey = l_partkey and ps_suppkey = l_suppkey where ps_partkey is null',
    ],
    [
      'l_returnflag: R/A when received by 1995-06-17, else N',
      `select 1 from lineitem where l_returnflag not in ('R', 'A', 'N')
         or (l_receiptdate <= date '1995-06-17') <> (l_returnflag in ('R', 'A'))`,
    ],
    [
      'l_linestatus: O when shipped after 1995-06-17, else F',
      `select 1 from lineitem where l_linestatus <> case when l_shipdate > date '1995-06-17' then 'O' else 'F' end`,
    ],
    [
      'lineitem dates follow the order date',
      `select 1 from lineitem join orders on o_orderkey = l_orderkey where l_shipdate - o_orderdate not between 1 and 121
         or l_commitdate - o_orderdate not between 30 and 90 or l_receiptdate - l_shipdate not between 1 and 30`,
    ],
    [
      'lineitem quantities, discounts and taxes',
      `select 1 from lineitem where l_quantity not between 1 and 50 or l_quantity <> trunc(l_quantity)
         or l_discount not between 0 and 0.10 or l_tax not between 0 and 0.08`,
    ],
    [
      'lineitem word lists',
      'select 1 from lineitem where l_shipmode <> all($1) or l_shipinstruct <> all($2)',
      [SHIP_MODES, INSTRUCTIONS],
    ],
    [
      'each order has lines 1..n, n <= 7',
      `select 1 from orders left join (select l_orderkey, count(*) c, min(l_linenumber) lo, max(l_linenumber) hi
         from lineitem group by l_orderkey) l on l_orderkey = o_orderkey where c is null or lo <> 1 or hi <> c or c > 7`,
    ],
    [
      'o_totalprice is the sum of discounted, taxed lines',
      `select 1 from orders join (select l_orderkey, sum(trunc(trunc(l_extendedprice * (1 - l_discount), 2) * (1 + l_tax), 2)) t
         from lineitem group by l_orderkey) l on l_orderkey = o_orderkey where o_totalprice <> t`,
    ],
    [
      'o_orderstatus from line statuses',
      `select 1 from orders join (select l_orderkey, bool_and(l_linestatus = 'F') f, bool_and(l_linestatus = 'O') o
         from lineitem group by l_orderkey) l on l_orderkey = o_orderkey
         where o_orderstatus <> case when f then 'F' when o then 'O' else 'P' end`,
    ],
    [
      'orders: sparse keys, customers not divisible by 3, dates, clerks',
      `select 1 from orders left join customer on c_custkey = o_custkey where c_custkey is null or o_custkey % 3 = 0
         or o_orderkey % 32 >= 8 or o_orderdate not between date '1992-01-01' and date '1998-08-02'
         or o_shippriority <> 0 or o_clerk !~ '^Clerk#\\d{9}$' or substr(o_clerk, 7)::int not between 1 and 10
         or o_orderpriority <> all($1)`,
      [PRIORITIES],
    ],
    [
      'part: names of 5 distinct colors, brand from manufacturer, types, sizes, containers, price formula',
      `select 1 from part where (select count(distinct w) from unnest(string_to_array(p_name, ' ')) w where w = any($1)) <> 5
         or p_mfgr::text !~ '^Manufacturer#[1-5]$' or p_brand::text !~ ('^Brand#' || substr(p_mfgr, 14, 1) || '[1-5]$')
         or p_type <> all($2) or p_container <> all($3) or p_size not between 1 and 50
         or p_retailprice * 100 <> 90000 + (p_partkey / 10) % 20001 + 100 * (p_partkey % 1000)`,
      [COLORS, PART_TYPES, CONTAINERS],
    ],
    [
      'partsupp values',
      'select 1 from partsupp where ps_availqty not between 1 and 9999 or ps_supplycost not between 1 and 1000',
    ],
    [
      'customer: names, phones by nation, balances, segments',
      `select 1 from customer where c_name <> 'Customer#' || lpad(c_custkey::text, 9, '0')
         or c_phone !~ '^\\d\\d-\\d{3}-\\d{3}-\\d{4}$' or substr(c_phone, 1, 2)::int <> c_nationkey + 10
         or c_acctbal not between -999.99 and 9999.99 or c_mktsegment <> all($1) or c_nationkey not between 0 and 24`,
      [SEGMENTS],
    ],
    [
      'supplier: names, phones by nation, balances',
      `select 1 from supplier where s_name <> 'Supplier#' || lpad(s_suppkey::text, 9, '0')
         or substr(s_phone, 1, 2)::int <> s_nationkey + 10 or s_acctbal not between -999.99 and 9999.99`,
    ],
    [
      'comment lengths',
      `select 1 from lineitem where length(l_comment) not between 10 and 43 union all
       select 1 from orders where length(o_comment) not between 19 and 78 union all
       select 1 from partsupp where length(ps_comment) not between 49 and 198 union all
       select 1 from supplier where length(s_comment) not between 25 and 100`,
    ],
  ])('%s', async (_rule, sql, params) => {
    expect(await count(sql, params)).toBe(0);
  });

  it.each([
    ["supplier where s_comment like '%Customer%Complaints%'", 1],
    ["supplier where s_comment like '%Customer%Recommends%'", 1],
    ["orders where o_comment like '%special%requests%'", 159],
    ["part where p_name like '%green%'", 110],
    ["customer where c_mktsegment = 'BUILDING'", 289],
  ])('select from %s has %d rows', async (from, rows) => {
    expect(await count(`select * from ${from}`)).toBe(rows);
  });
});

describe('TPC-H queries at SF 0.01', () => {
  const expectedRows: Record<string, number> = {
    q1: 4,
    q2: 10,
    q3: 10,
    q4: 5,
    q5: 5,
    q6: 1,
    q7: 4,
    q8: 2,
    q9: 168,
    q10: 20,
    q11: 224,
    q12: 2,
    q13: 32,
    q14: 1,
    q15: 1,
    q16: 315,
    q17: 1,
    q18: 0,
    q19: 1,
    q20: 2,
    q21: 2,
    q22: 7,
  };

  it('has all 22 queries', () => {
    expect(tpchQueries.map((q) => q.name)).toEqual(Object.keys(expectedRows));
  });

  it.each(tpchQueries)('$name runs and returns the expected number of rows', async ({ name, sql }) => {
    const result = await client.query(sql);
    expect(result.rowCount).toBe(expectedRows[name]);
  });
});

// Runs last: it reloads the tables (ending with the same seed-42 data the tests above read).
describe('determinism', () => {
  it('loads the same data for the same seed and different data for another', async () => {
    const first = await tableHashes();
    await loadTpch(client, { scaleFactor: 0.01, seed: 7 });
    const other = await tableHashes();
    await loadTpch(client, { scaleFactor: 0.01, seed: 42 });
    expect(await tableHashes()).toEqual(first);
    for (const table of ['supplier', 'part', 'partsupp', 'customer', 'orders', 'lineitem']) {
      expect(other[table], table).not.toBe(first[table]);
    }
  });
});
