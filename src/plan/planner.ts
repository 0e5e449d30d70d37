// The splitter: a parsed SELECT, the catalog and PostgreSQL's description of it in, a DistributedPlan out.

import type { CatalogView } from '../catalog/types.ts';
import { type Ast, clone, nodeKind } from '../sql/ast.ts';
import { deparse } from '../sql/parser.ts';
import {
  collectAggregates,
  groupExpressions,
  isAggregateQuery,
  rewriteAggregate,
  type SplitRequirement,
  splitRequirement,
} from './aggregate.ts';
import { outerAggregateInSubquery, temporaryRelation, unsupportedConstruct } from './checks.ts';
import { rowOrderFixed } from './order.ts';
import { bindParams } from './params.ts';
import { firstChunkOnly, rangePredicate } from './ranges.ts';
import { type RowsRewrite, rewriteRows, rewriteUnion } from './rows.ts';
import { collectScope, cteNames, isRowLocal, unionAllBranches } from './scope.ts';
import { chooseSplit, groupKeySplit, type SplitChoice } from './split.ts';
import { type DistributedPlan, type ParallelPlan, passthrough, type UnionPlan } from './types.ts';

export interface PlanInput {
  /** The statement node (`{ SelectStmt: ... }`). */
  stmt: Ast;
  catalog: CatalogView;
  /** From PostgreSQL's Describe of the original statement. */
  resultTypes: readonly number[];
  resultNames?: readonly string[];
  paramTypes: readonly number[];
  /** A chunk count, or the fleet size to derive one from the split table's size. */
  chunks: number | { workers: number };
  /**
   * Split only statements whose row order the statement fixes (see order.ts): a split cannot reproduce the
   * order PostgreSQL's plan would give rows the statement leaves unordered.
   */
  fixedOrderOnly?: boolean;
  /**
   * For a GROUP BY over an indexed key column of a table it reads: split on that column so every group is
   * whole in one chunk (see `groupKeySplit`) instead of merging partial aggregates. Pays when there are
   * many groups; the coordinator asks for it when the partial groups would be too many to merge.
   */
  groupKeySplit?: boolean;
}

/** Chunks from the table size: about 1 MB of pages each, at least one per worker, at most four per worker. */
export function autoChunks(pages: number, workers: number): number {
  const w = Math.max(1, workers);
  return Math.max(w, Math.min(w * 4, Math.ceil(pages / 128)));
}

/**
 * Plans one statement. Pure: everything it needs is in `input`.
 *
 * @example
 *   planStatement({ stmt, catalog, resultTypes: [25, 20], paramTypes: [], chunks: 8 })
 *   // → { kind: 'parallel', split: { table: { schema: 'public', name: 'employees' }, strategy: 'ctid-range', ... }, ... }
 */
