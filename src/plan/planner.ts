// The splitter: a parsed SELECT, the catalog and PostgreSQL's description of it in, a DistributedPlan out.
import { type Ast, clone, nodeKind } from '../sql/ast.ts';
import { deparse } from '../sql/parser.ts';
import type { CatalogView } from '../catalog/types.ts';
import { collectAggregates, distinctArgument, isAggregateQuery, rewriteAggregate } from './aggregate.ts';
import { unsupportedConstruct } from './checks.ts';
import { bindParams } from './params.ts';
import { rangePredicate } from './ranges.ts';
import { rewriteRows } from './rows.ts';
import { cteNames, collectScope } from './scope.ts';
import { chooseSplit } from './split.ts';
import { type DistributedPlan, type ParallelPlan, passthrough } from './types.ts';

export interface PlanInput {
  /** The statement node (`{ SelectStmt: ... }`). */
  stmt: Ast;
  catalog: CatalogView;
  /** From PostgreSQL's Describe of the original statement. */
  resultTypes: readonly number[];
  paramTypes: readonly number[];
  chunks: number;
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
  if (nodeKind(input.stmt) !== 'SelectStmt') return passthrough(`${nodeKind(input.stmt) ?? 'statement'} is not a SELECT`);
  const sel: Ast = clone(input.stmt.SelectStmt);
  if (sel.valuesLists) return passthrough('VALUES list');
  if (sel.op && sel.op !== 'SETOP_NONE') return passthrough(`set operation ${String(sel.op).replace('SETOP_', '')}`);
  const bad = unsupportedConstruct(sel, catalog);
  if (bad) return passthrough(bad);
  if (!sel.fromClause) return passthrough('no FROM clause');

  const scope = collectScope(sel, catalog, cteNames(sel));
  const aggregate = isAggregateQuery(sel, catalog);
  let distinctArg: Ast | undefined;
  if (aggregate) {
    const d = distinctArgument(collectAggregates([sel.targetList, sel.havingClause, sel.sortClause], catalog));
    if (typeof d === 'string') return passthrough(d);
    distinctArg = d;
  }
  const chunks = Math.max(1, Math.min(1024, Math.floor(input.chunks)));
  const split = chooseSplit(scope, catalog, chunks, distinctArg);
  if (typeof split === 'string') return passthrough(split);

  // Restrict the split table's scan to the chunk's range, in the SELECT that reads it.
  const owner = split.table.owner;
  const pred = rangePredicate(split.column, split.keyType, split.nullable);
  owner.whereClause = owner.whereClause ? { BoolExpr: { boolop: 'AND_EXPR', args: [owner.whereClause, pred] } } : pred;

  const rewrite = aggregate ? rewriteAggregate(sel, scope, catalog, input.resultTypes) : rewriteRows(sel);
  if (typeof rewrite === 'string') return passthrough(rewrite);

  const paramTypes = input.paramTypes.map((oid) => catalog.typeName(oid));
  const bound = bindParams(rewrite.shard, paramTypes);
  const plan: ParallelPlan = {
    kind: 'parallel',
    split: {
      table: { schema: split.table.info.schema, name: split.table.info.name },
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
