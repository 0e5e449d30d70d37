// A Fleet for scheduler tests: workers and states set by the test, every scheduler call recorded.

import type { ChunkAccounting, Fleet, WorkerInfo, WorkerState } from '../../src/cluster/types.ts';
import type { WorkerRef } from '../../src/exec/worker-client.ts';

interface Member {
  ref: WorkerRef;
  state: WorkerState;
  concurrency: number;
}

/**
 * Workers in a fixed order with the states the test sets. Records in-flight chunks per worker (and the
 * most seen at once), finished chunks and reported faults. With `faultRemoves`, a reported fault makes
 * the worker unhealthy, as the registry does; otherwise it stays healthy, as a plain worker list does.
 *
 * @example
 *   const fleet = new TestFleet({ faultRemoves: true });
 *   fleet.add({ id: 'w1', url }, 2);
 */
export class TestFleet implements Fleet {
  readonly members: Member[] = [];
  readonly inFlight = new Map<string, number>();
  readonly maxInFlight = new Map<string, number>();
  readonly finished: { id: string; outcome: ChunkAccounting }[] = [];
  readonly faults: { id: string; reason: string }[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(private readonly opts: { faultRemoves?: boolean } = {}) {}

  add(ref: WorkerRef, concurrency = 4, state: WorkerState = 'healthy'): void {
    this.members.push({ ref, state, concurrency });
    this.emit();
  }

  setState(id: string, state: WorkerState): void {
    const m = this.members.find((w) => w.ref.id === id);
    if (m) m.state = state;
    this.emit();
  }

  available(): WorkerRef[] {
    return this.members.filter((m) => m.state === 'healthy').map((m) => m.ref);
  }

  list(): WorkerInfo[] {
    return this.members.map((m) => ({
      id: m.ref.id,
      url: m.ref.url,
      source: 'static',
      state: m.state,
      concurrency: m.concurrency,
      inFlight: this.inFlight.get(m.ref.id) ?? 0,
      completed: 0,
      failed: 0,
      rows: 0,
      busyMs: 0,
      lastHeartbeat: null,
      consecutiveFailures: 0,
    }));
  }

  concurrencyOf(id: string): number {
    return this.members.find((m) => m.ref.id === id)?.concurrency ?? 0;
  }

  chunkStarted(id: string): void {
    const n = (this.inFlight.get(id) ?? 0) + 1;
    this.inFlight.set(id, n);
    this.maxInFlight.set(id, Math.max(n, this.maxInFlight.get(id) ?? 0));
  }

  chunkFinished(id: string, outcome: ChunkAccounting): void {
    this.inFlight.set(id, (this.inFlight.get(id) ?? 0) - 1);
    this.finished.push({ id, outcome });
  }

  reportFault(id: string, reason: string): void {
    this.faults.push({ id, reason });
    if (this.opts.faultRemoves) this.setState(id, 'unhealthy');
  }

  /** Chunks started and not finished, over all workers. */
  running(): number {
    let n = 0;
    for (const v of this.inFlight.values()) n += v;
    return n;
  }

  on(_event: 'change', listener: () => void): void {
    this.listeners.add(listener);
  }

  off(_event: 'change', listener: () => void): void {
    this.listeners.delete(listener);
  }

  listenerCount(): number {
    return this.listeners.size;
  }

  private emit(): void {
    for (const l of [...this.listeners]) l();
  }
}
