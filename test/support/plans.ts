// Hand-built parallel plans for executor tests: shard SQL over id ranges, no planner involved.
import type { ParallelPlan } from '../../src/plan/types.ts';

/**
 * A plan splitting ids 1..rows into `chunks` ranges (the first and last unbounded), running `shardSql` with
 * `userParams` user parameters first and then `$lo`, `$hi`.
 *
 * @example
 *   rangePlan('SELECT count(*) FROM t WHERE (id >= $1 OR $1 IS NULL) AND (id < $2 OR $2 IS NULL)', 64, 64_000);
 */
export function rangePlan(shardSql: string, chunks: number, rows = chunks, userParams = 0): ParallelPlan {
  const bound = (i: number): string => String(1 + Math.floor((i * rows) / chunks));
  return {
    kind: 'parallel',
    split: {
      table: { schema: 'public', name: 'items' },
      ref: ['items'],
      strategy: 'key-range',
      key: 'id',
      keyType: 'int4',
      boundsFrom: 'min-max',
      chunks: Array.from({ length: chunks }, (_, i) => ({
        index: i,
        lo: i === 0 ? null : bound(i),
        hi: i === chunks - 1 ? null : bound(i + 1),
      })),
    },
    shardSql,
    shardParams: { user: Array.from({ length: userParams }, (_, i) => i + 1) },
    merge: { kind: 'rows', columns: [], targets: 0, final: null, limit: null, offset: 0, steps: [] },
  };
}
