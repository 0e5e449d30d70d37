// Whether a safe split also pays off, judged on PostgreSQL's own plan of the whole statement (the EXPLAIN the
// auto mode runs for its cost estimate). Only speed is at stake here: a split that does not pay runs whole.
import type { ParallelPlan } from './types.ts';

/** A node of `EXPLAIN (FORMAT JSON)` output, as far as the rules read it. */
export interface ExplainNode {
  'Node Type'?: string;
  'Parent Relationship'?: string;
  'Relation Name'?: string;
  Alias?: string;
  'Plan Rows'?: number;
  'Total Cost'?: number;
  Plans?: ExplainNode[];
}

/**
 * Above this many partial groups (estimated groups × chunks), shipping and merging every chunk's partial
 * groups costs more than splitting saves (measured: TPC-H Q10 at SF 0.1, about 5,700 groups in 4 chunks,
 * took 1.8x as long split as whole).
 */
export const MAX_PARTIAL_GROUPS = 20_000;

/**
 * A split table smaller than this (8 MB: PostgreSQL's default min_parallel_table_scan_size, below which it
 * does not scan in parallel either) is scanned whole faster than the chunks' round trips, snapshot import
 * and merge take (measured: the demo's 21,000-row employees join, 290 pages, 17 ms whole and 33 ms split).
 */
export const MIN_SPLIT_PAGES = 1024;

const INDEX_SCANS = new Set(['Index Scan', 'Index Only Scan', 'Bitmap Heap Scan']);

/** Why a safe split would not pay: which rule said so, and the reason the plan summary shows. */
export interface NoPayoff {
  rule: 'small table' | 'many groups' | 'index lookups';
  reason: string;
}

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

export interface Scan {
  relation: string;
  /** How the plan names this occurrence (the alias, made unique by EXPLAIN). */
  alias: string;
  type: string;
  /** An index lookup repeated for each outer row (see `scansOf`). */
  lookup: boolean;
  /** PostgreSQL's estimated total cost of the scan node (per loop for a lookup). */
  cost: number;
}

/** Every scan of `relation` (of any relation when not given) anywhere in the plan (subplans included): its node type, and whether it is
 * an index lookup repeated for each outer row (an index scan on the inner side of a nested loop, possibly
 * under a Memoize or Materialize). */
export function scansOf(root: ExplainNode, relation?: string): Scan[] {
  const out: Scan[] = [];
  const visit = (n: ExplainNode, inner: boolean) => {
    const type = n['Node Type'] ?? '';
    const rel = n['Relation Name'];
    if (rel !== undefined && (relation === undefined || rel === relation) && type)
      out.push({
        relation: rel,
        alias: n.Alias ?? rel,
        type,
        lookup: inner && INDEX_SCANS.has(type),
        cost: n['Total Cost'] ?? 0,
      });
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
 * - a small split table (fewer pages than `minPages`): the split's fixed costs outweigh the scan;
 * - many groups: every chunk ships up to that many partial groups, merged again at the end;
 * - the split table read only by index lookups on the inner side of a nested loop: block-range chunks
 *   would each scan their whole range where PostgreSQL reads a few rows per outer row. (A whole-table
 *   index scan, such as an index-only `count(*)`, is not a lookup: chunks scan as much as it does.)
 *
 * @example
 *   splitPaysOff(plan, { 'Node Type': 'Aggregate', 'Plan Rows': 150000 })
 *   // { rule: 'many groups', reason: 'PostgreSQL estimates 150000 groups: ...' }
 */
export function splitPaysOff(
  plan: ParallelPlan,
  explained: ExplainNode,
  minPages = MIN_SPLIT_PAGES,
): NoPayoff | null {
  const { pages } = plan.split.table;
  if (pages !== undefined && pages < minPages) {
    return {
      rule: 'small table',
      reason: `${plan.split.table.name} has ${pages} pages, fewer than ${minPages}: scanning it whole is faster than a split's round trips and merge`,
    };
  }
  if (plan.merge.kind === 'aggregate') {
    const groups = estimatedGroups(explained);
    const chunks = plan.split.chunks.length;
    if (groups !== null && groups * chunks > MAX_PARTIAL_GROUPS) {
      return {
        rule: 'many groups',
        reason: `PostgreSQL estimates ${Math.round(groups)} groups: shipping and merging them from ${chunks} chunks costs more than splitting saves`,
      };
    }
  }
  if (plan.split.strategy === 'ctid-range') {
    const scans = scansOf(explained, plan.split.table.name);
    if (scans.length > 0 && scans.every((s) => s.lookup)) {
      return {
        rule: 'index lookups',
        reason: `PostgreSQL reads ${plan.split.table.name} only by index lookups from a nested loop (${[...new Set(scans.map((s) => s.type))].join(', ')}): block-range chunks would scan all of it`,
      };
    }
  }
  return null;
}

/**
 * Whether a chunk's own plan (EXPLAIN of the shard statement over one key range) pays: it reads the split
 * table through an index (a key range PostgreSQL scans sequentially makes every chunk read the whole table),
 * and its reading of other tables costs no more than that range.
 */
export function chunkPlanPays(chunkPlan: ExplainNode, relation: string, alias: string): boolean {
  const scans = scansOf(chunkPlan);
  const isRange = (s: Scan) => s.relation === relation && s.alias === alias;
  const own = scans.filter(isRange);
  if (own.length === 0 || !own.every((s) => INDEX_SCANS.has(s.type))) return false;
  // What each chunk reads whole of other tables (index lookups per row of the range excepted) is repeated
  // in every chunk: it must not outweigh the range itself (say, a subquery aggregating a whole table).
  const sum = (xs: Scan[]) => xs.reduce((a, s) => a + (s.lookup ? 0 : s.cost), 0);
  const range = sum(own);
  return range > 0 && sum(scans.filter((s) => !isRange(s))) <= range;
}
