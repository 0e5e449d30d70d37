// The scheduler's data: its options, what a statement hands it, and the statements, chunks and attempts it tracks.
import type { Logger } from 'pino';
import type { Fleet } from '../cluster/types.ts';
import type { ParallelPlan } from '../plan/types.ts';
import type { ChunkRequest, FieldInfo } from '../worker/protocol.ts';
import type { ShardStat } from './api.ts';
import type { AttemptFailure } from './chunk-faults.ts';
import type { QueuedTask } from './fair-queue.ts';
import type { SpeculationOptions } from './speculation.ts';
import type { ChunkOutcome, runChunk } from './worker-client.ts';

export interface SchedulerOptions {
  fleet: Fleet;
  logger?: Logger;
  /** An attempt running longer is aborted (the worker cancels it in PostgreSQL) and retried elsewhere. */
  chunkTimeoutMs?: number;
  /** Failed attempts of one chunk before the statement fails. */
  maxAttempts?: number;
  /** How long a statement with queued chunks waits while no worker is available before it fails. */
  noWorkerTimeoutMs?: number;
  /** Duplicate straggling chunks on idle workers (false turns it off). */
  speculation?: Partial<SpeculationOptions> | false;
  /** What runs one attempt; tests substitute it. Default: `runChunk` over HTTP. */
  runChunk?: RunChunkFn;
}

export const SCHEDULER_DEFAULTS = Object.freeze({
  chunkTimeoutMs: 300_000,
  maxAttempts: 3,
  noWorkerTimeoutMs: 10_000,
});

/** What one statement hands the scheduler. */
export interface StatementInput {
  plan: ParallelPlan;
  statementId: string;
  secret: string;
  snapshot: string;
  settings: Record<string, string>;
  role: string | null;
  /** Values of the user parameters the shard statement uses, in its order. */
  userValues: (string | null)[];
  /** Aborting it (client gone) cancels every running attempt; the statement fails with 57014. */
  signal?: AbortSignal;
  /** Epoch ms (`Date.now()` scale): past it the statement fails with 57014 statement timeout. */
  deadline?: number;
  /**
   * Which database server each attempt runs on (read replicas). Absent: every chunk runs on the workers'
   * own database and imports `snapshot`, as without replicas.
   */
  placement?: ChunkPlacement;
}

/** Where one attempt of a chunk runs, and what the worker needs to read the right data there. */
export interface ChunkTarget {
  /** Server id (`primary`, `r1`, ...), for the chunk's stats and fault reports. */
  server: string;
  /** The server's connection URL; null: the worker's own database (the primary). */
  url: string | null;
  /** Snapshot to import there (it must have been exported on that server), or null. */
  snapshot: string | null;
  /** WAL position the server must have replayed before the chunk's transaction starts, or null. */
  minLsn: string | null;
}

/**
 * Places a statement's attempts on database servers. `snapshot` consistency pins every chunk to the server
 * holding the statement's snapshot; `spread` picks a server per attempt.
 */
export interface ChunkPlacement {
  /** The target of the next attempt; `avoid`: servers this chunk already failed on (a hint). */
  pick(avoid: ReadonlySet<string>): ChunkTarget;
  /** Every chunk must run on one server (its snapshot lives there): a server fault fails the statement. */
  pinned: boolean;
  started(server: string): void;
  /** `aborted`: the scheduler stopped it (another attempt won, the statement ended): neither done nor failed. */
  finished(server: string, outcome: 'ok' | 'failed' | 'aborted'): void;
  /** The server failed an attempt: take it out of the rotation. */
  fault(server: string, reason: string): void;
}

export interface StatementStats {
  /** Attempts launched, first tries included. */
  attempts: number;
  /** Attempts launched because an earlier one failed. */
  retries: number;
  /** Duplicates launched while the first attempt still ran (stragglers, chunks on a worker gone unhealthy). */
  speculative: number;
  /** Chunks whose duplicate finished first. */
  speculativeWins: number;
}

export interface DispatchOutcome {
  fields: FieldInfo[];
  /** All partial rows, chunk by chunk in chunk order (so float combines are deterministic). */
  rows: (string | null)[][];
  /** One per chunk, in chunk order: the attempt whose rows were kept. */
  shards: ShardStat[];
  stats: StatementStats;
}

