// Whether a safe split also pays off, judged on PostgreSQL's own plan of the whole statement (the EXPLAIN the
// auto mode runs for its cost estimate). Only speed is at stake here: a split that does not pay runs whole.
import type { ParallelPlan } from './types.ts';

/** A node of `EXPLAIN (FORMAT JSON)` output, as far as the rules read it. */
export interface ExplainNode {
  'Node Type'?: string;
  'Parent Relationship'?: string;
  'Relation Name'?: string;
  'Plan Rows'?: number;
  Plans?: ExplainNode[];
}

/**
 * Above this many partial groups (estimated groups × chunks), shipping and merging every chunk's partial
 * groups costs more than splitting saves (measured: TPC-H Q10 at SF 0.1, about 5,700 groups in 4 chunks,
 * took 1.8x as long split as whole).
 */
export const MAX_PARTIAL_GROUPS = 20_000;

const INDEX_SCANS = new Set(['Index Scan', 'Index Only Scan', 'Bitmap Heap Scan']);

/** Children that run as part of the statement's main row flow (not init plans or correlated subplans). */
const mainChildren = (n: ExplainNode): ExplainNode[] =>
  (n.Plans ?? []).filter(
    (c) => c['Parent Relationship'] !== 'InitPlan' && c['Parent Relationship'] !== 'SubPlan',
  );

/** The estimated row count of the outermost Aggregate or Group node of the main flow, or null if none. */
export function estimatedGroups(root: ExplainNode): number | null {
  const queue = [root];
  for (let n = queue.shift(); n; n = queue.shift()) {
    if (n['Node Type'] === 'Aggregate' || n['Node Type'] === 'Group') return n['Plan Rows'] ?? null;
    queue.push(...mainChildren(n));
  }
  return null;
}

/** Every scan of `relation` anywhere in the plan (subplans included): its node type, and whether it is
 * an index lookup repeated for each outer row (an index scan on the inner side of a nested loop, possibly
 * under a Memoize or Materialize). */
export function scansOf(root: ExplainNode, relation: string): { type: string; lookup: boolean }[] {
  const out: { type: string; lookup: boolean }[] = [];
  const visit = (n: ExplainNode, inner: boolean) => {
    const type = n['Node Type'] ?? '';
    if (n['Relation Name'] === relation && type) out.push({ type, lookup: inner && INDEX_SCANS.has(type) });
    for (const c of n.Plans ?? []) {
      const passes = type === 'Memoize' || type === 'Materialize' || type === 'Bitmap Heap Scan';
      visit(c, (type === 'Nested Loop' && c['Parent Relationship'] === 'Inner') || (inner && passes));
    }
  };
  visit(root, false);
  return out;
}

/**
 * Why splitting `plan` would be slower than PostgreSQL's own plan `explained`, or null when it may pay:
 * - many groups: every chunk ships up to that many partial groups, merged again at the end;
 * - the split table read only by index lookups on the inner side of a nested loop: block-range chunks
 *   would each scan their whole range where PostgreSQL reads a few rows per outer row. (A whole-table
 *   index scan, such as an index-only `count(*)`, is not a lookup: chunks scan as much as it does.)
 *
 * @example
 *   splitPaysOff(plan, { 'Node Type': 'Aggregate', 'Plan Rows': 150000 }) // 'PostgreSQL estimates 150000 groups: ...'
 */
export function splitPaysOff(plan: ParallelPlan, explained: ExplainNode): string | null {
  if (plan.merge.kind === 'aggregate') {
    const groups = estimatedGroups(explained);
    const chunks = plan.split.chunks.length;
    if (groups !== null && groups * chunks > MAX_PARTIAL_GROUPS) {
      return `PostgreSQL estimates ${Math.round(groups)} groups: shipping and merging them from ${chunks} chunks costs more than splitting saves`;
    }
  }
  if (plan.split.strategy === 'ctid-range') {
    const scans = scansOf(explained, plan.split.table.name);
    if (scans.length > 0 && scans.every((s) => s.lookup)) {
      return `PostgreSQL reads ${plan.split.table.name} only by index lookups from a nested loop (${[...new Set(scans.map((s) => s.type))].join(', ')}): block-range chunks would scan all of it`;
    }
  }
  return null;
}
