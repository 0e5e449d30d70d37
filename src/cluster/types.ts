// The worker fleet as the scheduler and the HTTP API see it: registry entries, states and per-chunk accounting.
import type { WorkerRef } from '../exec/worker-client.ts';

export type { WorkerInfo, WorkerState } from './worker-info.ts';

import type { WorkerInfo } from './worker-info.ts';

export interface ChunkAccounting {
  ok: boolean;
  rows: number;
  ms: number;
  /** The failure was the worker's (connection lost, died, timed out), not the statement's. */
  workerFault: boolean;
}

/**
 * The registry of workers. The scheduler asks it who may take chunks and reports every chunk it runs; the
 * health checker and registrations change states. Implementations emit 'change' when a worker joins,
 * leaves or changes state (the scheduler then looks for idle capacity again).
 */
export interface Fleet {
  /** Healthy workers (not draining), in a stable order. */
  available(): WorkerRef[];
  /** Everything known, for the API and metrics. */
  list(): WorkerInfo[];
  concurrencyOf(id: string): number;
  chunkStarted(id: string): void;
  chunkFinished(id: string, outcome: ChunkAccounting): void;
  /** A worker fault seen by the scheduler: the worker leaves the rotation until a health check passes. */
  reportFault(id: string, reason: string): void;
  on(event: 'change', listener: () => void): void;
  off(event: 'change', listener: () => void): void;
}
