// `mini-balancer serve` and `startServer`: coordinator + local worker fleet + HTTP API over an existing PostgreSQL.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { type LocalFleet, startLocalFleet } from '../cluster/local-fleet.ts';
import { Coordinator } from '../exec/coordinator.ts';
import { startHttpServer } from '../http/server.ts';
import {
  boundedStep,
  type Command,
  flagOrEnv,
  intValue,
  parseFlags,
  required,
  str,
  untilShutdownSignal,
} from './command.ts';
import { createLogger } from './logger.ts';

export interface ServerOptions {
  databaseUrl: string;
  /** Number of local worker processes. */
  workers: number;
  httpHost?: string;
  /** 0 picks a free port (default 8080). */
  httpPort?: number;
  /** Shared secret between coordinator and workers (random by default). */
  secret?: string;
  logger?: Logger;
}

export interface RunningServer {
  httpUrl: string;
  coordinator: Coordinator;
  fleet: LocalFleet;
  /** Stops the HTTP API, then the coordinator, then the workers. */
  stop(): Promise<void>;
}

/**
 * Starts the workers, the coordinator and the HTTP API; on failure stops whatever had started.
 *
 * @example
 *   const server = await startServer({ databaseUrl, workers: 4, httpPort: 0 });
 *   await fetch(`${server.httpUrl}/healthz`);
 *   await server.stop();
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger('mini-balancer');
  const secret = opts.secret ?? randomBytes(24).toString('base64url');
  const fleet = await startLocalFleet({ count: opts.workers, databaseUrl: opts.databaseUrl, secret, logger });
  let coordinator: Coordinator | undefined;
  try {
    coordinator = new Coordinator({
      databaseUrl: opts.databaseUrl,
      workers: () => fleet.workers(),
      secret,
      logger,
    });
    await coordinator.init();
    const http = await startHttpServer({
      coordinator,
      host: opts.httpHost ?? '127.0.0.1',
      port: opts.httpPort ?? 8080,
      logger,
      fleet,
    });
    const running = coordinator;
    let stopped: Promise<void> | null = null;
    return {
      httpUrl: http.url,
      coordinator: running,
      fleet,
      stop: () => {
        stopped ??= (async () => {
          await boundedStep('close the HTTP API', 10_000, logger, () => http.close());
          await boundedStep('close the coordinator', 5000, logger, () => running.close());
          await fleet.stop();
        })();
        return stopped;
      },
    };
  } catch (err) {
    await coordinator?.close().catch(() => {});
    await fleet.stop();
    throw err;
  }
}

export const serveCommand: Command = {
  name: 'serve',
  help: `
Usage: mini-balancer serve --database-url URL [--workers N] [--http-host H] [--http-port N] [--secret S]

Starts N local worker processes, the coordinator and the HTTP API (POST /api/query, POST /api/explain,
GET /api/workers, GET /healthz). Ctrl-C or SIGTERM shuts down gracefully.

Options:
  --database-url URL   PostgreSQL to serve                      (env MB_DATABASE_URL)
  --workers N          local worker processes, default 4        (env MB_WORKERS)
  --http-host H        address of the HTTP API, default 127.0.0.1 (env MB_HTTP_HOST)
  --http-port N        port of the HTTP API, default 8080; 0 picks one (env MB_HTTP_PORT)
  --secret S           coordinator-worker secret, random by default (env MB_WORKER_SECRET)
  -h, --help           show this help
`,
  async run(args) {
    const flags = parseFlags(serveCommand, args, {
      'database-url': { type: 'string' },
      workers: { type: 'string' },
      'http-host': { type: 'string' },
      'http-port': { type: 'string' },
      secret: { type: 'string' },
    });
    if (!flags) return;
    const opts = serverFlags(flags, required(flags['database-url'], 'database-url', 'MB_DATABASE_URL'));
    const logger = createLogger('mini-balancer');
    const server = await startServer({ ...opts, logger });
    process.stdout.write(
      `mini-balancer is serving ${redact(opts.databaseUrl)}\n  HTTP API: ${server.httpUrl}\n`,
    );
    const signal = await untilShutdownSignal();
    logger.info({ signal }, 'shutting down');
    await server.stop();
  },
};

/** The flags `serve` and `demo` share. */
export function serverFlags(
  flags: Record<string, string | boolean | undefined>,
  databaseUrl: string,
): Omit<ServerOptions, 'logger'> {
  const opts: Omit<ServerOptions, 'logger'> = {
    databaseUrl,
    workers: intValue(flagOrEnv(str(flags.workers), 'MB_WORKERS'), 'workers', 1, 256, 4),
    httpHost: flagOrEnv(flags['http-host'], 'MB_HTTP_HOST', '127.0.0.1') as string,
    httpPort: intValue(flagOrEnv(str(flags['http-port']), 'MB_HTTP_PORT'), 'http-port', 0, 65535, 8080),
  };
  const secret = flagOrEnv(flags.secret, 'MB_WORKER_SECRET');
  if (secret !== undefined) opts.secret = secret;
  return opts;
}

/** A database URL without its password, for printing. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(database URL)';
  }
}
