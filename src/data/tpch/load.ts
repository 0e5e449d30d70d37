// Loads TPC-H at a scale factor: creates the 8 tables, streams generated rows with COPY, adds keys, analyzes.
import type pg from 'pg';
import { type CopyBatch, rangeBatches } from '../copy.ts';
import { inTransaction, loadTable, type TableLoad } from '../load-table.ts';
import { renderNations, renderRegions } from './nations.ts';
import { lineitemCount, renderLineitems, renderOrders } from './orders.ts';
import { renderPartSupps, renderParts } from './parts.ts';
import { type TpchContext, tpchContext } from './scale.ts';
import { TPCH_CONSTRAINTS, TPCH_DROP, TPCH_TABLES } from './schema.ts';
import { renderCustomers, renderSuppliers } from './suppliers.ts';
import { textPool } from './text.ts';

export interface TpchLoadOptions {
  /** TPC-H scale factor: 1 is ~6M lineitem rows, 0.01 is ~60k. */
  scaleFactor: number;
  /** Seed of all random choices (default 42): same seed and scale factor, same data. */
  seed?: number;
  /** Called as rows are sent, with rows done and rows in total over all tables. */
  onProgress?: (done: number, total: number) => void;
}

/** Units (rows, parts or orders) rendered per COPY chunk: chunks of 100-500 kB. */
const BATCH = 1_000;

type Render = (ctx: TpchContext, from: number, to: number) => CopyBatch;

function tableLoads(ctx: TpchContext): TableLoad[] {
  const { counts } = ctx;
  const ranged = (units: number, render: Render) => () =>
    rangeBatches(units, BATCH, (from, to) => render(ctx, from, to));
  const sources: Record<string, Pick<TableLoad, 'rows' | 'batches'>> = {
    region: { rows: 5, batches: () => [renderRegions(ctx)] },
    nation: { rows: 25, batches: () => [renderNations(ctx)] },
    supplier: { rows: counts.suppliers, batches: ranged(counts.suppliers, renderSuppliers) },
    part: { rows: counts.parts, batches: ranged(counts.parts, renderParts) },
    partsupp: { rows: counts.parts * 4, batches: ranged(counts.parts, renderPartSupps) },
    customer: { rows: counts.customers, batches: ranged(counts.customers, renderCustomers) },
    orders: { rows: counts.orders, batches: ranged(counts.orders, renderOrders) },
    lineitem: { rows: lineitemCount(ctx), batches: ranged(counts.orders, renderLineitems) },
  };
  return TPCH_TABLES.map((table) => {
    const source = sources[table.name];
    if (source === undefined) throw new Error(`no generator for TPC-H table ${table.name}`);
    return { ...table, ...source };
  });
}

/**
 * Drops and recreates the TPC-H tables and fills them with dbgen-like data at `scaleFactor`, generated and
 * streamed chunk by chunk (memory stays flat at any scale; each table in its own transaction, so the client
 * must not be in one). Adds the primary keys and indexes on orders(o_custkey) and lineitem(l_partkey,
 * l_suppkey), then runs ANALYZE.
 *
 * @example
 *   const { tables } = await loadTpch(client, { scaleFactor: 0.01, seed: 42 });
 *   // tables: [{ name: 'region', rows: 5 }, ..., { name: 'lineitem', rows: 59730 }]
 */
export async function loadTpch(
  client: pg.ClientBase,
  opts: TpchLoadOptions,
): Promise<{ tables: { name: string; rows: number }[] }> {
  const seed = opts.seed ?? 42;
  const ctx = tpchContext(opts.scaleFactor, seed, textPool(seed));
  const loads = tableLoads(ctx);
  const total = loads.reduce((sum, t) => sum + t.rows, 0);
  let done = 0;
  opts.onProgress?.(0, total);

  await client.query(TPCH_DROP);
  const tables: { name: string; rows: number }[] = [];
  for (const table of loads) {
    const rows = await loadTable(client, table, (n) => {
      done += n;
      opts.onProgress?.(done, total);
    });
    tables.push({ name: table.name, rows });
  }
  await inTransaction(client, async () => {
    // Index builds sort whole tables: give them more memory than the 64 MB default, for this transaction only.
    await client.query(`SET LOCAL maintenance_work_mem = '512MB'`);
    for (const statement of TPCH_CONSTRAINTS) await client.query(statement);
  });
  await client.query(`ANALYZE ${loads.map((t) => t.name).join(', ')}`);
  return { tables };
}
