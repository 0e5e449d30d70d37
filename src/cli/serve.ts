// `mini-balancer serve` and `startServer`: coordinator + worker registry and health checks + local workers + HTTP API.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { DnsDiscovery, type DnsWorkersOptions } from '../cluster/dns-discovery.ts';
import { DEFAULT_HEALTH_INTERVAL_MS, HealthChecker } from '../cluster/health.ts';
import { type LocalFleet, startLocalFleet } from '../cluster/local-fleet.ts';
import { DEFAULT_WORKER_CONCURRENCY, WorkerRegistry } from '../cluster/registry.ts';
import { DEFAULT_MAX_REPLICA_LAG_MS, ServerSet, withoutPassword } from '../cluster/servers.ts';
import { Coordinator } from '../exec/coordinator.ts';
import { CONSISTENCIES, type Consistency } from '../exec/placement.ts';
import {
  DEFAULT_AUTH_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  type GatewayOptions,
  startGatewayServer,
} from '../gateway/server.ts';
import { startHttpServer } from '../http/server.ts';
import {
  boundedStep,
  type Command,
  type Flags,
  flagOrEnv,
  intValue,
  list,
  parseFlags,
  required,
  str,
  UsageError,
  untilShutdownSignal,
} from './command.ts';
import { createLogger } from './logger.ts';
import { workersFlags } from './workers-flags.ts';

export interface ServerOptions {
  databaseUrl: string;
  /** Number of local worker processes (0: only static and self-registered workers). */
  workers: number;
  /** Workers running elsewhere, by URL (ids `s1`, `s2`, ...). */
  workerUrls?: string[];
  /** Workers found through DNS (a Kubernetes headless Service): a name's addresses, re-read every few seconds. */
  dnsWorkers?: DnsWorkersOptions;
  /** Time between health checks of every worker (default 2000 ms). */
  healthIntervalMs?: number;
  /** Chunks a worker runs at once unless it registers with its own figure (default 4). */
  workerConcurrency?: number;
  /** Self-registered workers not seen for this long are forgotten (default 60 s). */
  forgetAfterMs?: number;
  /** Delay before restarting a local worker that died (default 500 ms); null: no restarts. */
  restartDelayMs?: number | null;
  /** Scheduler settings passed to the coordinator (see src/exec/scheduler.ts for the defaults). */
  chunkTimeoutMs?: number;
  noWorkerTimeoutMs?: number;
  maxAttempts?: number;
  /** In auto mode, statements PostgreSQL estimates cheaper than this run whole (default 500). */
  costThreshold?: number;
  minSplitPages?: number;
  /** Streaming replicas of the database chunks may also run on (ids `r1`, `r2`, ...). */
  replicaUrls?: string[];
  /** A replica lagging more than this leaves the rotation (default 5000 ms). */
  maxReplicaLagMs?: number;
  /** `snapshot` (default) or `spread`: how statements use the replicas (src/exec/placement.ts). */
  consistency?: Consistency;
  /** Time between checks of the primary and the replicas (default 1000 ms). */
  serverCheckIntervalMs?: number;
  httpHost?: string;
  /** 0 picks a free port (default 8080). */
  httpPort?: number;
  /** Port of the PostgreSQL protocol gateway on 127.0.0.1; 0 picks a free port; absent: no gateway (the CLI default is 6432). */
  pgPort?: number;
  /** Shared secret between coordinator and workers (random by default). */
  secret?: string;
  /** Gateway settings besides the port: listen address, TLS, connection limit, authentication timeout. */
  gateway?: Omit<GatewayOptions, 'databaseUrl' | 'coordinator' | 'port' | 'logger' | 'onSplit'>;
  logger?: Logger;
}

export interface RunningServer {
  httpUrl: string;
  /** The PostgreSQL protocol gateway's port on 127.0.0.1, or null when it was not started. */
  pgPort: number | null;
  coordinator: Coordinator;
  /** The local worker processes. */
  fleet: LocalFleet;
  /** Every worker (local, static, self-registered, found in DNS) with its state and figures. */
  registry: WorkerRegistry;
  health: HealthChecker;
  /** The primary and its read replicas: state, lag, load. */
  servers: ServerSet;
  /** Stops the HTTP API, then the coordinator, the health checks and the workers. */
  stop(): Promise<void>;
}

