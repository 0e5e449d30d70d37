// Splits an aggregate query: shards group and compute partial states; the final query combines them per group.

import type { CatalogView } from '../catalog/types.ts';
import {
  type Ast,
  clone,
  colRef,
  columnRefNames,
  fingerprintMemo,
  fingerprintNode,
  funcCall,
  funcName,
  nodeKind,
  resTarget,
  transform,
  walk,
} from '../sql/ast.ts';
import { type ArgClass, COMBINERS } from './combiners.ts';
import type { Scope } from './scope.ts';
import { resolveColumn } from './scope.ts';
import type { AggregateSpec, HelperColumn, MergeSpec } from './types.ts';

export const FINAL_REL = '__mb_r';

export interface AggregateRewrite {
  shard: Ast;
  merge: MergeSpec;
}

/** Whether the top-level SELECT aggregates (GROUP BY, HAVING, or an aggregate call outside subqueries). */
export function isAggregateQuery(sel: Ast, catalog: CatalogView): boolean {
  if (sel.groupClause?.length || sel.havingClause) return true;
  return collectAggregates([sel.targetList, sel.sortClause], catalog).length > 0;
}

/** Aggregate calls in `nodes`, not looking into subqueries or into other aggregates' arguments. */
export function collectAggregates(nodes: Ast, catalog: CatalogView): Ast[] {
  const out: Ast[] = [];
  walk(nodes, (n, kind) => {
    if (kind === 'SubLink') return false;
    if (kind === 'FuncCall') {
      const f = funcName(n);
      if (f && (catalog.func(f.name)?.isAggregate || n.FuncCall.agg_star)) {
        out.push(n);
        return false;
      }
    }
    return undefined;
  });
  return out;
}

/**
 * A column the chunks must be disjoint ranges of: the argument of DISTINCT aggregates (each chunk then
 * counts its own values) and the first sort key of ordered string_agg (chunks then concatenate in order).
 */
export interface SplitRequirement {
  column: Ast;
  /** Where rows with a NULL key go so the concatenation order keeps PostgreSQL's NULLS FIRST/LAST. */
  nullsInFirstChunk: boolean;
}

export function splitRequirement(aggs: Ast[]): SplitRequirement | string | undefined {
  let req: SplitRequirement | undefined;
  const need = (column: Ast, nullsInFirstChunk: boolean): string | undefined => {
    if (req && fingerprintNode(req.column) !== fingerprintNode(column)) {
      return 'DISTINCT or ordered aggregates over different columns';
    }
    req = { column, nullsInFirstChunk: req ? req.nullsInFirstChunk : nullsInFirstChunk };
    return undefined;
  };
  for (const a of aggs) {
    const f = a.FuncCall;
    const name = funcName(a)?.name ?? '';
    const c = COMBINERS[name];
    if (c?.family === 'ordered') {
      const first = f.agg_order?.[0]?.SortBy;
      if (!first) return `${name}() without ORDER BY has no order to merge by`;
      if (first.sortby_dir === 'SORTBY_USING') return `${name}() ordered with USING`;
      const desc = first.sortby_dir === 'SORTBY_DESC';
      const nullsFirst =
        first.sortby_nulls === 'SORTBY_NULLS_DEFAULT' || !first.sortby_nulls
          ? desc
          : first.sortby_nulls === 'SORTBY_NULLS_FIRST';
      // Chunks are concatenated in reverse for DESC: NULLs belong in the chunk that comes out first.
      const err = need(first.node, nullsFirst !== desc);
      if (err) return err;
      continue;
    }
    if (!f.agg_distinct || c?.distinctFree) continue;
    if (f.args?.length !== 1) return 'DISTINCT aggregate with several arguments';
    const err = need(f.args[0], true);
    if (err) return err;
  }
  return req;
}

const TYPE_CLASS: Record<number, ArgClass> = {
  20: 'numeric',
  21: 'numeric',
  23: 'numeric',
  1700: 'numeric',
  700: 'float',
  701: 'float',
  1186: 'interval',
};