export interface SchedulerStats extends StatementStats {
  /** Statements submitted since start. */
  statements: number;
  /** Statements that failed (any reason, cancellations included). */
  failed: number;
  chunkTimeouts: number;
  /** Statements running now. */
  running: number;
  /** Chunks waiting for a slot now. */
  queued: number;
  /** Attempts running now. */
  inFlight: number;
}

export type RunChunkFn = typeof runChunk;

export interface Task extends QueuedTask {
  stmt: Statement;
  chunk: Chunk;
  kind: 'first' | 'retry' | 'duplicate';
  strict: boolean;
}

export interface Attempt {
  stmt: Statement;
  chunk: Chunk;
  worker: string;
  /** Its target, when the statement has a placement. */
  target: ChunkTarget | null;
  controller: AbortController;
  startedAt: number;
  kind: Task['kind'];
  timer?: NodeJS.Timeout;
  /** Why the scheduler aborted it: chunk timeout, another attempt won, or the statement ended. */
  stop?: 'timeout' | 'lost' | 'statement';
}

export interface Chunk {
  index: number;
  lo: string | null;
  hi: string | null;
  running: Set<Attempt>;
  launched: number;
  failures: AttemptFailure[];
  /** Workers an attempt failed on. */
  tried: Set<string>;
  /** Database servers an attempt failed on because of the server. */
  badServers: Set<string>;
  /** Its task while queued. */
  task: Task | null;
  /** A duplicate was launched or queued; one per chunk. */
  duplicated: boolean;
  result: ChunkOutcome | null;
  stat: ShardStat | null;
}

export interface Statement {
  key: number;
  input: StatementInput;
  chunks: Chunk[];
  remaining: number;
  /** Wall times of its finished chunks, for the straggler threshold. */
  finishedMs: number[];
  stats: StatementStats;
  /** Since when it has had queued chunks and no worker was available. */
  starvedSince: number | null;
  settled: boolean;
  resolve: (outcome: DispatchOutcome) => void;
  reject: (err: Error) => void;
  /** Removes its abort listener and deadline timer. */
  cleanup: () => void;
}

export function newStatement(
  key: number,
  input: StatementInput,
  resolve: (outcome: DispatchOutcome) => void,
  reject: (err: Error) => void,
): Statement {
  const chunks = input.plan.split.chunks.map(
    (c, i): Chunk => ({
      index: i,
      lo: c.lo,
      hi: c.hi,
      running: new Set(),
      launched: 0,
      failures: [],
      tried: new Set(),
      badServers: new Set(),
      task: null,
      duplicated: false,
      result: null,
      stat: null,
    }),
  );
  return {
    key,
    input,
    chunks,
    remaining: chunks.length,
    finishedMs: [],
    stats: { attempts: 0, retries: 0, speculative: 0, speculativeWins: 0 },
    starvedSince: null,
    settled: false,
    resolve,
    reject,
    cleanup: () => {},
  };
}

/** The rows of every chunk's winning attempt, in chunk order. */
export function outcomeOf(stmt: Statement): DispatchOutcome {
  const rows: (string | null)[][] = [];
  const shards: ShardStat[] = [];
  let fields: FieldInfo[] | undefined;
  for (const c of stmt.chunks) {
    if (!c.result || !c.stat) continue;
    fields ??= c.result.fields;
    for (const row of c.result.rows ?? []) rows.push(row);
    shards.push(c.stat);
  }
  return { fields: fields ?? [], rows, shards, stats: { ...stmt.stats } };
}

/** What an attempt of `chunk` sends its worker (on `target`, when the statement has a placement). */
export function chunkRequest(stmt: Statement, chunk: Chunk, target: ChunkTarget | null = null): ChunkRequest {
  const { input } = stmt;
  const req: ChunkRequest = {
    id: `${input.statementId}/${chunk.index}`,
    sql: input.plan.shardSql,
    params: [...input.userValues, chunk.lo, chunk.hi],
    snapshot: target ? target.snapshot : input.snapshot,
    role: input.role,
    settings: input.settings,
  };
  if (target?.url) req.server = { id: target.server, url: target.url };
  if (target?.minLsn) req.minLsn = target.minLsn;
  return req;
}