/**
 * Starts the local workers, the coordinator, the health checks and the HTTP API; on failure stops whatever
 * had started. Local, static and DNS workers have had their first health check when it resolves.
 *
 * @example
 *   const server = await startServer({ databaseUrl, workers: 4, httpPort: 0 });
 *   await fetch(`${server.httpUrl}/api/workers`);
 *   server.registry.available(); // the healthy workers
 *   await server.stop();
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger('mini-balancer');
  const secret = opts.secret ?? randomBytes(24).toString('base64url');
  const concurrency = opts.workerConcurrency ?? DEFAULT_WORKER_CONCURRENCY;
  const registry = new WorkerRegistry({ logger, concurrency });
  for (const [i, url] of (opts.workerUrls ?? []).entries()) {
    registry.add({ id: `s${i + 1}`, url: new URL(url).origin, source: 'static' });
  }
  const discovery = opts.dnsWorkers ? new DnsDiscovery({ ...opts.dnsWorkers, registry, logger }) : null;
  const fleet = await startLocalFleet({
    count: opts.workers,
    databaseUrl: opts.databaseUrl,
    secret,
    logger,
    registry,
    concurrency,
    // A worker's pool must hold as many connections as chunks it is given (its default is 8).
    ...(concurrency > 8 ? { poolSize: concurrency } : {}),
    ...(opts.restartDelayMs === undefined ? {} : { restartDelayMs: opts.restartDelayMs }),
  });
  const health = new HealthChecker({
    registry,
    logger,
    intervalMs: opts.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS,
    ...(opts.forgetAfterMs === undefined ? {} : { forgetAfterMs: opts.forgetAfterMs }),
  });
  const servers = new ServerSet({
    primaryUrl: opts.databaseUrl,
    replicaUrls: opts.replicaUrls ?? [],
    maxLagMs: opts.maxReplicaLagMs ?? DEFAULT_MAX_REPLICA_LAG_MS,
    logger,
    ...(opts.serverCheckIntervalMs === undefined ? {} : { intervalMs: opts.serverCheckIntervalMs }),
  });
  let coordinator: Coordinator | undefined;
  try {
    coordinator = new Coordinator({
      databaseUrl: opts.databaseUrl,
      fleet: registry,
      secret,
      logger,
      servers,
      ...(opts.consistency === undefined ? {} : { consistency: opts.consistency }),
      ...(opts.chunkTimeoutMs === undefined ? {} : { chunkTimeoutMs: opts.chunkTimeoutMs }),
      ...(opts.noWorkerTimeoutMs === undefined ? {} : { noWorkerTimeoutMs: opts.noWorkerTimeoutMs }),
      ...(opts.maxAttempts === undefined ? {} : { maxAttempts: opts.maxAttempts }),
      ...(opts.costThreshold === undefined ? {} : { costThreshold: opts.costThreshold }),
      ...(opts.minSplitPages === undefined ? {} : { minSplitPages: opts.minSplitPages }),
    });
    await coordinator.init();
    await servers.start();
    await discovery?.refresh();
    await health.checkAll();
    health.start();
    discovery?.start();
    const http = await startHttpServer({
      coordinator,
      host: opts.httpHost ?? '127.0.0.1',
      port: opts.httpPort ?? 8080,
      logger,
      fleet: registry,
      servers,
      workerApi: { registry, secret, logger },
    });
    const gateway =
      opts.pgPort === undefined
        ? null
        : await startGatewayServer({
            databaseUrl: opts.databaseUrl,
            coordinator,
            port: opts.pgPort,
            logger,
            onSplit: (request, result, ms) => http.recordStatement(request, result, ms),
            ...opts.gateway,
          }).catch(async (err) => {
            await http.close();
            throw err;
          });
    const running = coordinator;
    let stopped: Promise<void> | null = null;
    return {
      httpUrl: http.url,
      pgPort: gateway?.port ?? null,
      coordinator: running,
      fleet,
      registry,
      health,
      servers,
      stop: () => {
        stopped ??= (async () => {
          if (gateway) await boundedStep('close the PostgreSQL gateway', 5000, logger, () => gateway.close());
          await boundedStep('close the HTTP API', 10_000, logger, () => http.close());
          await boundedStep('close the coordinator', 5000, logger, () => running.close());
          await servers.stop();
          await discovery?.stop();
          await health.stop();
          await fleet.stop();
        })();
        return stopped;
      },
    };
  } catch (err) {
    await discovery?.stop();
    await health.stop();
    await coordinator?.close().catch(() => {});
    await servers.stop();
    await fleet.stop();
    throw err;
  }
}

export const serveCommand: Command = {
  name: 'serve',
  help: `
Usage: mini-balancer serve --database-url URL [--workers N | dns:NAME:PORT] [--worker-url URL ...] [--http-host H]
                           [--http-port N] [--pg-port N] [--secret S] [--health-interval-ms N] [--worker-concurrency N]
                           [--replica-url URL ...] [--max-replica-lag S] [--consistency snapshot|spread]

Starts N local worker processes, the coordinator and the HTTP API (POST /api/query, POST /api/explain,
GET /api/workers, GET /metrics, GET /healthz). Workers started elsewhere join with
'mini-balancer worker --coordinator URL' (same secret), or are found through DNS (--workers dns:NAME:PORT,
e.g. a Kubernetes headless Service; no registration needed). Every worker's /readyz is checked every
--health-interval-ms; 2 missed checks take it out of the rotation until it answers again.
Ctrl-C or SIGTERM shuts down gracefully.

Options:
  --database-url URL   PostgreSQL to serve                      (env MB_DATABASE_URL)
  --workers N          local worker processes, default 4; 0: only the others (env MB_WORKERS)
  --workers dns:NAME:PORT  no local workers: NAME's A/AAAA records, re-read every --dns-refresh-ms, are
                       the workers, each at http://ADDRESS:PORT; addresses that leave the answer leave
                       the rotation (their running chunks finish); a failed lookup keeps the last set
  --dns-refresh-ms N   time between DNS lookups, default 5000 (env MB_DNS_REFRESH_MS)
  --dns-server IP[:PORT]  ask this DNS server (A and AAAA queries for NAME as given) instead of the system
                       resolver, which also reads /etc/hosts and applies search domains (env MB_DNS_SERVER)
  --worker-url URL     a worker running elsewhere; repeatable   (env MB_WORKER_URLS, comma-separated)
  --health-interval-ms N  time between health checks, default 2000 (env MB_HEALTH_INTERVAL_MS)
  --worker-concurrency N  chunks a worker runs at once, default 4 (env MB_WORKER_CONCURRENCY)
  --chunk-timeout-ms N    a chunk running longer is retried on another worker, default 300000
                          (env MB_CHUNK_TIMEOUT_MS)
  --max-attempts N        tries per chunk before the statement fails, default 3 (env MB_MAX_ATTEMPTS)
  --cost-threshold N      auto mode splits only statements PostgreSQL estimates above this cost, and
                          only when PostgreSQL's plan says a split pays (not too many groups, the split
                          table not read through an index alone); 0 splits whatever can be split.
                          Default 500 (env MB_COST_THRESHOLD)
  --min-split-pages N     auto mode runs statements whole whose split table has fewer pages, default
                          1024 (8 MB, PostgreSQL's min_parallel_table_scan_size) (env MB_MIN_SPLIT_PAGES)
  --replica-url URL    a streaming replica of --database-url chunks may also run on; repeatable
                       (env MB_REPLICA_URLS, comma-separated); checked every second, see /api/servers
  --max-replica-lag S  a replica whose replay lag is over S seconds gets no chunks, default 5
                       (env MB_MAX_REPLICA_LAG)
  --consistency MODE   with replicas: snapshot (default) runs all chunks of a statement on one server in
                       one snapshot, statements spread over the servers; spread runs a statement's chunks on
                       several servers, each seeing at least everything committed before the statement
                       began (exact for data not written while it runs) (env MB_CONSISTENCY)
  --http-host H        address of the HTTP API, default 127.0.0.1 (env MB_HTTP_HOST)
  --http-port N        port of the HTTP API, default 8080; 0 picks one (env MB_HTTP_PORT)
  --pg-port N          PostgreSQL protocol gateway port, default 6432; 0 picks one (env MB_PG_PORT)
  --pg-host H          address of the gateway, default 127.0.0.1 (env MB_PG_HOST)
  --tls-cert FILE      PEM certificate (with --tls-key): clients may connect with TLS (env MB_TLS_CERT)
  --tls-key FILE       PEM private key of --tls-cert (env MB_TLS_KEY)
  --backend-tls MODE   prefer (TLS to PostgreSQL when it offers it, default) or disable (env MB_BACKEND_TLS)
  --max-client-connections N  gateway clients at once, default 1000; more get 53300
                          (env MB_MAX_CLIENT_CONNECTIONS)
  --auth-timeout-ms N  clients must authenticate within this time, default 60000 (env MB_AUTH_TIMEOUT_MS)
  --split-unordered    gateway: also split statements without an ORDER BY over every column (their row
                       order then differs from PostgreSQL's plan order) (env MB_SPLIT_UNORDERED=1)
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
      ...SERVER_FLAGS,
    });
    if (!flags) return;
    const opts = serverFlags(flags, required(flags['database-url'], 'database-url', 'MB_DATABASE_URL'));
    const logger = createLogger('mini-balancer');
    const server = await startServer({ ...opts, logger });
    process.stdout.write(
      `mini-balancer is serving ${redact(opts.databaseUrl)}\n  HTTP API: ${server.httpUrl}\n` +
        (opts.replicaUrls ?? [])
          .map(
            (u, i) => `  replica r${i + 1}: ${redact(u)} (consistency ${opts.consistency ?? 'snapshot'})\n`,
          )
          .join('') +
        (server.pgPort === null ? '' : `  PostgreSQL protocol: 127.0.0.1:${server.pgPort}\n`),
    );
    const signal = await untilShutdownSignal();
    logger.info({ signal }, 'shutting down');
    await server.stop();
  },
};

/** The worker fleet's flags, which `serve` and `demo` share (besides --workers and the HTTP ones). */
export const SERVER_FLAGS = {
  'worker-url': { type: 'string', multiple: true },
  'health-interval-ms': { type: 'string' },
  'worker-concurrency': { type: 'string' },
  'chunk-timeout-ms': { type: 'string' },
  'max-attempts': { type: 'string' },
  'cost-threshold': { type: 'string' },
  'min-split-pages': { type: 'string' },
  'pg-port': { type: 'string' },
  'pg-host': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'backend-tls': { type: 'string' },
  'max-client-connections': { type: 'string' },
  'auth-timeout-ms': { type: 'string' },
  'split-unordered': { type: 'boolean' },
  'replica-url': { type: 'string', multiple: true },
  'max-replica-lag': { type: 'string' },
  consistency: { type: 'string' },
  'dns-refresh-ms': { type: 'string' },
  'dns-server': { type: 'string' },
} as const;