/** Resolves GROUP BY items (ordinals, output names) to the expressions they stand for. */
export function groupExpressions(sel: Ast, scope: Scope): Ast[] | string {
  const targets: Ast[] = sel.targetList ?? [];
  const out: Ast[] = [];
  for (const g of sel.groupClause ?? []) {
    let e = g;
    const ival = g.A_Const?.ival;
    if (g.A_Const && ival !== undefined) {
      const k = (ival.ival ?? 0) as number;
      const t = targets[k - 1];
      if (!t?.ResTarget) return `GROUP BY position ${k} is not in the select list`;
      e = t.ResTarget.val;
    } else {
      const names = columnRefNames(g);
      if (names?.length === 1) {
        const alias = targets.find((t: Ast) => t.ResTarget?.name === names[0]);
        const isInput = scope.tables.some((t) => t.info.columns.some((c) => c.name === names[0]));
        if (alias && !isInput) {
          if (scope.opaque) return `GROUP BY ${names[0]} may name an output column or an input column`;
          e = alias.ResTarget.val;
        }
      }
    }
    if (nodeKind(e) === 'A_Const') return 'GROUP BY a constant';
    if (!out.some((x) => fingerprintNode(x) === fingerprintNode(e))) out.push(e);
  }
  return out;
}

/** `pg_collation_for((expr)::text)`: the collation PostgreSQL derives for `expr` ("default" for non-text). */
function collationOf(expr: Ast): Ast {
  return funcCall(
    ['pg_catalog', 'pg_collation_for'],
    [{ TypeCast: { arg: clone(expr), typeName: { names: [{ String: { sval: 'text' } }], typemod: -1 } } }],
  );
}

