// The planner's output, as plain data: a passthrough with its reason, or a parallel plan the executor runs.
import type { Ast } from '../sql/ast.ts';

export type SplitStrategy = 'ctid-range' | 'key-range';

/** One chunk: rows of the split table with lo <= key < hi (null = unbounded on that side). */
export interface ChunkRange {
  index: number;
  lo: string | null;
  hi: string | null;
}

export interface SplitSpec {
  /** The split table, schema-qualified, with its size in pages when planned (pg_class.relpages). */
  table: { schema: string; name: string; pages?: number };
  /** How the shard SQL refers to it (alias or name). */
  ref: string[];
  strategy: SplitStrategy;
  /** Range column (`ctid` for block ranges). */
  key: string;
  keyType: string;
  /** Where the bounds come from: `histogram`, `min-max`, `pages`. */
  boundsFrom: string;
  chunks: ChunkRange[];
}

/** What a shard output column is for; every helper column the planner adds is recorded here. */
export type HelperColumn =
  | { kind: 'group'; index: number }
  | { kind: 'partial'; agg: number; part: number }
  | { kind: 'collation'; of: number }
  | { kind: 'target'; index: number }
  | { kind: 'sort'; index: number };

/** One aggregate call of the original statement and how its partials combine. */
export interface AggregateSpec {
  /** The aggregate as written (deparsed), for EXPLAIN and logs. */
  call: string;
  fn: string;
  /** Shard output columns holding this aggregate's partial states. */
  partials: number[];
  /** For ordered string_agg: partials are concatenated in chunk order (reversed for DESC) with this separator. */
  ordered?: { separator: Ast; descending: boolean };
}

export type MergeSpec =
  | {
      /** Shards aggregate per chunk; the final query combines the partial states per group. */
      kind: 'aggregate';
      columns: HelperColumn[];
      groups: number;
      aggregates: AggregateSpec[];
      /** The final statement over the combined rows, as an AST whose leaves are `__mb_g<i>` / `__mb_a<j>`. */
      final: Ast;
      steps: string[];
    }
  | {
      /** Shards return rows; the final query sorts/deduplicates/limits them. */
      kind: 'rows';
      columns: HelperColumn[];
      targets: number;
      final: Ast | null;
      /** Applied while streaming when there is no final query. */
      limit: number | null;
      offset: number;
      steps: string[];
    };

export interface ParamSpec {
  /** Original parameter numbers used by this statement, in their new order ($1, $2, ...). */
  user: number[];
}

export interface ParallelPlan {
  kind: 'parallel';
  split: SplitSpec;
  /** Shard statement: user params first (renumbered per `shardParams`), then `$lo`, `$hi`. */
  shardSql: string;
  shardParams: ParamSpec;
  merge: MergeSpec;
}

export interface PassthroughPlan {
  kind: 'passthrough';
  reason: string;
}

/**
 * A UNION ALL whose branches are planned one by one (some split, some whole), all in one snapshot; the
 * union's ORDER BY/LIMIT then run over the concatenated rows.
 */
export interface UnionPlan {
  kind: 'union';
  branches: {
    /** The branch as a statement of its own, parameters renumbered (see `params`). */
    sql: string;
    /** Original parameter numbers the branch statement uses, in its order. */
    params: number[];
    plan: ParallelPlan | PassthroughPlan;
  }[];
  merge: Extract<MergeSpec, { kind: 'rows' }>;
}

export type DistributedPlan = ParallelPlan | PassthroughPlan | UnionPlan;

export const passthrough = (reason: string): PassthroughPlan =>
  Object.freeze({ kind: 'passthrough', reason });
