// The benchmark's data: TPC-H at a scale factor plus the demo tables, loaded once and recorded in a marker table.
import pg from 'pg';
import { loadDataset } from '../cli/datasets.ts';

/** One row per loaded data set (`demo`, `tpch-sf0.1`); another TPC-H scale factor replaces the TPC-H row. */
const MARKER = 'mini_balancer_bench_data';

export interface DataStatus {
  scaleFactor: number;
  /** Whether this run loaded anything (then it also ran VACUUM ANALYZE). */
  loaded: boolean;
  /** Load time of the TPC-H data, as recorded when it was loaded (this run or an earlier one). */
  loadMs: number | null;
}

/**
 * Makes sure the database holds the demo data and TPC-H at `scaleFactor`: loads what the marker table does not
 * record (with a progress bar; TPC-H at another scale factor is replaced), then runs VACUUM ANALYZE.
 *
 * @example
 *   const status = await ensureBenchData(databaseUrl, 0.1);
 */
export async function ensureBenchData(databaseUrl: string, scaleFactor: number): Promise<DataStatus> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${MARKER} (dataset text PRIMARY KEY, load_ms double precision NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now())`,
    );
    const tpchName = `tpch-sf${scaleFactor}`;
    const have = new Map(
      (
        await client.query<{ dataset: string; load_ms: number }>(`SELECT dataset, load_ms FROM ${MARKER}`)
      ).rows.map((r) => [r.dataset, r.load_ms]),
    );
    let loaded = false;
    for (const dataset of [{ kind: 'demo' as const }, { kind: 'tpch' as const, scaleFactor }]) {
      const name = dataset.kind === 'demo' ? 'demo' : tpchName;
      if (have.has(name)) continue;
      if (dataset.kind === 'tpch') await client.query(`DELETE FROM ${MARKER} WHERE dataset LIKE 'tpch-%'`);
      const t0 = performance.now();
      await loadDataset(client, dataset);
      const ms = performance.now() - t0;
      await client.query(`INSERT INTO ${MARKER} (dataset, load_ms) VALUES ($1, $2)`, [name, ms]);
      have.set(name, ms);
      loaded = true;
    }
    if (loaded) await client.query('VACUUM ANALYZE');
    return { scaleFactor, loaded, loadMs: have.get(tpchName) ?? null };
  } finally {
    await client.end().catch(() => {});
  }
}