export function planStatement(input: PlanInput): DistributedPlan {
  const { catalog } = input;
  if (nodeKind(input.stmt) !== 'SelectStmt')
    return passthrough(`${nodeKind(input.stmt) ?? 'statement'} is not a SELECT`);
  const sel: Ast = clone(input.stmt.SelectStmt);
  if (sel.valuesLists) return passthrough('VALUES list');
  const branches = unionAllBranches(sel, true);
  if (sel.op && sel.op !== 'SETOP_NONE' && !branches) {
    return passthrough(`set operation ${String(sel.op).replace('SETOP_', '')}${sel.all ? ' ALL' : ''}`);
  }
  const bad =
    temporaryRelation(input.stmt, catalog) ??
    unsupportedConstruct(sel, catalog) ??
    outerAggregateInSubquery({ SelectStmt: sel }, catalog);
  if (bad) return passthrough(bad);
  const isUnion = branches !== undefined && branches.length > 1;
  if (!sel.fromClause && !isUnion) return passthrough('no FROM clause');

  const aggregate = !isUnion && isAggregateQuery(sel, catalog);
  if (input.fixedOrderOnly && !rowOrderFixed(sel, aggregate, input.resultTypes.length, catalog))
    return passthrough(
      "no ORDER BY over every column: the row order would be the plan's, and a split has another",
    );
  if (isUnion && !branches.every((b) => isRowLocal(b, catalog)))
    return planUnionByBranch(input, sel, branches);
  const scope = collectScope(sel, catalog, cteNames(sel));
  const requested = input.chunks;
  const chunks =
    typeof requested === 'number'
      ? Math.max(1, Math.min(1024, Math.floor(requested)))
      : autoChunks(
          Math.max(0, ...scope.tables.filter((t) => t.splittable).map((t) => t.info.pages)),
          requested.workers,
        );
  // Groups whole in one chunk: the shards run the statement as it is (any aggregate, HAVING, ORDER BY and
  // LIMIT per chunk) and the merge treats their output as rows.
  const groups = aggregate && input.groupKeySplit ? groupExpressions(sel, scope) : [];
  const whole = typeof groups === 'string' ? undefined : groupKeySplit(groups, scope, catalog, chunks, sel);
  const wholeGroups = whole !== undefined;
  let split: SplitChoice | string;
  if (whole) split = whole;
  else {
    let required: SplitRequirement | undefined;
    if (aggregate) {
      const d = splitRequirement(
        collectAggregates([sel.targetList, sel.havingClause, sel.sortClause], catalog),
      );
      if (typeof d === 'string') return passthrough(d);
      required = d;
    }
    split = chooseSplit(scope, catalog, chunks, required, sel);
  }
  if (typeof split === 'string') return passthrough(split);

  // Restrict the split table's scan to the chunk's range, in the SELECT that reads it.
  const owner = split.table.owner;
  const pred = rangePredicate(split.column, split.keyType, split.nullable, split.nullsInFirstChunk);
  owner.whereClause = owner.whereClause
    ? { BoolExpr: { boolop: 'AND_EXPR', args: [owner.whereClause, pred] } }
    : pred;
  for (const g of split.table.gates) gateToFirstChunk(g, split.keyType);

  const rewrite = wholeGroups
    ? groupsWhole(rewriteRows(sel, input.resultTypes), split.key)
    : aggregate
      ? rewriteAggregate(sel, scope, catalog, input.resultTypes, input.stmt.SelectStmt.withClause)
      : isUnion
        ? rewriteUnion(sel, input.resultTypes, input.resultNames ?? [])
        : rewriteRows(sel, input.resultTypes);
  if (typeof rewrite === 'string') return passthrough(rewrite);

  const paramTypes = input.paramTypes.map((oid) => catalog.typeName(oid));
  const bound = bindParams(rewrite.shard, paramTypes);
  const plan: ParallelPlan = {
    kind: 'parallel',
    split: {
      table: { schema: split.table.info.schema, name: split.table.info.name, pages: split.table.info.pages },
      ref: split.table.ref,
      strategy: split.strategy,
      key: split.key,
      keyType: split.keyType.join('.'),
      boundsFrom: split.boundsFrom,
      chunks: split.chunks,
    },
    shardSql: deparse(bound.ast),
    shardParams: { user: bound.user },
    merge: rewrite.merge,
  };
  return Object.freeze(plan);
}

/** A rows merge of shards that each finish their own groups: the plan says why no aggregate is combined. */
function groupsWhole(rewrite: RowsRewrite | string, key: string): RowsRewrite | string {
  if (typeof rewrite === 'string') return rewrite;
  const steps = [`groups whole per chunk (split on group key ${key})`, ...rewrite.merge.steps];
  return { ...rewrite, merge: Object.freeze({ ...rewrite.merge, steps }) };
}

/** Rewrites a SELECT body in place as `SELECT * FROM (body) AS __mb_once WHERE $lo IS NULL`: it runs in chunk 0 only. */
function gateToFirstChunk(body: Ast, keyType: [string, string]): void {
  const inner = { ...body };
  for (const k of Object.keys(body)) delete body[k];
  Object.assign(body, {
    targetList: [{ ResTarget: { val: { ColumnRef: { fields: [{ A_Star: {} }] } } } }],
    fromClause: [{ RangeSubselect: { subquery: { SelectStmt: inner }, alias: { aliasname: '__mb_once' } } }],
    whereClause: firstChunkOnly(keyType),
    limitOption: 'LIMIT_OPTION_DEFAULT',
    op: 'SETOP_NONE',
  });
}

/**
 * A UNION ALL with aggregating branches: each branch is planned as a statement of its own. Exact when each
 * branch alone yields the union's column types, which the executor checks before using the result.
 */
function planUnionByBranch(input: PlanInput, sel: Ast, branches: Ast[]): DistributedPlan {
  const merge = rewriteUnion(sel, input.resultTypes, input.resultNames ?? []);
  if (typeof merge === 'string') return passthrough(merge);
  if (merge.merge.kind !== 'rows') return passthrough('UNION ALL');
  const paramTypes = input.paramTypes.map((oid) => input.catalog.typeName(oid));
  const parts: UnionPlan['branches'] = branches.map((b) => {
    const stmt = { SelectStmt: clone(b) };
    const plan = planStatement({ ...input, stmt, resultTypes: [], resultNames: [] });
    const bound = bindParams(stmt, paramTypes);
    return {
      sql: deparse(bound.ast),
      params: bound.user,
      plan: plan as UnionPlan['branches'][number]['plan'],
    };
  });
  if (parts.every((p) => p.plan.kind !== 'parallel')) return passthrough('no branch of the UNION ALL splits');
  return Object.freeze({ kind: 'union', branches: parts, merge: merge.merge });
}
