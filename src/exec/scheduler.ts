// One scheduler per coordinator: runs every statement's chunks on the fleet with fair sharing, retries, timeouts, speculation and cancellation.
import { type Logger, pino } from 'pino';
import type { Fleet, WorkerInfo } from '../cluster/types.ts';
import { adminShutdown, queryCanceled, statementTimeout } from '../errors/codes.ts';
import { PgError, toPgError } from '../errors/pg-error.ts';
import { chunkExhausted, faultKind, noWorkers, ServerFault } from './chunk-faults.ts';
import { assignSlots, FairQueue, type WorkerSlots } from './fair-queue.ts';
import {
  type Attempt,
  type Chunk,
  chunkRequest,
  type DispatchOutcome,
  newStatement,
  outcomeOf,
  type RunChunkFn,
  SCHEDULER_DEFAULTS,
  type SchedulerOptions,
  type SchedulerStats,
  type Statement,
  type StatementInput,
  type Task,
} from './scheduler-state.ts';
import { DEFAULT_SPECULATION, planDuplicates, type SpeculationOptions } from './speculation.ts';
import { type ChunkOutcome, runChunk, type WorkerRef } from './worker-client.ts';

export type {
  DispatchOutcome,
  RunChunkFn,
  SchedulerOptions,
  SchedulerStats,
  StatementInput,
  StatementStats,
} from './scheduler-state.ts';
export { SCHEDULER_DEFAULTS } from './scheduler-state.ts';

/** While statements wait for workers, the fleet is read again this often (a fleet need not emit 'change'). */
const POLL_MS = 200;
/** setTimeout's largest delay. */
const MAX_DELAY = 2 ** 31 - 1;

const min = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b);

/**
 * Runs the chunks of all statements on the fleet. Each worker runs at most `fleet.concurrencyOf(id)`
 * chunks; free slots take the next chunk round-robin by statement; a chunk that fails at the connection
 * level or times out is retried on another worker; the last stragglers of a statement are duplicated on
 * idle workers; abort and deadline cancel every running attempt. Rows of an attempt count only when it
 * completes, so a result is never partial or doubled.
 *
 * @example
 *   const scheduler = new Scheduler({ fleet, chunkTimeoutMs: 60_000 });
 *   const { fields, rows, shards } = await scheduler.submit({ plan, statementId, secret, snapshot,
 *     settings, role, userValues, signal, deadline: Date.now() + 30_000 });
 *   await scheduler.close();
 */
export class Scheduler {
  private readonly fleet: Fleet;
  private readonly log: Logger;
  private readonly chunkTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly noWorkerTimeoutMs: number;
  private readonly speculation: SpeculationOptions | null;
  private readonly run: RunChunkFn;
  private readonly queue = new FairQueue<Task>();
  private readonly statements = new Map<number, Statement>();
  private readonly attempts = new Set<Attempt>();
  /** Attempts running per worker. */
  private readonly busy = new Map<string, number>();
  private readonly totals: Omit<SchedulerStats, 'running' | 'queued' | 'inFlight'> = {
    statements: 0,
    failed: 0,
    attempts: 0,
    retries: 0,
    chunkTimeouts: 0,
    speculative: 0,
    speculativeWins: 0,
  };
  private wake: NodeJS.Timeout | null = null;
  private pumping = false;
  private again = false;
  private closed = false;
  private seq = 0;
  private readonly onChange = (): void => this.pump();