/** The flags `serve` and `demo` share. */
export function serverFlags(flags: Flags, databaseUrl: string): Omit<ServerOptions, 'logger'> {
  const opts: Omit<ServerOptions, 'logger'> = {
    databaseUrl,
    ...workersFlags(flags),
    workerUrls: list(flags['worker-url'], 'MB_WORKER_URLS').map(workerUrl),
    healthIntervalMs: intValue(
      flagOrEnv(str(flags['health-interval-ms']), 'MB_HEALTH_INTERVAL_MS'),
      'health-interval-ms',
      50,
      600_000,
      DEFAULT_HEALTH_INTERVAL_MS,
    ),
    workerConcurrency: intValue(
      flagOrEnv(str(flags['worker-concurrency']), 'MB_WORKER_CONCURRENCY'),
      'worker-concurrency',
      1,
      1024,
      DEFAULT_WORKER_CONCURRENCY,
    ),
    httpHost: flagOrEnv(flags['http-host'], 'MB_HTTP_HOST', '127.0.0.1') as string,
    httpPort: intValue(flagOrEnv(str(flags['http-port']), 'MB_HTTP_PORT'), 'http-port', 0, 65535, 8080),
    pgPort: intValue(flagOrEnv(str(flags['pg-port']), 'MB_PG_PORT'), 'pg-port', 0, 65535, 6432),
  };
  const chunkTimeout = flagOrEnv(str(flags['chunk-timeout-ms']), 'MB_CHUNK_TIMEOUT_MS');
  if (chunkTimeout !== undefined)
    opts.chunkTimeoutMs = intValue(chunkTimeout, 'chunk-timeout-ms', 10, 86_400_000, 0);
  const attempts = flagOrEnv(str(flags['max-attempts']), 'MB_MAX_ATTEMPTS');
  if (attempts !== undefined) opts.maxAttempts = intValue(attempts, 'max-attempts', 1, 100, 3);
  const cost = flagOrEnv(str(flags['cost-threshold']), 'MB_COST_THRESHOLD');
  if (cost !== undefined) opts.costThreshold = intValue(cost, 'cost-threshold', 0, 2_000_000_000, 500);
  const minPages = flagOrEnv(str(flags['min-split-pages']), 'MB_MIN_SPLIT_PAGES');
  if (minPages !== undefined)
    opts.minSplitPages = intValue(minPages, 'min-split-pages', 0, 2_000_000_000, 1024);
  const secret = flagOrEnv(flags.secret, 'MB_WORKER_SECRET');
  if (secret !== undefined) opts.secret = secret;
  opts.gateway = gatewayFlags(flags);
  Object.assign(opts, replicaFlags(flags));
  return opts;
}

