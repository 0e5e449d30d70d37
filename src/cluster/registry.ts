// The worker registry: who the workers are, their states, and what each has run (implements the Fleet contract).
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { WorkerRef } from '../exec/worker-client.ts';
import type { ChunkAccounting, Fleet, WorkerInfo, WorkerState } from './types.ts';

/** Chunks a worker runs at once unless it or the operator says otherwise. */
export const DEFAULT_WORKER_CONCURRENCY = 4;

export interface WorkerSpec {
  id: string;
  url: string;
  source: WorkerInfo['source'];
  pid?: number;
  /** Chunks it may run at once (the registry's default when absent). */
  concurrency?: number;
}

/** A self-registration as `POST /api/workers/register` carries it; without an id the URL's host:port is used. */
export interface Registration {
  id?: string;
  url: string;
  pid?: number;
  concurrency?: number;
}

export interface RegistryOptions {
  /** Default concurrency per worker (4). */
  concurrency?: number;
  logger?: Logger;
  /** Wall clock in ms (tests pass a fake one); busy time always uses the monotonic clock. */
  now?: () => number;
}

/** Events: 'change' (joined, left, changed state) and 'joined' (a worker to check now: new, or at a new address). */
interface RegistryEvents {
  change: [];
  joined: [id: string];
}

/** Thrown by `register` when the id belongs to a local or static worker. */
export class WorkerIdTaken extends Error {
  constructor(
    readonly id: string,
    readonly source: WorkerInfo['source'],
  ) {
    super(`worker id "${id}" is already taken by a ${source} worker`);
    this.name = 'WorkerIdTaken';
  }
}

interface Entry {
  info: Omit<WorkerInfo, 'busyMs'>;
  /** Busy time of finished busy periods (ms). */
  busyMs: number;
  /** performance.now() when inFlight went from 0 to 1. */
  busySince: number | null;
  /** Wall ms of the last sign of life (registration, heartbeat, passed check), for forgetting absent workers. */
  lastSeen: number;
}

/**
 * Every worker the coordinator knows, by id, in the order they joined. States: a newly added worker is
 * `unhealthy` until its first passed health check (a self-registered one is `healthy` at once); a fault
 * reported by the scheduler or 2 missed checks make it `unhealthy`; a passed check makes it `healthy`
 * again; `draining` is set by the worker itself before it leaves and no check changes it.
 *
 * Busy time (`busyMs`) is wall-clock time during which the worker had at least one chunk in flight, so
 * `busyMs / elapsed` is the share of time it was in use (whatever its concurrency).
 *
 * @example
 *   const registry = new WorkerRegistry({ logger });
 *   registry.add({ id: 'w1', url: 'http://127.0.0.1:41234', source: 'local', pid: 4242 });
 *   registry.checkPassed('w1');
 *   registry.available(); // [{ id: 'w1', url: 'http://127.0.0.1:41234' }]
 */
export class WorkerRegistry extends EventEmitter<RegistryEvents> implements Fleet {
  private readonly entries = new Map<string, Entry>();
  private readonly defaultConcurrency: number;
  private readonly log: Logger | undefined;
  private readonly now: () => number;

  constructor(opts: RegistryOptions = {}) {
    super();
    this.defaultConcurrency = opts.concurrency ?? DEFAULT_WORKER_CONCURRENCY;
    this.log = opts.logger;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Adds a worker (state `unhealthy` until a health check passes), or, for a known id, updates its address,
   * pid and concurrency (a new address means a new process: it waits for a check again).
   */
  add(spec: WorkerSpec, state: WorkerState = 'unhealthy'): WorkerInfo {
    const known = this.entries.get(spec.id);
    const concurrency = spec.concurrency ?? this.defaultConcurrency;
    if (known) {
      const moved = known.info.url !== spec.url || known.info.pid !== spec.pid;
      known.info.url = spec.url;
      known.info.source = spec.source;
      known.info.concurrency = concurrency;
      if (spec.pid === undefined) delete known.info.pid;
      else known.info.pid = spec.pid;
      if (moved) {
        // A new process: it has not answered yet (the health checker gives its first check longer).
        known.info.consecutiveFailures = 0;
        known.info.lastHeartbeat = null;
        this.setState(known, state, 'it started again at a new address');
        this.emit('joined', spec.id);
      }
      return this.snapshot(known);
    }
    const info: Entry['info'] = {
      id: spec.id,
      url: spec.url,
      source: spec.source,
      state,
      concurrency,
      inFlight: 0,
      completed: 0,
      failed: 0,
      rows: 0,
      lastHeartbeat: state === 'healthy' ? new Date(this.now()).toISOString() : null,
      consecutiveFailures: 0,
    };
    if (spec.pid !== undefined) info.pid = spec.pid;
    const entry: Entry = { info, busyMs: 0, busySince: null, lastSeen: this.now() };
    this.entries.set(spec.id, entry);
    this.log?.info({ worker: spec.id, url: spec.url, source: spec.source, state }, 'worker added');
    this.emit('joined', spec.id);
    this.emit('change');
    return this.snapshot(entry);
  }

  /**
   * A worker announcing itself (first time, after a coordinator restart, or as a heartbeat). A new worker,
   * or one at a new address, is `healthy` at once; a known one only refreshes its heartbeat: whether it
   * leaves the `unhealthy` state is for the health checker to see (the worker reaching us does not prove
   * that we reach it).
   */
  register(reg: Registration): { info: WorkerInfo; created: boolean } {
    const id = reg.id ?? idFromUrl(reg.url);
    const known = this.entries.get(id);
    if (known && known.info.source !== 'registered') throw new WorkerIdTaken(id, known.info.source);
    const spec: WorkerSpec = { id, url: reg.url, source: 'registered' };
    if (reg.pid !== undefined) spec.pid = reg.pid;
    if (reg.concurrency !== undefined) spec.concurrency = reg.concurrency;
    const sameProcess = reg.pid === undefined || reg.pid === known?.info.pid;
    if (known && known.info.url === reg.url && sameProcess) {
      if (reg.concurrency !== undefined) known.info.concurrency = reg.concurrency;
      this.heartbeat(known);
      return { info: this.snapshot(known), created: false };
    }
    // New, or a new process (new address or pid): it registered once listening, so it is up.
    this.add(spec, 'healthy');
    const entry = this.entries.get(id) as Entry;
    this.heartbeat(entry);
    return { info: this.snapshot(entry), created: true };
  }

  /** The worker is leaving: no new chunks; its running ones finish. Undefined for an unknown id. */
  drain(id: string, reason = 'it is shutting down'): WorkerInfo | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.setState(entry, 'draining', reason);
    return this.snapshot(entry);
  }

