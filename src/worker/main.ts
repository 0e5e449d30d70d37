// The worker process as `mini-balancer worker` runs it: start, announce the URL, register, drain on SIGTERM.
import type { Logger } from 'pino';
import { CoordinatorLink, type RegistrationOptions } from '../cluster/registration.ts';
import { startWorker, type WorkerOptions } from './server.ts';

export interface WorkerProcessOptions extends WorkerOptions {
  /** Also shut down when stdin closes (set by the local fleet, so workers never outlive their parent). */
  exitWithParent?: boolean;
  /** Register with this coordinator and heartbeat (the secret, URL and pid are filled in here). */
  coordinator?: Omit<RegistrationOptions, 'secret' | 'url' | 'pid' | 'logger'> & { advertiseUrl?: string };
}

/**
 * Runs a worker until SIGTERM/SIGINT (or stdin closing, with `exitWithParent`), then shuts down gracefully:
 * (registered: tells the coordinator it is draining,) stops accepting, finishes running chunks, closes the
 * pool (registered: deregisters). Prints exactly one line to stdout once listening:
 * `{"listening":"http://127.0.0.1:PORT","pid":N}`.
 *
 * @example
 *   await runWorkerProcess({ databaseUrl, host: '127.0.0.1', port: 0, secret, poolSize: 8, logger });
 */
export async function runWorkerProcess(opts: WorkerProcessOptions): Promise<void> {
  const worker = await startWorker(opts);
  process.stdout.write(`${JSON.stringify({ listening: worker.url, pid: process.pid })}\n`);
  let link: CoordinatorLink | null = null;
  if (opts.coordinator) {
    const { advertiseUrl, ...rest } = opts.coordinator;
    link = new CoordinatorLink({
      ...rest,
      secret: opts.secret,
      url: advertiseUrl ?? worker.url,
      pid: process.pid,
      logger: opts.logger,
    });
    link.start();
  }
  const reason = await shutdownRequested(opts.logger, opts.exitWithParent ?? false);
  opts.logger.info({ reason }, 'worker shutting down');
  await link?.drain();
  await worker.close();
  await link?.deregister();
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
