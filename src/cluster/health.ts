// Active health checks: GET /readyz on every worker every few seconds; misses take it out of the rotation.
import http from 'node:http';
import type { Logger } from 'pino';
import { FixedRate } from './periodic.ts';
import type { WorkerRegistry } from './registry.ts';

export const DEFAULT_HEALTH_INTERVAL_MS = 2000;
/** A worker's first check opens its first PostgreSQL connection: it gets at least this long. */
const FIRST_CHECK_TIMEOUT_MS = 5000;
/** Self-registered workers not seen for this long are forgotten. */
export const DEFAULT_FORGET_AFTER_MS = 60_000;

export interface HealthOptions {
  registry: WorkerRegistry;
  logger: Logger;
  /** Time between rounds (default 2000 ms). */
  intervalMs?: number;
  /**
   * How long one check may take (default min(1000, interval / 2)). A worker's first check (it never
   * answered, or it just joined) may take up to 5 s: its first probe opens its first PostgreSQL connection.
   */
  timeoutMs?: number;
  /** Missed checks in a row that take a worker out of the rotation (default 2). */
  misses?: number;
  /** Self-registered workers absent this long are removed (default 60 s). */
  forgetAfterMs?: number;
}

/**
 * Checks every worker's `/readyz` (200 only when its PostgreSQL pool works) each `intervalMs`, and checks a
 * worker at once when it joins. Results go to the registry, which changes states and logs them. Never
 * throws: a check that fails in any way is a missed check. A worker that stops answering leaves the
 * rotation between `interval + timeout` and `2 × interval + timeout` later (3 to 5 s with the defaults); one
 * that refuses connections (process gone) after `interval` to `2 × interval`.
 *
 * @example
 *   const health = new HealthChecker({ registry, logger, intervalMs: 2000 });
 *   await health.checkAll(); // first round before serving
 *   health.start();
 *   // ...
 *   await health.stop();
 */
export class HealthChecker {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  private readonly misses: number;
  private readonly forgetAfterMs: number;
  private readonly registry: WorkerRegistry;
  private readonly log: Logger;
  /** Rounds start every `intervalMs` (fixed rate: a slow check does not stretch the period). */
  private readonly loop: FixedRate;
  private running = false;
  private stopped = false;
  /** Checks in progress by worker id, so one worker is never checked twice at once. */
  private readonly inProgress = new Map<string, Promise<void>>();
  private readonly aborter = new AbortController();
  private readonly onJoined = (id: string): void => {
    if (this.running) void this.checkOne(id);
  };
  private readonly firstTimeoutMs: number;

  constructor(opts: HealthOptions) {
    this.registry = opts.registry;
    this.log = opts.logger.child({ component: 'health' });
    this.intervalMs = opts.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
    // Half the interval, but never under 250 ms: a busy machine answers /readyz slowly, not never.
    this.timeoutMs = opts.timeoutMs ?? Math.min(1000, Math.max(250, Math.floor(this.intervalMs / 2)));
    this.firstTimeoutMs = Math.max(this.timeoutMs, FIRST_CHECK_TIMEOUT_MS);
    this.misses = opts.misses ?? 2;
    this.forgetAfterMs = opts.forgetAfterMs ?? DEFAULT_FORGET_AFTER_MS;
    this.loop = new FixedRate(
      this.intervalMs,
      () => this.checkAll().catch((err: unknown) => this.log.error({ err }, 'health check round failed')),
      (ms) => this.log.warn({ ms: Math.round(ms) }, 'health check round overran'),
    );
  }

  /** Starts the periodic rounds (the first one after `intervalMs`) and checks joining workers at once. */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.registry.on('joined', this.onJoined);
    this.loop.start();
  }

  /** Stops the rounds and cancels checks in progress; resolves when none is left. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    this.registry.off('joined', this.onJoined);
    this.loop.stop();
    this.aborter.abort();
    await Promise.allSettled([...this.inProgress.values()]);
  }

  /** One round: every worker once, in parallel; then forgets long-absent registered workers. */
  async checkAll(): Promise<void> {
    await Promise.allSettled(this.registry.list().map((w) => this.checkOne(w.id)));
    if (this.stopped) return;
    try {
      this.registry.removeAbsent(this.forgetAfterMs);
    } catch (err) {
      this.log.error({ err }, 'forgetting absent workers failed');
    }
  }

  /**
   * Checks one worker now (joins the check already in progress, if any). A worker that never answered
   * (new, or a new process) gets the longer first-check timeout.
   */
  checkOne(id: string): Promise<void> {
    const pending = this.inProgress.get(id);
    if (pending) return pending;
    const neverAnswered = this.registry.get(id)?.lastHeartbeat === null;
    const timeoutMs = neverAnswered ? this.firstTimeoutMs : this.timeoutMs;
    const task = this.check(id, timeoutMs).finally(() => this.inProgress.delete(id));
    this.inProgress.set(id, task);
    return task;
  }

  private async check(id: string, timeoutMs: number): Promise<void> {
    const worker = this.registry.get(id);
    if (!worker || this.stopped) return;
    try {
      const problem = await probeReady(worker.url, timeoutMs, this.aborter.signal);
      if (this.stopped) return;
      // The worker may have been replaced (respawned at a new address) while we waited.
      if (this.registry.get(id)?.url !== worker.url) return;
      if (problem === null) this.registry.checkPassed(id);
      else this.registry.checkFailed(id, problem, this.misses);
    } catch (err) {
      this.log.error({ err, worker: id }, 'health check failed unexpectedly');
    }
  }
}

/**
 * GET `<url>/readyz` on a fresh connection; null when it answered 200 in time, else what went wrong.
 *
 * @example
 *   await probeReady('http://127.0.0.1:41234', 1000); // null
 */
export function probeReady(url: string, timeoutMs: number, signal?: AbortSignal): Promise<string | null> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (problem: string | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(problem);
    };
    const onAbort = (): void => finish('check canceled');
    let req: http.ClientRequest;
    try {
      // A fresh connection each time: a stale keep-alive socket must not count as a miss.
      req = http.get(new URL('/readyz', url), { agent: false, headers: { connection: 'close' } });
    } catch (err) {
      resolve(err instanceof Error ? err.message : String(err));
      return;
    }
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
    req.on('response', (res) => {
      res.resume();
      if (res.statusCode === 200) finish(null);
      else finish(`readyz answered HTTP ${res.statusCode}`);
    });
  });
}
