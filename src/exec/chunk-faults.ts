// Which chunk failures are the worker's (retry elsewhere) and which are the statement's (fail at once), and the errors we raise.
import { chunkTimedOut, workerUnavailable } from '../errors/codes.ts';
import { PgError, type PgErrorFields } from '../errors/pg-error.ts';
import type { ChunkFault } from '../worker/protocol.ts';

/**
 * - `worker`: the worker died, disconnected or answered garbage (class 08): retry elsewhere, report the worker.
 * - `server`: PostgreSQL shut down or ran out of resources (57P01-57P03, class 53): retry elsewhere.
 * - `replica`: the chunk's replica failed, is behind or cancelled it (a ServerFault): retry on another
 *   database server (or, when the statement's snapshot lives on that replica, fail the statement so the
 *   coordinator runs it on the primary); the worker is not blamed.
 * - `statement`: anything else, PostgreSQL's verdict on the statement (syntax, 42501, 22012, 57014 from
 *   its own statement_timeout, ...) or our own bug: the statement fails with it, unchanged.
 */
export type FaultKind = 'worker' | 'server' | 'replica' | 'statement';

const SERVER_CODES = new Set(['57P01', '57P02', '57P03']);

/** A chunk failed because of the database server it ran on (a replica), as the worker reported it. */
export class ServerFault extends PgError {
  readonly server: string;
  readonly reason: ChunkFault['reason'];

  constructor(fields: PgErrorFields, fault: ChunkFault) {
    super(fields);
    this.name = 'ServerFault';
    this.server = fault.server;
    this.reason = fault.reason;
  }
}

export function faultKind(err: unknown): FaultKind {
  if (err instanceof ServerFault) return 'replica';
  if (!(err instanceof PgError)) return 'statement';
  if (err.code.startsWith('08')) return 'worker';
  if (err.code.startsWith('53') || SERVER_CODES.has(err.code)) return 'server';
  return 'statement';
}

/** One failed attempt of a chunk, as the final error lists it. */
export interface AttemptFailure {
  worker: string;
  message: string;
  timedOut: boolean;
}

/**
 * The error of a chunk that failed on every attempt: 57014 when its last attempt ran into the chunk
 * timeout, 08006 otherwise; the message names the chunk, the workers and the last cause, the detail
 * every attempt.
 *
 * @example
 *   chunkExhausted('ab12', 3, [...]).message;
 *   // 'chunk 3 of statement ab12 failed on workers w1, w2, w3: worker w3 stopped responding (chunk timeout 2000 ms)'
 */
export function chunkExhausted(statementId: string, chunk: number, failures: AttemptFailure[]): PgError {
  const last = failures.at(-1);
  const workers = [...new Set(failures.map((f) => f.worker))].join(', ');
  const message = `chunk ${chunk} of statement ${statementId} failed on ${
    failures.length === 1 ? 'worker' : 'workers'
  } ${workers}: ${last?.message ?? 'no attempt ran'}`;
  const detail = failures.map((f, i) => `attempt ${i + 1} on ${f.worker}: ${f.message}`).join('; ');
  return last?.timedOut ? chunkTimedOut(message, detail) : workerUnavailable(message, detail);
}

/** The error of a statement that waited too long for any healthy worker. */
export function noWorkers(statementId: string, waitedMs: number, waiting: number): PgError {
  return workerUnavailable(
    `no healthy worker available for ${Math.round(waitedMs)} ms`,
    `statement ${statementId} had ${waiting} ${waiting === 1 ? 'chunk' : 'chunks'} waiting for a worker`,
  );
}
