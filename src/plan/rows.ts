// Splits a query without aggregates: shards return rows (sorted and limited when the query is); the final
// query sorts, deduplicates and limits them, or rows stream straight through when nothing needs doing.
import { type Ast, clone, colRef, columnRefNames, funcCall, op, resTarget, sameNode } from '../sql/ast.ts';
import { FINAL_REL } from './aggregate.ts';
import type { HelperColumn, MergeSpec } from './types.ts';

export interface RowsRewrite {
  shard: Ast;
  merge: MergeSpec;
}

function constInt(n: Ast): number | null | undefined {
  if (n === undefined) return null;
  const c = n.A_Const;
  if (!c) return undefined;
  if (c.isnull) return null;
  if (c.ival !== undefined) return (c.ival.ival ?? 0) as number;
  return undefined;
}

/**
 * @param resultTypes the statement's output column types: a sort key that is an output column of a type
 *   without collation needs no collation helper (computing one costs a text cast per row of each chunk)
 */
export function rewriteRows(sel: Ast, resultTypes: readonly number[] = []): RowsRewrite | string {
  if (sel.limitOption === 'LIMIT_OPTION_WITH_TIES') return 'FETCH FIRST ... WITH TIES';
  const distinct = sel.distinctClause as Ast[] | undefined;
  if (distinct && !(distinct.length === 1 && Object.keys(distinct[0]).length === 0)) return 'DISTINCT ON';
  const targets: Ast[] = sel.targetList ?? [];
  const hasStar = targets.some((t) => t.ResTarget?.val?.ColumnRef?.fields?.some((f: Ast) => f.A_Star));
  const sorts: Ast[] = sel.sortClause ?? [];
  const columns: HelperColumn[] = targets.map((_, i) => ({ kind: 'target', index: i }));
  const shardTargets = targets.map(clone);
  const finalSort: Ast[] = [];

  for (const [k, s] of sorts.entries()) {
    let expr = s.SortBy.node;
    const ival = expr.A_Const?.ival;
    if (expr.A_Const && ival !== undefined) {
      const t = targets[((ival.ival ?? 0) as number) - 1];
      if (!t || hasStar) return 'ORDER BY position with * in the select list';
      expr = t.ResTarget.val;
    } else {
      const names = columnRefNames(expr);
      const alias = names?.length === 1 ? targets.find((t) => t.ResTarget?.name === names[0]) : undefined;
      if (alias) expr = alias.ResTarget.val;
    }
    // The output column the key equals, when its type is known (with * the positions are not).
    const output = hasStar ? -1 : targets.findIndex((t) => sameNode(t.ResTarget.val, expr));
    const keyType = output >= 0 ? resultTypes[output] : undefined;
    const needsCollation = keyType === undefined || !NOT_COLLATABLE.has(keyType);
    const collationHelper = (e: Ast, of: number): void => {
      shardTargets.push(
        resTarget(
          funcCall(
            ['pg_catalog', 'pg_collation_for'],
            [
              {
                TypeCast: { arg: clone(e), typeName: { names: [{ String: { sval: 'text' } }], typemod: -1 } },
              },
            ],
          ),
          `__mb_c${shardTargets.length + 1}`,
        ),
      );
      columns.push({ kind: 'collation', of });
    };
    // With DISTINCT, ORDER BY expressions are output columns. Any key that is one is sorted by that column
    // in the final query (a copy in every chunk's rows made the top-N sort of TPC-H-sized chunks about a
    // quarter slower).
    if (distinct && output < 0) return 'ORDER BY expression not in the DISTINCT select list';
    if (output >= 0) {
      if (needsCollation && !columns.some((c) => c.kind === 'collation' && c.of === output))
        collationHelper(expr, output);
      finalSort.push({ SortBy: { ...s.SortBy, node: colRef(FINAL_REL, `__mb_t${output + 1}`) } });
      continue;
    }
    shardTargets.push(resTarget(clone(expr), `__mb_s${k + 1}`));
    columns.push({ kind: 'sort', index: k });
    if (needsCollation) collationHelper(expr, columns.length - 1);
    finalSort.push({ SortBy: { ...s.SortBy, node: colRef(FINAL_REL, `__mb_s${k + 1}`) } });
  }

  const limit = constInt(sel.limitCount);
  const offset = constInt(sel.limitOffset);
  const shard: Ast = { SelectStmt: { ...clone(sel), targetList: shardTargets } };
  delete shard.SelectStmt.limitOffset;
  if (sel.limitCount) {
    shard.SelectStmt.limitCount = sel.limitOffset
      ? op('+', clone(sel.limitCount), clone(sel.limitOffset))
      : clone(sel.limitCount);
  }
  if (distinct && sorts.length > 0) {
    // DISTINCT with ORDER BY needs the sort keys in the select list; they are (checked above), keep the shard unsorted.
    delete shard.SelectStmt.sortClause;
    if (sel.limitCount) delete shard.SelectStmt.limitCount;
  }
  const needsFinal = sorts.length > 0 || !!distinct;
  if (!needsFinal && (limit === undefined || offset === undefined))
    return 'LIMIT/OFFSET given by an expression';
  const final: Ast | null = needsFinal
    ? {
        SelectStmt: {
          targetList: [],
          fromClause: [{ RangeVar: { relname: FINAL_REL, inh: true, relpersistence: 'p' } }],
          ...(distinct ? { distinctClause: [{}] } : {}),
          ...(finalSort.length ? { sortClause: finalSort } : {}),
          ...(sel.limitCount ? { limitCount: clone(sel.limitCount) } : {}),
          ...(sel.limitOffset ? { limitOffset: clone(sel.limitOffset) } : {}),
          limitOption: 'LIMIT_OPTION_DEFAULT',
          op: 'SETOP_NONE',
        },
      }
    : null;
  const steps = needsFinal
    ? [
        ...(distinct ? ['DISTINCT'] : []),
        ...(sorts.length ? ['merge sorted runs'] : []),
        ...(sel.limitCount ? ['LIMIT'] : []),
      ]
    : ['concatenate', ...(limit !== null || offset ? ['LIMIT/OFFSET while streaming'] : [])];
  return {
    shard,
    merge: Object.freeze({
      kind: 'rows',
      columns,
      targets: targets.length,
      final,
      limit: needsFinal ? null : (limit ?? null),
      offset: needsFinal ? 0 : (offset ?? 0),
      steps,
    }),
  };
}

