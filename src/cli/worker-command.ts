// `mini-balancer worker`: runs one worker process (the local fleet spawns these; so would a Kubernetes pod).
import { runWorkerProcess } from '../worker/main.ts';
import { type Command, flagOrEnv, intValue, parseFlags, required, str } from './command.ts';
import { createLogger } from './logger.ts';

export const workerCommand: Command = {
  name: 'worker',
  help: `
Usage: mini-balancer worker --database-url URL [--host H] [--port N] [--pool-size N] [--secret S]

Runs one worker: POST /v1/chunk (authenticated with the shared secret), GET /healthz, GET /readyz.
Prints one line to stdout when listening: {"listening":"http://HOST:PORT","pid":N}.
SIGTERM stops accepting, finishes running chunks and exits 0.

Options:
  --database-url URL   PostgreSQL to run chunks on             (env MB_DATABASE_URL)
  --host H             address to listen on, default 127.0.0.1  (env MB_WORKER_HOST)
  --port N             port, 0 picks a free one (default 0)     (env MB_WORKER_PORT)
  --pool-size N        PostgreSQL connections, default 8        (env MB_WORKER_POOL_SIZE)
  --secret S           shared secret; prefer the env variable   (env MB_WORKER_SECRET, required)
  -h, --help           show this help
`,
  async run(args) {
    const flags = parseFlags(workerCommand, args, {
      'database-url': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'pool-size': { type: 'string' },
      secret: { type: 'string' },
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
    await runWorkerProcess({
      databaseUrl,
      secret,
      host,
      port,
      poolSize,
      logger,
      exitWithParent: process.env.MB_WORKER_EXIT_WITH_PARENT === '1',
    });
  },
};
