// Background rounds at a fixed rate (health checks, DNS lookups, database-server checks) and time limits.

/**
 * Runs `round` every `intervalMs` from when the previous one started (a slow round does not stretch the
 * period, and rounds never overlap). The timer never keeps the process alive.
 *
 * @example
 *   const loop = new FixedRate(2000, () => checkAll());
 *   loop.start();
 *   loop.stop();
 */
export class FixedRate {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    readonly intervalMs: number,
    private readonly round: () => Promise<void>,
    /** Told when a round took longer than the interval (ms it took). */
    private readonly onOverrun?: (ms: number) => void,
  ) {}

  /** Starts the rounds, the first one after `delayMs` (default the interval). */
  start(delayMs = this.intervalMs): void {
    if (this.running) return;
    this.running = true;
    this.schedule(delayMs);
  }

  /** No round starts after this; one in progress is the caller's to await. */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delay: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const started = performance.now();
      void this.round()
        .catch(() => {}) // rounds report their own failures
        .finally(() => {
          const took = performance.now() - started;
          if (took > this.intervalMs) this.onOverrun?.(took);
          this.schedule(Math.max(0, this.intervalMs - took));
        });
    }, delay);
    this.timer.unref();
  }
}

/** `work`, or a rejection with `message` after `ms`. */
export function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
