// The plan as the API, EXPLAIN and the dashboard show it: mode, reason or split, shard SQL and merge steps.
import type { DistributedPlan } from '../plan/types.ts';

export function planSummary(plan: DistributedPlan): Record<string, unknown> {
  if (plan.kind === 'passthrough') return { mode: 'passthrough', reason: plan.reason };
  if (plan.kind === 'union') {
    return {
      mode: 'parallel',
      strategy: 'union-branches',
      branches: plan.branches.map((b) => ({ sql: b.sql, ...planSummary(b.plan) })),
      merge: { kind: plan.merge.kind, steps: plan.merge.steps },
    };
  }
  return {
    mode: 'parallel',
    table: `${plan.split.table.schema}.${plan.split.table.name}`,
    strategy: plan.split.strategy,
    key: plan.split.key,
    boundsFrom: plan.split.boundsFrom,
    chunks: plan.split.chunks.length,
    ranges: plan.split.chunks.map((c) => [c.lo, c.hi]),
    shardSql: plan.shardSql,
    merge: { kind: plan.merge.kind, steps: plan.merge.steps },
  };
}