function gatewayFlags(flags: Flags): NonNullable<ServerOptions['gateway']> {
  const out: NonNullable<ServerOptions['gateway']> = {
    host: flagOrEnv(str(flags['pg-host']), 'MB_PG_HOST', '127.0.0.1') as string,
    maxConnections: intValue(
      flagOrEnv(str(flags['max-client-connections']), 'MB_MAX_CLIENT_CONNECTIONS'),
      'max-client-connections',
      1,
      1_000_000,
      DEFAULT_MAX_CONNECTIONS,
    ),
    authTimeoutMs: intValue(
      flagOrEnv(str(flags['auth-timeout-ms']), 'MB_AUTH_TIMEOUT_MS'),
      'auth-timeout-ms',
      100,
      3_600_000,
      DEFAULT_AUTH_TIMEOUT_MS,
    ),
  };
  if (flags['split-unordered'] === true || process.env.MB_SPLIT_UNORDERED === '1') out.splitUnordered = true;
  const backendTls = flagOrEnv(str(flags['backend-tls']), 'MB_BACKEND_TLS', 'prefer');
  if (backendTls !== 'prefer' && backendTls !== 'disable')
    throw new UsageError(`--backend-tls must be prefer or disable, not "${backendTls}"`);
  out.backendTls = backendTls;
  const cert = flagOrEnv(str(flags['tls-cert']), 'MB_TLS_CERT');
  const key = flagOrEnv(str(flags['tls-key']), 'MB_TLS_KEY');
  if ((cert === undefined) !== (key === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  if (cert !== undefined && key !== undefined) {
    try {
      out.tls = { cert: readFileSync(cert), key: readFileSync(key) };
    } catch (err) {
      throw new UsageError(`cannot read the TLS certificate or key: ${(err as Error).message}`);
    }
  }
  return out;
}

/** --replica-url, --max-replica-lag and --consistency. */
export function replicaFlags(
  flags: Flags,
): Pick<ServerOptions, 'replicaUrls' | 'maxReplicaLagMs' | 'consistency'> {
  const replicaUrls = list(flags['replica-url'], 'MB_REPLICA_URLS').map((text) => {
    if (/^postgres(ql)?:\/\/./.test(text)) return text;
    throw new UsageError(`--replica-url must be a postgres:// URL, not "${redact(text)}"`);
  });
  const lag = flagOrEnv(str(flags['max-replica-lag']), 'MB_MAX_REPLICA_LAG');
  let maxReplicaLagMs = DEFAULT_MAX_REPLICA_LAG_MS;
  if (lag !== undefined) {
    const seconds = Number(lag);
    if (lag.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 86_400)
      throw new UsageError(`--max-replica-lag must be a number of seconds from 0 to 86400, not "${lag}"`);
    maxReplicaLagMs = Math.round(seconds * 1000);
  }
  const consistency = flagOrEnv(str(flags.consistency), 'MB_CONSISTENCY', 'snapshot') as string;
  if (!CONSISTENCIES.includes(consistency as Consistency))
    throw new UsageError(`--consistency must be snapshot or spread, not "${consistency}"`);
  return { replicaUrls, maxReplicaLagMs, consistency: consistency as Consistency };
}

function workerUrl(text: string): string {
  try {
    const u = new URL(text);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.origin;
  } catch {
    // reported below
  }
  throw new UsageError(`--worker-url must be an http:// URL, not "${text}"`);
}

/** A database URL without its password, for printing. */
export const redact = withoutPassword;