/** Type OIDs known not to be collatable (ordering them needs no collation). */
const NOT_COLLATABLE = new Set([
  16, 20, 21, 23, 26, 700, 701, 1700, 1082, 1083, 1114, 1184, 1186, 1266, 2950, 17, 114, 3802,
]);

/**
 * A top-level UNION ALL: one branch is split, the others run in the first chunk only (see the planner);
 * ORDER BY and LIMIT of the whole union run in the final query over its output columns.
 */
export function rewriteUnion(
  sel: Ast,
  resultTypes: readonly number[],
  resultNames: readonly string[],
): RowsRewrite | string {
  const sorts: Ast[] = sel.sortClause ?? [];
  const finalSort: Ast[] = [];
  for (const s of sorts) {
    const node = s.SortBy.node;
    let at = -1;
    const ival = node.A_Const?.ival;
    if (node.A_Const && ival !== undefined) at = ((ival.ival ?? 0) as number) - 1;
    else {
      const names = columnRefNames(node);
      if (names?.length === 1) at = resultNames.indexOf(names[0] as string);
    }
    if (at < 0 || at >= resultTypes.length) return 'ORDER BY of a UNION ALL by an expression';
    if (!NOT_COLLATABLE.has(resultTypes[at] as number))
      return 'ORDER BY a text column of a UNION ALL (collation unknown)';
    finalSort.push({ SortBy: { ...s.SortBy, node: colRef(FINAL_REL, `__mb_t${at + 1}`) } });
  }
  const limit = constInt(sel.limitCount);
  const offset = constInt(sel.limitOffset);
  const shard: Ast = { SelectStmt: { ...clone(sel) } };
  delete shard.SelectStmt.sortClause;
  delete shard.SelectStmt.limitCount;
  delete shard.SelectStmt.limitOffset;
  shard.SelectStmt.limitOption = 'LIMIT_OPTION_DEFAULT';
  const needsFinal = sorts.length > 0;
  if (!needsFinal && (limit === undefined || offset === undefined))
    return 'LIMIT/OFFSET given by an expression';
  if (sel.limitOption === 'LIMIT_OPTION_WITH_TIES') return 'FETCH FIRST ... WITH TIES';
  const columns: HelperColumn[] = resultTypes.map((_, i) => ({ kind: 'target', index: i }));
  return {
    shard,
    merge: Object.freeze({
      kind: 'rows',
      columns,
      targets: resultTypes.length,
      final: needsFinal
        ? {
            SelectStmt: {
              targetList: [],
              fromClause: [{ RangeVar: { relname: FINAL_REL, inh: true, relpersistence: 'p' } }],
              sortClause: finalSort,
              ...(sel.limitCount ? { limitCount: clone(sel.limitCount) } : {}),
              ...(sel.limitOffset ? { limitOffset: clone(sel.limitOffset) } : {}),
              limitOption: 'LIMIT_OPTION_DEFAULT',
              op: 'SETOP_NONE',
            },
          }
        : null,
      limit: needsFinal ? null : (limit ?? null),
      offset: needsFinal ? 0 : (offset ?? 0),
      steps: needsFinal ? ['UNION ALL', 'merge sorted runs'] : ['UNION ALL', 'concatenate'],
    }),
  };
}