  constructor(opts: SchedulerOptions) {
    this.fleet = opts.fleet;
    this.log = opts.logger ?? pino({ level: 'silent' });
    this.chunkTimeoutMs = opts.chunkTimeoutMs ?? SCHEDULER_DEFAULTS.chunkTimeoutMs;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? SCHEDULER_DEFAULTS.maxAttempts);
    this.noWorkerTimeoutMs = opts.noWorkerTimeoutMs ?? SCHEDULER_DEFAULTS.noWorkerTimeoutMs;
    this.speculation = opts.speculation === false ? null : { ...DEFAULT_SPECULATION, ...opts.speculation };
    this.run = opts.runChunk ?? runChunk;
    this.fleet.on('change', this.onChange);
  }

  /** Runs one statement's chunks; resolves with the partial rows in chunk order. */
  submit(input: StatementInput): Promise<DispatchOutcome> {
    if (this.closed) return Promise.reject(adminShutdown());
    if (input.signal?.aborted) return Promise.reject(queryCanceled());
    if (input.deadline !== undefined && input.deadline <= Date.now())
      return Promise.reject(statementTimeout());
    return new Promise<DispatchOutcome>((resolve, reject) => {
      const stmt = newStatement(++this.seq, input, resolve, reject);
      this.totals.statements++;
      if (stmt.chunks.length === 0) return this.complete(stmt);
      this.statements.set(stmt.key, stmt);
      for (const chunk of stmt.chunks) this.enqueue(stmt, chunk, 'first');
      const onAbort = (): void => this.fail(stmt, queryCanceled());
      input.signal?.addEventListener('abort', onAbort, { once: true });
      const deadline =
        input.deadline === undefined
          ? undefined
          : setTimeout(
              () => this.fail(stmt, statementTimeout()),
              Math.min(MAX_DELAY, input.deadline - Date.now()),
            );
      stmt.cleanup = () => {
        input.signal?.removeEventListener('abort', onAbort);
        clearTimeout(deadline);
      };
      this.pump();
    });
  }

  /** Running totals since start, for metrics. */
  stats(): SchedulerStats {
    return {
      ...this.totals,
      running: this.statements.size,
      queued: this.queue.size(),
      inFlight: this.attempts.size,
    };
  }

  /** Fails every running statement with 57P01 and stops listening to the fleet. */
  async close(): Promise<void> {
    this.closed = true;
    this.fleet.off('change', this.onChange);
    for (const stmt of [...this.statements.values()]) this.fail(stmt, adminShutdown());
    this.setWake(null);
  }

  private enqueue(stmt: Statement, chunk: Chunk, kind: Task['kind'], avoid = new Set<string>()): void {
    const task: Task = { stmt, chunk, kind, avoid, strict: kind === 'duplicate' };
    chunk.task = task;
    this.queue.add(String(stmt.key), task, kind !== 'first');
  }

  /** Hands out work; called whenever something changed (submit, attempt ended, fleet change, timer). */
  private pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        if (!this.closed) this.pumpOnce();
      } while (this.again);
    } catch (err) {
      this.log.error({ err }, 'scheduler failed to hand out chunks; trying again');
      this.setWake(performance.now() + POLL_MS);
    } finally {
      this.pumping = false;
    }
  }

  private pumpOnce(): void {
    const now = performance.now();
    // A worker that may run nothing (concurrency 0) counts as absent.
    const workers = this.fleet.available().filter((w) => this.fleet.concurrencyOf(w.id) > 0);
    const byId = new Map(workers.map((w) => [w.id, w]));
    this.rescue(byId);
    let wakeAt: number | null = null;
    for (const stmt of [...this.statements.values()]) {
      const waiting = this.queue.size(String(stmt.key));
      if (waiting === 0 || workers.length > 0) {
        stmt.starvedSince = null;
        continue;
      }
      stmt.starvedSince ??= now;
      const limit = stmt.starvedSince + this.noWorkerTimeoutMs;
      if (now >= limit) this.fail(stmt, noWorkers(stmt.input.statementId, now - stmt.starvedSince, waiting));
      else wakeAt = min(wakeAt, Math.min(limit, now + POLL_MS));
    }
    const slots: WorkerSlots[] = workers.map((w) => ({
      id: w.id,
      free: Math.max(0, this.fleet.concurrencyOf(w.id) - (this.busy.get(w.id) ?? 0)),
    }));
    for (const { worker, item } of assignSlots(this.queue, slots)) {
      item.chunk.task = null;
      this.launch(item.stmt, item.chunk, byId.get(worker) as WorkerRef, item.kind);
    }
    if (this.speculation) wakeAt = min(wakeAt, this.speculate(slots, byId, now, this.speculation));
    this.setWake(wakeAt);
  }

  /** Duplicates the stragglers of statements with nothing queued onto free slots; returns when to look again. */
  private speculate(
    slots: WorkerSlots[],
    byId: Map<string, WorkerRef>,
    now: number,
    opts: SpeculationOptions,
  ): number | null {
    const idle = [...this.statements.values()].filter((s) => this.queue.size(String(s.key)) === 0);
    const { launches, wakeAt } = planDuplicates(idle, slots, now, opts);
    for (const { stmt, chunk, worker } of launches) {
      chunk.duplicated = true;
      this.log.debug(
        { statement: stmt.input.statementId, chunk: chunk.index, worker },
        'speculative duplicate',
      );
      this.launch(stmt, chunk, byId.get(worker) as WorkerRef, 'duplicate');
    }
    return wakeAt;
  }

  /**
   * A chunk running on a worker that left the rotation as unhealthy (not draining) gets a duplicate at once,
   * ahead of the queue; the first result wins. Saves waiting for the chunk timeout on a hung worker.
   */
  private rescue(available: Map<string, WorkerRef>): void {
    let states: Map<string, WorkerInfo['state']> | undefined;
    for (const a of this.attempts) {
      const { chunk } = a;
      if (available.has(a.worker) || a.stop || chunk.duplicated || chunk.task || chunk.running.size !== 1)
        continue;
      states ??= new Map(this.fleet.list().map((w) => [w.id, w.state]));
      if (states.get(a.worker) === 'draining') continue;
      chunk.duplicated = true;
      this.enqueue(a.stmt, chunk, 'duplicate', new Set([a.worker, ...chunk.tried]));
    }
  }

  private launch(stmt: Statement, chunk: Chunk, worker: WorkerRef, kind: Task['kind']): void {
    const controller = new AbortController();
    const placement = stmt.input.placement;
    const target = placement ? placement.pick(chunk.badServers) : null;
    const a: Attempt = {
      stmt,
      chunk,
      worker: worker.id,
      target,
      controller,
      startedAt: performance.now(),
      kind,
    };
    if (target) placement?.started(target.server);
    chunk.running.add(a);
    chunk.launched++;
    this.attempts.add(a);
    this.busy.set(worker.id, (this.busy.get(worker.id) ?? 0) + 1);
    stmt.stats.attempts++;
    this.totals.attempts++;
    if (kind === 'retry') {
      stmt.stats.retries++;
      this.totals.retries++;
    } else if (kind === 'duplicate') {
      stmt.stats.speculative++;
      this.totals.speculative++;
    }
    this.fleet.chunkStarted(worker.id);
    a.timer = setTimeout(() => {
      this.totals.chunkTimeouts++;
      this.abort(a, 'timeout');
    }, this.chunkTimeoutMs);
    let p: Promise<ChunkOutcome>;
    try {
      p = this.run(worker, stmt.input.secret, chunkRequest(stmt, chunk, target), {
        signal: controller.signal,
      });
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (out) => this.succeeded(a, out),
      (err: unknown) => this.failed(a, err),
    );
  }

  private abort(a: Attempt, why: NonNullable<Attempt['stop']>): void {
    if (a.stop) return;
    a.stop = why;
    clearTimeout(a.timer);
    a.controller.abort();
  }

  private ended(a: Attempt): number {
    clearTimeout(a.timer);
    a.chunk.running.delete(a);
    this.attempts.delete(a);
    const n = (this.busy.get(a.worker) ?? 1) - 1;
    if (n > 0) this.busy.set(a.worker, n);
    else this.busy.delete(a.worker);
    return performance.now() - a.startedAt;
  }

  private succeeded(a: Attempt, out: ChunkOutcome): void {
    const ms = this.ended(a);
    this.fleet.chunkFinished(a.worker, { ok: true, rows: out.rowCount, ms, workerFault: false });
    const { stmt, chunk } = a;
    if (a.target) stmt.input.placement?.finished(a.target.server, 'ok');
    if (!stmt.settled && chunk.result === null) {
      chunk.result = out;
      chunk.stat = { chunk: chunk.index, worker: a.worker, rows: out.rowCount, ms: out.ms };
      if (a.target) chunk.stat.server = a.target.server;
      if (chunk.launched > 1) chunk.stat.attempts = chunk.launched;
      if (a.kind === 'duplicate') {
        chunk.stat.speculative = true;
        stmt.stats.speculativeWins++;
        this.totals.speculativeWins++;
      }
      for (const other of chunk.running) this.abort(other, 'lost');
      if (chunk.task) this.queue.delete(String(stmt.key), chunk.task);
      chunk.task = null;
      stmt.finishedMs.push(ms);
      if (--stmt.remaining === 0) this.complete(stmt);
    }
    this.pump();
  }

  private failed(a: Attempt, err: unknown): void {
    const ms = this.ended(a);
    const { stmt, chunk } = a;
    const placement = stmt.input.placement;
    if (a.stop === 'lost' || a.stop === 'statement' || stmt.settled || chunk.result !== null) {
      this.fleet.chunkFinished(a.worker, { ok: false, rows: 0, ms, workerFault: false });
      if (a.target) placement?.finished(a.target.server, 'aborted');
      this.pump();
      return;
    }
    const timedOut = a.stop === 'timeout';
    const kind = timedOut ? 'worker' : faultKind(err);
    const message = timedOut
      ? `worker ${a.worker} stopped responding (chunk timeout ${this.chunkTimeoutMs} ms)`
      : err instanceof Error
        ? err.message
        : String(err);
    this.fleet.chunkFinished(a.worker, {
      ok: false,
      rows: 0,
      ms,
      workerFault: kind === 'worker' || kind === 'server',
    });
    if (a.target) placement?.finished(a.target.server, 'failed');
    if (err instanceof ServerFault) {
      // The server failed, not the worker: out of the rotation when it is gone (not when merely behind).
      if (err.reason === 'unavailable') placement?.fault(err.server, message);
      if (!placement || placement.pinned) {
        // The statement's snapshot lives on that server: no other server can run the chunk.
        this.fail(stmt, err);
        this.pump();
        return;
      }
      chunk.badServers.add(err.server);
    }
    if (kind === 'statement') {
      if (!(err instanceof PgError)) this.log.error({ err }, 'chunk failed unexpectedly');
      this.fail(stmt, toPgError(err));
      this.pump();
      return;
    }
    chunk.failures.push({ worker: a.worker, message, timedOut });
    if (kind !== 'replica') chunk.tried.add(a.worker);
    const log = { statement: stmt.input.statementId, chunk: chunk.index, worker: a.worker, reason: message };
    if (chunk.task) {
      // A duplicate waits in the queue: it is now the retry, and may go anywhere.
      chunk.task.kind = 'retry';
      chunk.task.strict = false;
    } else if (chunk.running.size === 0 && chunk.failures.length >= this.maxAttempts) {
      this.log.warn(log, 'chunk failed on its last attempt');
      this.fail(stmt, chunkExhausted(stmt.input.statementId, chunk.index, chunk.failures));
    } else if (chunk.running.size === 0) {
      this.enqueue(stmt, chunk, 'retry', new Set(chunk.tried));
    }
    if (!stmt.settled)
      this.log.warn({ ...log, attempt: chunk.failures.length }, 'chunk attempt failed; retrying');
    // After the chunk is requeued: a registry may take the worker out of rotation and pump at once.
    if (kind === 'worker') this.fleet.reportFault(a.worker, message);
    this.pump();
  }

  private complete(stmt: Statement): void {
    stmt.settled = true;
    this.forget(stmt);
    stmt.resolve(outcomeOf(stmt));
  }

  private fail(stmt: Statement, err: PgError): void {
    if (stmt.settled) return;
    stmt.settled = true;
    this.totals.failed++;
    this.forget(stmt);
    for (const chunk of stmt.chunks) for (const a of chunk.running) this.abort(a, 'statement');
    stmt.reject(err);
  }

  private forget(stmt: Statement): void {
    stmt.cleanup();
    this.statements.delete(stmt.key);
    this.queue.remove(String(stmt.key));
  }

  private setWake(at: number | null): void {
    if (this.wake) clearTimeout(this.wake);
    this.wake = null;
    if (at === null) return;
    this.wake = setTimeout(
      () => {
        this.wake = null;
        this.pump();
      },
      Math.max(0, at - performance.now()),
    );
  }
}
