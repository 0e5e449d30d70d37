// The `mini-balancer` command line: dispatches to a subcommand, prints help, sets the exit code.
import { PgError } from '../errors/pg-error.ts';
import { type Command, UsageError } from './command.ts';

interface CommandEntry {
  name: string;
  summary: string;
  /** Loaded on demand: a worker process must not load the planner, and `--help` should be quick. */
  load: () => Promise<Command>;
}

const COMMANDS: CommandEntry[] = [
  {
    name: 'demo',
    summary: 'start everything with demo data on an embedded PostgreSQL (what `npm start` runs)',
    load: async () => (await import('./demo.ts')).demoCommand,
  },
  {
    name: 'serve',
    summary: 'run the coordinator, local workers and the HTTP API on an existing PostgreSQL',
    load: async () => (await import('./serve.ts')).serveCommand,
  },
  {
    name: 'worker',
    summary: 'run a worker process that executes chunks for a coordinator',
    load: async () => (await import('./worker-command.ts')).workerCommand,
  },
  {
    name: 'load',
    summary: 'load the demo data or TPC-H into a database',
    load: async () => (await import('./load.ts')).loadCommand,
  },
  {
    name: 'bench',
    summary: 'compare a few TPC-H queries run directly and through Mini-Balancer',
    load: async () => (await import('./bench.ts')).benchCommand,
  },
];

export const HELP = `
Usage: mini-balancer <command> [options]

A query-parallelizing gateway for PostgreSQL: splits analytic SELECTs into chunks over disjoint ranges,
runs them on worker processes in one snapshot, and merges exactly what PostgreSQL would answer.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`).join('\n')}

Run 'mini-balancer <command> --help' for a command's options.
Environment: MB_DATABASE_URL, MB_HTTP_HOST, MB_HTTP_PORT, MB_WORKERS, MB_WORKER_SECRET, MB_DATA_DIR,
MB_LOG_LEVEL (default info; logs are JSON lines on stderr).
`;

/**
 * Runs `mini-balancer <argv...>`. Resolves when the command is done (a server: after it shut down);
 * sets `process.exitCode`: 0 success, 1 failure, 2 usage error.
 *
 * @example
 *   await main(['serve', '--database-url', url, '--http-port', '0']);
 */
export async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${HELP.trim()}\n`);
    return;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`mini-balancer: unknown command "${name}"\n\n${HELP.trim()}\n`);
    process.exitCode = 2;
    return;
  }
  try {
    const command = await entry.load();
    await command.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(
        `mini-balancer ${name}: ${err.message}\nRun 'mini-balancer ${name} --help' for usage.\n`,
      );
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`mini-balancer ${name}: ${describe(err)}\n`);
    process.exitCode = 1;
  }
}

function describe(err: unknown): string {
  if (err instanceof PgError) {
    return [
      `${err.code}: ${err.message}`,
      err.detail && `detail: ${err.detail}`,
      err.hint && `hint: ${err.hint}`,
    ]
      .filter(Boolean)
      .join('\n');
  }
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}
