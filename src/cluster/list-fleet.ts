// A Fleet over a plain list of workers (all healthy, fixed concurrency), for callers without a registry.
import type { WorkerRef } from '../exec/worker-client.ts';
import type { ChunkAccounting, Fleet, WorkerInfo } from './types.ts';

/** Chunks each listed worker runs at once unless told otherwise. */
export const LIST_FLEET_CONCURRENCY = 4;

interface Counters {
  inFlight: number;
  completed: number;
  failed: number;
  rows: number;
  busyMs: number;
}

/**
 * Wraps a function listing the workers into a `Fleet`: every listed worker is healthy, runs up to
 * `concurrency` chunks, and is asked again on every scheduling round (it never emits 'change'; the
 * scheduler polls). Reported faults are counted, not acted on: a dead worker leaves the list by itself
 * (the local fleet drops exited processes), a hung one costs its chunks the chunk timeout.
 *
 * @example
 *   const fleet = listFleet(() => localFleet.workers());
 *   new Scheduler({ fleet });
 */
export function listFleet(workers: () => WorkerRef[], concurrency = LIST_FLEET_CONCURRENCY): Fleet {
  const counters = new Map<string, Counters>();
  const of = (id: string): Counters => {
    let c = counters.get(id);
    if (!c) {
      c = { inFlight: 0, completed: 0, failed: 0, rows: 0, busyMs: 0 };
      counters.set(id, c);
    }
    return c;
  };
  return {
    available: () => workers(),
    list: (): WorkerInfo[] =>
      workers().map((w) => ({
        id: w.id,
        url: w.url,
        source: 'static',
        state: 'healthy',
        concurrency,
        ...of(w.id),
        lastHeartbeat: null,
        consecutiveFailures: 0,
      })),
    concurrencyOf: () => concurrency,
    chunkStarted: (id) => {
      of(id).inFlight++;
    },
    chunkFinished: (id, outcome: ChunkAccounting) => {
      const c = of(id);
      c.inFlight = Math.max(0, c.inFlight - 1);
      if (outcome.ok) c.completed++;
      else c.failed++;
      c.rows += outcome.rows;
      c.busyMs += outcome.ms;
    },
    reportFault: () => {},
    on: () => {},
    off: () => {},
  };
}
