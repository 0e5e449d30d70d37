// A throwaway PostgreSQL cluster configured as pg_regress configures its --temp-instance, on loopback with trust auth.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { asPgUser, freePort, giveToPgUser, onCleanup, runChecked } from './processes.ts';

/** The bootstrap superuser; pg_regress connects as it. */
export const SUPERUSER = 'postgres';

export interface Cluster {
  port: number;
  dataDir: string;
  logFile: string;
  /** A connection URL for `database` as the superuser. */
  url(database: string): string;
  /** Fast shutdown (immediate if that does not finish); idempotent. */
  stop(): void;
}

/**
 * `pg_regress --temp-instance` appends these (src/test/regress/pg_regress.c); the logging settings make
 * the server log useful when a test fails. `log_statement` lets the harness count the statements the
 * gateway split (the coordinator's `pg_export_snapshot()` calls); logging changes no test's output.
 */
const REGRESS_SETTINGS = `
# Configuration added by pg_regress
log_autovacuum_min_duration = 0
log_checkpoints = on
log_line_prefix = '%m %b[%p] %q%a '
log_lock_waits = on
log_temp_files = 128kB
max_prepared_transactions = 2

# Added by scripts/pg-regress
fsync = off
log_statement = 'all'
`;

/**
 * initdb (as pg_regress does: --no-sync; C locale, UTF8) into `dir`, then starts the server on a free
 * loopback port. The server is stopped on exit.
 *
 * @example
 *   const cluster = await startCluster({ bindir: '/usr/lib/postgresql/15/bin', dir: '/tmp/x/direct' });
 *   cluster.stop();
 */
export async function startCluster(opts: { bindir: string; dir: string }): Promise<Cluster> {
  fs.mkdirSync(opts.dir, { recursive: true });
  giveToPgUser(opts.dir);
  const dataDir = path.join(opts.dir, 'data');
  const logFile = path.join(opts.dir, 'postgres.log');
  const bin = (name: string) => path.join(opts.bindir, name);
  runChecked(
    ...asPgUser(bin('initdb'), [
      '--pgdata',
      dataDir,
      '--username',
      SUPERUSER,
      '--auth',
      'trust',
      '--encoding',
      'UTF8',
      '--locale',
      'C',
      '--no-sync',
      '--no-instructions',
    ]),
    'initdb',
  );
  const port = await freePort();
  const settings = `${REGRESS_SETTINGS}
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = '${opts.dir}'
`;
  fs.appendFileSync(path.join(dataDir, 'postgresql.conf'), settings);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      runChecked(
        ...asPgUser(bin('pg_ctl'), ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30']),
        'pg_ctl stop',
      );
    } catch {
      runChecked(...asPgUser(bin('pg_ctl'), ['stop', '-D', dataDir, '-m', 'immediate', '-w']), 'pg_ctl stop');
    }
  };
  onCleanup(stop);
  runChecked(
    ...asPgUser(bin('pg_ctl'), ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '120']),
    `starting PostgreSQL (log: ${logFile})`,
  );
  return {
    port,
    dataDir,
    logFile,
    url: (database) => `postgresql://${SUPERUSER}@127.0.0.1:${port}/${database}`,
    stop,
  };
}

/**
 * Creates the database the tests run in exactly as pg_regress's create_database() does, so pg_regress
 * can run with --use-existing (the gateway's coordinator must be connected to it before the tests start).
 */
export async function createTestDatabase(cluster: Cluster, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: cluster.url('postgres') });
  await client.connect();
  try {
    const db = `"${name.replaceAll('"', '""')}"`;
    await client.query(`DROP DATABASE IF EXISTS ${db}`);
    await client.query(`CREATE DATABASE ${db} TEMPLATE=template0`);
    await client.query(
      [
        `ALTER DATABASE ${db} SET lc_messages TO 'C'`,
        `ALTER DATABASE ${db} SET lc_monetary TO 'C'`,
        `ALTER DATABASE ${db} SET lc_numeric TO 'C'`,
        `ALTER DATABASE ${db} SET lc_time TO 'C'`,
        `ALTER DATABASE ${db} SET bytea_output TO 'hex'`,
        `ALTER DATABASE ${db} SET timezone_abbreviations TO 'Default'`,
      ].join(';'),
    );
  } finally {
    await client.end();
  }
}