export function rewriteAggregate(
  sel: Ast,
  scope: Scope,
  catalog: CatalogView,
  resultTypes: readonly number[],
  /** The statement's WITH clause as written (the one in `sel` may carry the chunk range). */
  originalWith?: Ast,
): AggregateRewrite | string {
  const key = fingerprintMemo();
  const groups = groupExpressions(sel, scope);
  if (typeof groups === 'string') return groups;
  const targets: Ast[] = sel.targetList ?? [];
  const calls = collectAggregates([targets, sel.havingClause, sel.sortClause], catalog);
  const unique: Ast[] = [];
  const callKeys = new Set<string>();
  for (const c of calls) {
    const fp = key(c);
    if (!callKeys.has(fp)) {
      callKeys.add(fp);
      unique.push(c);
    }
  }

  const shardTargets: Ast[] = [];
  const columns: HelperColumn[] = [];
  const add = (val: Ast, col: HelperColumn): number => {
    shardTargets.push(resTarget(val, `__mb_${shardTargets.length + 1}`));
    columns.push(col);
    return columns.length - 1;
  };
  groups.forEach((g, i) => {
    const at = add(clone(g), { kind: 'group', index: i });
    add(collationOf(g), { kind: 'collation', of: at });
  });

  // Only whole output columns that are aggregate calls matter to argClass.
  const targetIndex = new Map<string, number>();
  targets.forEach((t: Ast, i: number) => {
    if (t.ResTarget?.val?.FuncCall) targetIndex.set(key(t.ResTarget.val), i);
  });
  const aggregates: AggregateSpec[] = [];
  const partialAt = new Map<string, number>();
  for (const [j, call] of unique.entries()) {
    const name = funcName(call)?.name ?? '';
    const combiner = COMBINERS[name];
    if (!combiner || funcName(call)?.schema)
      return `aggregate ${name}() cannot be combined from partial results`;
    const f = call.FuncCall;
    if (f.agg_within_group) return `ordered-set aggregate ${name}()`;
    if (f.func_variadic) return `VARIADIC aggregate ${name}()`;
    const parts = combiner.partials(call, argClass(call, targetIndex, resultTypes, scope, sel, key));
    if (typeof parts === 'string') return parts;
    const partials: number[] = [];
    for (const [k, part] of parts.entries()) {
      const p = countRows(part, scope, sel);
      // The same partial (count(x) for avg and variance, say) is computed once and shared.
      const fp = key(p);
      const seen = partialAt.get(fp) ?? -1;
      if (seen >= 0) {
        partials.push(seen);
        continue;
      }
      const at = add(p, { kind: 'partial', agg: j, part: k });
      partialAt.set(fp, at);
      partials.push(at);
      if (combiner.family === 'min' || combiner.family === 'max')
        add(collationOf(p), { kind: 'collation', of: at });
    }
    if (combiner.family === 'ordered') {
      const first = f.agg_order[0].SortBy;
      const sep = f.args?.[1];
      if (!sep || (!sep.A_Const && !sep.TypeCast?.arg?.A_Const))
        return `${name}() with a separator that is not a constant`;
      aggregates.push({
        call: name,
        fn: name,
        partials,
        ordered: { separator: clone(sep), descending: first.sortby_dir === 'SORTBY_DESC' },
      });
      continue;
    }
    aggregates.push({ call: name, fn: name, partials });
  }

  const shard: Ast = {
    SelectStmt: {
      targetList: shardTargets,
      ...(sel.fromClause ? { fromClause: sel.fromClause } : {}),
      ...(sel.whereClause ? { whereClause: sel.whereClause } : {}),
      ...(groups.length ? { groupClause: groups.map(clone) } : {}),
      ...(sel.withClause ? { withClause: sel.withClause } : {}),
      limitOption: 'LIMIT_OPTION_DEFAULT',
      op: 'SETOP_NONE',
    },
  };

  // The final statement: the original's projection, HAVING, DISTINCT, ORDER BY and LIMIT over combined rows.
  const groupKeys = groups.map(key);
  const aggKeys = unique.map(key);
  // Only nodes of a kind some group key or aggregate has can match: skip stringifying the rest.
  const kinds = new Set<string>([...groups, ...unique].map((n) => Object.keys(n)[0] as string));
  const substitute = (n: Ast): Ast =>
    transform(n, (x, kind) => {
      if (kind === 'SubLink') {
        // The subquery is its own scope; only the tested expression (`g IN (...)`) belongs to this level.
        const sl = x.SubLink;
        return { SubLink: { ...clone(sl), ...(sl.testexpr ? { testexpr: substitute(sl.testexpr) } : {}) } };
      }
      if (!kinds.has(kind)) return undefined;
      const fp = key(x);
      const g = groupKeys.indexOf(fp);
      if (g >= 0) return colRef(FINAL_REL, `__mb_g${g + 1}`);
      if (kind === 'FuncCall') {
        const a = aggKeys.indexOf(fp);
        if (a >= 0) return colRef(FINAL_REL, `__mb_a${a + 1}`);
      }
      return undefined;
    });
  const sortClause = (sel.sortClause ?? []).map((s: Ast) => {
    const names = columnRefNames(s.SortBy.node);
    if (names?.length === 1) {
      const k = targets.findIndex((t: Ast) => t.ResTarget?.name === names[0]);
      if (k >= 0) return { SortBy: { ...s.SortBy, node: { A_Const: { ival: { ival: k + 1 } } } } };
    }
    return substitute(s);
  });
  const final: Ast = {
    SelectStmt: {
      targetList: targets.map((t: Ast) => ({
        ResTarget: { ...t.ResTarget, val: substitute(t.ResTarget.val) },
      })),
      fromClause: [{ RangeVar: { relname: FINAL_REL, inh: true, relpersistence: 'p' } }],
      ...(sel.havingClause ? { whereClause: substitute(sel.havingClause) } : {}),
      ...(sel.distinctClause ? { distinctClause: sel.distinctClause.map((d: Ast) => substitute(d)) } : {}),
      ...(sel.sortClause ? { sortClause } : {}),
      ...(sel.limitCount ? { limitCount: clone(sel.limitCount) } : {}),
      ...(sel.limitOffset ? { limitOffset: clone(sel.limitOffset) } : {}),
      ...(originalWith ? { withClause: clone(originalWith) } : {}),
      limitOption: sel.limitOption ?? 'LIMIT_OPTION_DEFAULT',
      op: 'SETOP_NONE',
    },
  };
  const leftover = leftoverColumn([final.SelectStmt.targetList, final.SelectStmt.whereClause]);
  if (leftover)
    return `${leftover} is neither grouped nor aggregated here (functional dependency is not split)`;
  if (sel.limitOption === 'LIMIT_OPTION_WITH_TIES') return 'FETCH FIRST ... WITH TIES';

  const steps = [
    `combine ${aggregates.length} aggregate(s) over ${groups.length} group key(s)`,
    ...(sel.havingClause ? ['HAVING'] : []),
    ...(sel.distinctClause ? ['DISTINCT'] : []),
    ...(sel.sortClause ? ['ORDER BY'] : []),
    ...(sel.limitCount || sel.limitOffset ? ['LIMIT/OFFSET'] : []),
  ];
  return {
    shard,
    merge: Object.freeze({ kind: 'aggregate', columns, groups: groups.length, aggregates, final, steps }),
  };
}

