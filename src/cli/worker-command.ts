// `mini-balancer worker`: runs one worker process (the local fleet spawns these; so would a Kubernetes pod).
import { runWorkerProcess, type WorkerProcessOptions } from '../worker/main.ts';
import {
  type Command,
  type Flags,
  flagOrEnv,
  intValue,
  parseFlags,
  required,
  str,
  UsageError,
} from './command.ts';
import { createLogger } from './logger.ts';

export const workerCommand: Command = {
  name: 'worker',
  help: `
Usage: mini-balancer worker --database-url URL [--host H] [--port N] [--pool-size N] [--secret S]
                            [--coordinator URL [--advertise-url URL] [--id ID] [--concurrency N]]

Runs one worker: POST /v1/chunk (authenticated with the shared secret), GET /healthz, GET /readyz.
Prints one line to stdout when listening: {"listening":"http://HOST:PORT","pid":N}.
With --coordinator it registers there (POST /api/workers/register, same secret) and re-registers every
few seconds as a heartbeat. SIGTERM: tells the coordinator it is draining, finishes running chunks,
deregisters and exits 0.

Options:
  --database-url URL   PostgreSQL to run chunks on             (env MB_DATABASE_URL)
  --host H             address to listen on, default 127.0.0.1  (env MB_WORKER_HOST)
  --port N             port, 0 picks a free one (default 0)     (env MB_WORKER_PORT)
  --pool-size N        PostgreSQL connections, default 8        (env MB_WORKER_POOL_SIZE)
  --secret S           shared secret; prefer the env variable   (env MB_WORKER_SECRET, required)
  --coordinator URL    coordinator's HTTP API to register with   (env MB_COORDINATOR_URL)
  --advertise-url URL  URL the coordinator reaches this worker at, default the listening URL
                       (needed when listening on 0.0.0.0)         (env MB_ADVERTISE_URL)
  --id ID              worker id, default host:port of the advertised URL (env MB_WORKER_ID)
  --concurrency N      chunks it takes at once, default the coordinator's --worker-concurrency
                                                                  (env MB_WORKER_CONCURRENCY)
  --heartbeat-ms N     time between heartbeats, default 3000     (env MB_HEARTBEAT_MS)
  -h, --help           show this help
`,
  async run(args) {
    const flags = parseFlags(workerCommand, args, {
      'database-url': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'pool-size': { type: 'string' },
      secret: { type: 'string' },
      coordinator: { type: 'string' },
      'advertise-url': { type: 'string' },
      id: { type: 'string' },
      concurrency: { type: 'string' },
      'heartbeat-ms': { type: 'string' },
    });
    if (!flags) return;
    const databaseUrl = required(flags['database-url'], 'database-url', 'MB_DATABASE_URL');
    const secret = required(flags.secret, 'secret', 'MB_WORKER_SECRET');
    const host = flagOrEnv(flags.host, 'MB_WORKER_HOST', '127.0.0.1') as string;
    const port = intValue(flagOrEnv(str(flags.port), 'MB_WORKER_PORT'), 'port', 0, 65535, 0);
    const poolSize = intValue(
      flagOrEnv(str(flags['pool-size']), 'MB_WORKER_POOL_SIZE'),
      'pool-size',
      1,
      1000,
      8,
    );
    const logger = createLogger('worker');
    const opts: WorkerProcessOptions = {
      databaseUrl,
      secret,
      host,
      port,
      poolSize,
      logger,
      exitWithParent: process.env.MB_WORKER_EXIT_WITH_PARENT === '1',
    };
    const coordinator = registrationFlags(flags);
    if (coordinator) opts.coordinator = coordinator;
    await runWorkerProcess(opts);
  },
};

/** The registration flags, or undefined without --coordinator. */
function registrationFlags(flags: Flags): WorkerProcessOptions['coordinator'] {
  const coordinatorUrl = flagOrEnv(str(flags.coordinator), 'MB_COORDINATOR_URL');
  if (coordinatorUrl === undefined) return undefined;
  const out: NonNullable<WorkerProcessOptions['coordinator']> = {
    coordinatorUrl: httpUrl(coordinatorUrl, 'coordinator'),
    heartbeatMs: intValue(
      flagOrEnv(str(flags['heartbeat-ms']), 'MB_HEARTBEAT_MS'),
      'heartbeat-ms',
      50,
      600_000,
      3000,
    ),
  };
  const advertise = flagOrEnv(str(flags['advertise-url']), 'MB_ADVERTISE_URL');
  if (advertise !== undefined) out.advertiseUrl = httpUrl(advertise, 'advertise-url');
  const id = flagOrEnv(str(flags.id), 'MB_WORKER_ID');
  if (id !== undefined) out.id = id;
  const concurrency = flagOrEnv(str(flags.concurrency), 'MB_WORKER_CONCURRENCY');
  if (concurrency !== undefined) out.concurrency = intValue(concurrency, 'concurrency', 1, 1024, 4);
  return out;
}

function httpUrl(text: string, flag: string): string {
  try {
    const u = new URL(text);
    if (u.protocol === 'http:' || u.protocol === 'https:') return text;
  } catch {
    // reported below
  }
  throw new UsageError(`--${flag} must be an http:// or https:// URL, not "${text}"`);
}
