// Hands a plan's chunks to the workers (each free worker pulls the next chunk) and gathers partial rows in chunk order.
import { workerUnavailable } from '../errors/codes.ts';
import { PgError } from '../errors/pg-error.ts';
import type { ParallelPlan } from '../plan/types.ts';
import type { FieldInfo } from '../worker/protocol.ts';
import type { ShardStat } from './api.ts';
import { runChunk, type WorkerRef } from './worker-client.ts';

export interface DispatchInput {
  plan: ParallelPlan;
  statementId: string;
  workers: () => WorkerRef[];
  secret: string;
  snapshot: string;
  settings: Record<string, string>;
  role: string | null;
  /** Values of the user parameters the shard statement uses, in its order. */
  userValues: (string | null)[];
  signal?: AbortSignal;
  /** How many times a chunk is retried on another worker after a connection-level failure. */
  retries?: number;
}

export interface DispatchOutcome {
  fields: FieldInfo[];
  /** All partial rows, chunk by chunk in chunk order (so float combines are deterministic). */
  rows: (string | null)[][];
  shards: ShardStat[];
}

const isConnectionError = (e: unknown): boolean => e instanceof PgError && e.code.startsWith('08');

export async function runChunks(input: DispatchInput): Promise<DispatchOutcome> {
  const { plan } = input;
  const chunks = plan.split.chunks;
  const results: ((string | null)[][] | undefined)[] = new Array(chunks.length);
  const shards: ShardStat[] = [];
  let fields: FieldInfo[] | undefined;
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort();
  input.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const queue = chunks.map((c) => ({ chunk: c, attempts: 0 }));
  let failure: unknown;

  const runOn = async (worker: WorkerRef): Promise<void> => {
    for (;;) {
      const item = queue.shift();
      if (!item || failure !== undefined) return;
      const { chunk } = item;
      try {
        const out = await runChunk(
          worker,
          input.secret,
          {
            id: `${input.statementId}/${chunk.index}`,
            sql: plan.shardSql,
            params: [...input.userValues, chunk.lo, chunk.hi],
            snapshot: input.snapshot,
            role: input.role,
            settings: input.settings,
          },
          { signal: abort.signal },
        );
        fields ??= out.fields;
        results[chunk.index] = out.rows ?? [];
        shards.push({ chunk: chunk.index, worker: worker.id, rows: out.rowCount, ms: out.ms });
      } catch (err) {
        if (isConnectionError(err) && item.attempts < (input.retries ?? 2) && !abort.signal.aborted) {
          item.attempts++;
          queue.push(item);
          return; // this worker looks unhealthy: leave its chunks to the others
        }
        failure ??= err;
        abort.abort();
        return;
      }
    }
  };

  try {
    let workers = input.workers();
    if (workers.length === 0) throw workerUnavailable('no workers available');
    await Promise.all(workers.map(runOn));
    // Chunks requeued after the last runners stopped: hand them to whoever is still listed.
    while (failure === undefined && queue.length > 0) {
      workers = input.workers();
      if (workers.length === 0) throw workerUnavailable('no workers available');
      await Promise.all(workers.map(runOn));
    }
    if (failure !== undefined) throw failure;
    if (input.signal?.aborted)
      throw new PgError({ code: '57014', message: 'canceling statement due to user request' });
  } finally {
    input.signal?.removeEventListener('abort', onOuterAbort);
  }
  const rows: (string | null)[][] = [];
  for (const r of results) if (r) for (const row of r) rows.push(row);
  shards.sort((a, b) => a.chunk - b.chunk);
  return { fields: fields ?? [], rows, shards };
}
