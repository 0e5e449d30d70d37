// The distributed plan as EXPLAIN's text rows: split table, strategy, chunks, shard SQL, merge steps; with
// ANALYZE, every chunk's worker, rows and time.
import type { ShardStat } from '../exec/api.ts';

// biome-ignore lint/suspicious/noExplicitAny: the plan summary is JSON data (see src/exec/summary.ts)
type Summary = Record<string, any>;

function planLines(plan: Summary, indent: string): string[] {
  if (plan.mode !== 'parallel') return [`${indent}Runs whole on PostgreSQL: ${plan.reason ?? 'not split'}`];
  if (plan.strategy === 'union-branches') {
    const out = [`${indent}Union All, branch by branch`];
    (plan.branches as Summary[]).forEach((b, i) => {
      out.push(`${indent}  Branch ${i + 1}: ${b.sql}`);
      out.push(...planLines(b, `${indent}    `));
    });
    out.push(`${indent}Merge: ${(plan.merge?.steps ?? []).join(', ') || plan.merge?.kind}`);
    return out;
  }
  const out = [
    `${indent}Split ${plan.table} into ${plan.chunks} chunks by ${plan.strategy === 'ctid-range' ? 'block ranges (ctid)' : `key ranges on ${plan.key}`} (bounds from ${plan.boundsFrom})`,
    `${indent}Shard SQL: ${String(plan.shardSql).replace(/\s+/g, ' ')}`,
    `${indent}Merge: ${(plan.merge?.steps ?? []).join(', ') || plan.merge?.kind}`,
  ];
  return out;
}

/**
 * @example
 *   explainLines({ mode: 'parallel', table: 'public.t', chunks: 4, ... }, undefined)
 *   // ['Mini-Balancer Distributed Plan (estimated cost 1234)', '  Split public.t into 4 chunks ...', ...]
 */
export function explainLines(
  plan: Summary,
  analyzed?: { shards: ShardStat[]; planMs: number; elapsedMs: number; rows: number },
): string[] {
  const cost = plan.cost === undefined ? '' : ` (estimated cost ${plan.cost})`;
  const out = [`Mini-Balancer Distributed Plan${cost}`, ...planLines(plan, '  ')];
  if (analyzed) {
    for (const s of analyzed.shards) {
      const extra = `${s.attempts && s.attempts > 1 ? `, ${s.attempts} attempts` : ''}${s.speculative ? ', speculative copy won' : ''}`;
      out.push(`  Chunk ${s.chunk}: worker ${s.worker}, rows=${s.rows}, time=${s.ms.toFixed(3)} ms${extra}`);
    }
    out.push(`Result rows: ${analyzed.rows}`);
    out.push(`Planning Time: ${analyzed.planMs.toFixed(3)} ms`);
    out.push(`Execution Time: ${analyzed.elapsedMs.toFixed(3)} ms`);
  }
  return out;
}
