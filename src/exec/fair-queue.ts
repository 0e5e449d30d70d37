// The chunk queue shared by all statements: free worker slots take the next chunk round-robin by statement.

/** A queued task. `avoid` lists workers that already failed it (or run its other attempt). */
export interface QueuedTask {
  avoid: ReadonlySet<string>;
  /** When true, a worker in `avoid` never takes the task (a duplicate on the same worker is pointless). */
  strict: boolean;
}

interface Owner<T> {
  key: string;
  items: T[];
}

/**
 * Per-statement FIFO queues served round-robin: each `take` serves the statement after the one served
 * last, so a statement with 64 chunks queued and one submitted after it with a single chunk alternate,
 * and a new statement waits at most one turn of every other statement.
 *
 * @example
 *   const q = new FairQueue<Task>();
 *   q.add('big', t1); q.add('big', t2); q.add('small', t3);
 *   q.take('w1', () => true); // t1
 *   q.take('w1', () => true); // t3
 */
export class FairQueue<T extends QueuedTask> {
  private readonly ring: Owner<T>[] = [];
  private readonly owners = new Map<string, Owner<T>>();
  /**
   * Where the next turn starts: one past the owner served last (may equal the ring's length, so an owner
   * added after the last one served is next).
   */
  private cursor = 0;
  private count = 0;

  /** Queues a task for `owner` (registering the owner at the end of the ring); `front` jumps its own queue. */
  add(owner: string, item: T, front = false): void {
    let o = this.owners.get(owner);
    if (!o) {
      o = { key: owner, items: [] };
      this.owners.set(owner, o);
      this.ring.push(o);
    }
    if (front) o.items.unshift(item);
    else o.items.push(item);
    this.count++;
  }

  /** Removes one queued task; false when it was not queued. */
  delete(owner: string, item: T): boolean {
    const o = this.owners.get(owner);
    const i = o ? o.items.indexOf(item) : -1;
    if (!o || i < 0) return false;
    o.items.splice(i, 1);
    this.count--;
    return true;
  }

  /** Drops an owner and everything it has queued. */
  remove(owner: string): T[] {
    const o = this.owners.get(owner);
    if (!o) return [];
    this.owners.delete(owner);
    const i = this.ring.indexOf(o);
    this.ring.splice(i, 1);
    if (i < this.cursor) this.cursor--;
    this.count -= o.items.length;
    return o.items;
  }

  /** Tasks queued for `owner`, or for everyone. */
  size(owner?: string): number {
    if (owner === undefined) return this.count;
    return this.owners.get(owner)?.items.length ?? 0;
  }

  /**
   * The next task `mayRun` accepts, serving owners round-robin from the one after the last served; within
   * an owner, the first acceptable task in queue order.
   */
  take(mayRun: (item: T) => boolean): T | undefined {
    const n = this.ring.length;
    for (let k = 0; k < n; k++) {
      const at = (this.cursor + k) % n;
      const o = this.ring[at] as Owner<T>;
      const i = o.items.findIndex(mayRun);
      if (i < 0) continue;
      const [item] = o.items.splice(i, 1);
      this.count--;
      this.cursor = at + 1;
      return item;
    }
    return undefined;
  }
}

/** A worker's free slots: its concurrency limit minus the chunks it runs now. */
export interface WorkerSlots {
  id: string;
  free: number;
}

/**
 * Whether `worker` may take `task`: any worker that has not failed it may; one that has may still take a
 * non-strict task when every available worker has failed it (better a second try than none).
 */
export function mayRunOn(task: QueuedTask, worker: string, available: readonly string[]): boolean {
  if (!task.avoid.has(worker)) return true;
  return !task.strict && available.every((w) => task.avoid.has(w));
}

/**
 * Hands queued tasks to free slots: one task per worker per round, the least loaded worker first, until
 * no slot is free or nothing left is acceptable. Mutates `slots` (free counts) and the queue.
 *
 * @example
 *   assignSlots(q, [{ id: 'w1', free: 2 }, { id: 'w2', free: 1 }]);
 *   // [{ worker: 'w1', item: t1 }, { worker: 'w2', item: t2 }, { worker: 'w1', item: t3 }]
 */
export function assignSlots<T extends QueuedTask>(
  queue: FairQueue<T>,
  slots: WorkerSlots[],
): { worker: string; item: T }[] {
  const out: { worker: string; item: T }[] = [];
  const ids = slots.map((s) => s.id);
  // Stable sort: among equally free workers the fleet's order decides.
  let open = [...slots].sort((a, b) => b.free - a.free).filter((s) => s.free > 0);
  while (open.length > 0 && queue.size() > 0) {
    const next: WorkerSlots[] = [];
    for (const slot of open) {
      const item = queue.take((t) => mayRunOn(t, slot.id, ids));
      if (!item) continue;
      out.push({ worker: slot.id, item });
      slot.free--;
      if (slot.free > 0) next.push(slot);
    }
    open = next;
  }
  return out;
}