  /**
   * A draining worker stays after all (it is back in DNS): `unhealthy` until a check passes, checked at once
   * ('joined'). Does nothing to a worker that is not draining.
   */
  resume(id: string, reason: string): void {
    const entry = this.entries.get(id);
    if (entry?.info.state !== 'draining') return;
    entry.info.state = 'unhealthy';
    this.log?.info({ worker: id, url: entry.info.url, reason }, 'worker no longer draining');
    this.emit('joined', id);
    this.emit('change');
  }

  /** Forgets a worker. Accounting for chunks it still reports afterwards is ignored. */
  remove(id: string, reason: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.entries.delete(id);
    this.log?.info({ worker: id, reason }, 'worker removed');
    this.emit('change');
    return true;
  }

  /** A passed health check: the worker is (back) in the rotation unless it is draining. */
  checkPassed(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.info.consecutiveFailures = 0;
    this.heartbeat(entry);
    if (entry.info.state === 'unhealthy') this.setState(entry, 'healthy', 'it answered its health check');
  }

  /** A missed health check: after `limit` in a row the worker leaves the rotation. */
  checkFailed(id: string, reason: string, limit = 2): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.info.consecutiveFailures++;
    this.log?.debug({ worker: id, reason, misses: entry.info.consecutiveFailures }, 'health check missed');
    if (entry.info.state === 'healthy' && entry.info.consecutiveFailures >= limit) {
      this.setState(entry, 'unhealthy', `${entry.info.consecutiveFailures} health checks missed: ${reason}`);
    }
  }

  reportFault(id: string, reason: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    if (entry.info.state === 'healthy') this.setState(entry, 'unhealthy', reason);
  }

  /** Removes self-registered workers not seen (no heartbeat, no passed check) for `maxAgeMs`; returns their ids. */
  removeAbsent(maxAgeMs: number): string[] {
    const now = this.now();
    const gone = [...this.entries.values()]
      .filter((e) => e.info.source === 'registered' && e.info.state !== 'healthy')
      .filter((e) => now - e.lastSeen > maxAgeMs)
      .map((e) => e.info.id);
    for (const id of gone) this.remove(id, `not seen for more than ${maxAgeMs} ms`);
    return gone;
  }

  get(id: string): WorkerInfo | undefined {
    const entry = this.entries.get(id);
    return entry && this.snapshot(entry);
  }

  available(): WorkerRef[] {
    const out: WorkerRef[] = [];
    for (const { info } of this.entries.values())
      if (info.state === 'healthy') out.push({ id: info.id, url: info.url });
    return out;
  }

  list(): WorkerInfo[] {
    return [...this.entries.values()].map((e) => this.snapshot(e));
  }

  /** 0 for an unknown worker (it can take nothing). */
  concurrencyOf(id: string): number {
    return this.entries.get(id)?.info.concurrency ?? 0;
  }

  chunkStarted(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    if (entry.info.inFlight === 0) entry.busySince = performance.now();
    entry.info.inFlight++;
  }

  /** Counts the chunk (completed or failed, its rows). A worker fault is reported separately (`reportFault`). */
  chunkFinished(id: string, outcome: ChunkAccounting): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    if (outcome.ok) entry.info.completed++;
    else entry.info.failed++;
    entry.info.rows += outcome.rows;
    if (entry.info.inFlight === 0) return;
    entry.info.inFlight--;
    if (entry.info.inFlight === 0 && entry.busySince !== null) {
      entry.busyMs += performance.now() - entry.busySince;
      entry.busySince = null;
    }
  }

  private heartbeat(entry: Entry): void {
    entry.lastSeen = this.now();
    entry.info.lastHeartbeat = new Date(entry.lastSeen).toISOString();
  }

  private setState(entry: Entry, state: WorkerState, reason: string): void {
    const from = entry.info.state;
    if (from === state) return;
    entry.info.state = state;
    const fields = { worker: entry.info.id, url: entry.info.url, from, to: state, reason };
    if (state === 'unhealthy') this.log?.warn(fields, 'worker left the rotation');
    else this.log?.info(fields, state === 'healthy' ? 'worker joined the rotation' : 'worker draining');
    this.emit('change');
  }

  private snapshot(entry: Entry): WorkerInfo {
    const running = entry.busySince === null ? 0 : performance.now() - entry.busySince;
    return { ...entry.info, busyMs: Math.round(entry.busyMs + running) };
  }
}

/** The id of a worker that registered without one: its address, `host:port`. */
export function idFromUrl(url: string): string {
  const u = new URL(url);
  return u.port === '' ? u.hostname : `${u.hostname}:${u.port}`;
}