/**
 * `count(c)` of a NOT NULL column of a table at this level that no outer join null-extends counts rows:
 * `count(*)`, one transition less per row (avg() of NOT NULL columns shipped a count of each; PostgreSQL
 * computes identical aggregates once). FILTER is kept; DISTINCT and ORDER BY calls stay as they are.
 */
function countRows(p: Ast, scope: Scope, owner: Ast): Ast {
  const f = p.FuncCall;
  if (!f || f.agg_star || f.agg_distinct || f.agg_order || f.over || f.args?.length !== 1) return p;
  const name = funcName(p);
  if (name?.name !== 'count' || name.schema) return p;
  const arg = f.args[0];
  if (!columnRefNames(arg)) return p;
  const hit = resolveColumn(arg, scope, owner);
  if (!hit?.column.notNull || !hit.table.splittable || hit.table.owner !== owner) return p;
  // Fields in the parser's order, so a count(*) the statement has itself is the same partial.
  return {
    FuncCall: {
      funcname: [{ String: { sval: 'count' } }],
      ...(f.agg_filter ? { agg_filter: f.agg_filter } : {}),
      agg_star: true,
      funcformat: 'COERCE_EXPLICIT_CALL',
    },
  };
}

/** How avg()/variance accumulate: from the result type when the call is a whole output column, else the column type. */
function argClass(
  call: Ast,
  targetIndex: ReadonlyMap<string, number>,
  resultTypes: readonly number[],
  scope: Scope,
  owner: Ast,
  key: (n: Ast) => string,
): ArgClass {
  const k = targetIndex.get(key(call));
  if (k !== undefined && resultTypes[k] !== undefined)
    return TYPE_CLASS[resultTypes[k] as number] ?? 'unknown';
  const arg = call.FuncCall.args?.[0];
  const hit = arg && columnRefNames(arg) ? resolveColumn(arg, scope, owner) : undefined;
  return hit ? (TYPE_CLASS[hit.column.typeOid] ?? 'unknown') : 'unknown';
}

/** A column reference outside subqueries that the final statement could not resolve. */
function leftoverColumn(nodes: Ast): string | undefined {
  let found: string | undefined;
  walk(nodes, (n, kind) => {
    if (kind === 'SubLink') return false;
    if (kind === 'ColumnRef') {
      const names = columnRefNames(n);
      if (!names || names[0] !== FINAL_REL) found ??= names ? names.join('.') : '*';
    }
    return undefined;
  });
  return found;
}
