// Replaces one table with generated rows in one transaction: drop, create, COPY FREEZE, commit.
import type pg from 'pg';
import { type CopyBatch, copyBatches } from './copy.ts';

/** A table to (re)create and fill. */
export interface TableLoad {
  name: string;
  /** Column definitions, as inside `CREATE TABLE name (...)`. */
  columns: string;
  /** Rows the batches will produce (checked against what COPY reports). */
  rows: number;
  batches: () => Iterable<CopyBatch>;
}

/**
 * Runs `fn` in a transaction (ROLLBACK on error). The client must not already be in one.
 *
 * @example
 *   await inTransaction(client, () => client.query('CREATE TABLE t (a int)'));
 */
export async function inTransaction<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Drops and recreates `table` and streams its rows in with COPY FREEZE, all in one transaction: the rows are
 * written already frozen and all-visible, so no later VACUUM has to rewrite every page to set hint bits.
 * Resolves with the row count.
 */
export async function loadTable(
  client: pg.ClientBase,
  table: TableLoad,
  onRows?: (rows: number) => void,
): Promise<number> {
  return await inTransaction(client, async () => {
    await client.query(`DROP TABLE IF EXISTS ${table.name}`);
    await client.query(`CREATE TABLE ${table.name} (${table.columns})`);
    const rows = await copyBatches(client, table.name, table.batches(), onRows, { freeze: true });
    if (rows !== table.rows)
      throw new Error(`${table.name}: expected ${table.rows} rows, COPY loaded ${rows}`);
    return rows;
  });
}
