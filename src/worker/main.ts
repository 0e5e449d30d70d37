// The worker process as `mini-balancer worker` runs it: start, announce the URL on stdout, drain on SIGTERM.
import type { Logger } from 'pino';
import { startWorker, type WorkerOptions } from './server.ts';

export interface WorkerProcessOptions extends WorkerOptions {
  /** Also shut down when stdin closes (set by the local fleet, so workers never outlive their parent). */
  exitWithParent?: boolean;
}

/**
 * Runs a worker until SIGTERM/SIGINT (or stdin closing, with `exitWithParent`), then shuts down gracefully:
 * stops accepting, finishes running chunks, closes the pool. Prints exactly one line to stdout once
 * listening: `{"listening":"http://127.0.0.1:PORT","pid":N}`.
 *
 * @example
 *   await runWorkerProcess({ databaseUrl, host: '127.0.0.1', port: 0, secret, poolSize: 8, logger });
 */
export async function runWorkerProcess(opts: WorkerProcessOptions): Promise<void> {
  const worker = await startWorker(opts);
  process.stdout.write(`${JSON.stringify({ listening: worker.url, pid: process.pid })}\n`);
  const reason = await shutdownRequested(opts.logger, opts.exitWithParent ?? false);
  opts.logger.info({ reason }, 'worker shutting down');
  await worker.close();
  if (opts.exitWithParent) process.stdin.destroy();
}

function shutdownRequested(logger: Logger, withParent: boolean): Promise<string> {
  return new Promise((resolve) => {
    let requested = false;
    const on =
      (reason: string, repeatForces = true) =>
      () => {
        if (requested && !repeatForces) return;
        if (requested) {
          logger.warn({ reason }, 'second shutdown request: exiting now');
          process.exit(1);
        }
        requested = true;
        resolve(reason);
      };
    process.on('SIGTERM', on('SIGTERM'));
    process.on('SIGINT', on('SIGINT'));
    if (withParent) {
      process.stdin.on('end', on('parent exited', false));
      process.stdin.on('error', () => {});
      process.stdin.resume();
    }
  });
}
