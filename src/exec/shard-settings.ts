// The settings every shard transaction runs with, on top of the session's own.
import type { ParallelPlan } from '../plan/types.ts';

/**
 * The statement's connection already holds its tables' locks, so a shard only waits for a lock when DDL is
 * queued between them (a wait cycle PostgreSQL cannot see): give up soon and run the statement whole.
 */
export const SHARD_LOCK_TIMEOUT = '1s';

/**
 * Shards print floats exactly (extra_float_digits 3) when a final statement reads them back; rows that go
 * to the client as the shards print them keep the session's own setting. Shards never start PostgreSQL's
 * parallel workers: the chunks are the parallelism, and a parallel plan over a chunk has every parallel
 * worker scan the whole chunk where the range scan is not parallel-aware (a TID range scan on the inner
 * side of a parallel hash join, measured: 3x the work).
 */
export function shardSettings(settings: Record<string, string>, plan: ParallelPlan): Record<string, string> {
  const out = { ...settings, lock_timeout: SHARD_LOCK_TIMEOUT, max_parallel_workers_per_gather: '0' };
  if (
    !plan.merge.final &&
    settings.extra_float_digits !== undefined &&
    Number(settings.extra_float_digits) < 1
  )
    return out;
  return { ...out, extra_float_digits: '3' };
}
