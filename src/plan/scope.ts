// Finds the base tables a SELECT reads in its FROM clause, which of them may be split, and resolves column refs.

import type { CatalogView, ColumnInfo, TableInfo } from '../catalog/types.ts';
import { type Ast, columnRefNames, nodeKind, walk } from '../sql/ast.ts';

/** A base table occurrence in a FROM clause. */
export interface TableRef {
  names: string[];
  /** How columns refer to it: alias, else the name as written. */
  ref: string[];
  info: TableInfo;
  /** True when no outer join can null-extend it and it sits in a row-local position. */
  splittable: boolean;
  /** The SelectStmt body whose WHERE receives the range predicate. */
  owner: Ast;
  /** Sibling UNION ALL branches: they must run in exactly one chunk (the first). */
  gates: Ast[];
  /**
   * Set when the table feeds a grouped derived table or CTE: only key ranges on this group column keep
   * every group inside one chunk.
   */
  requiredKey?: string;
}

/** A CTE of the statement: its body and how many times the statement references it. */
export interface CteInfo {
  body: Ast;
  refs: number;
}

export interface Scope {
  tables: TableRef[];
  /** FROM items we cannot see into (CTE refs, functions, non-row-local subqueries): they hide column names. */
  opaque: boolean;
}

/** The CTEs of a statement's top-level WITH, with their reference counts. */
export function cteNames(sel: Ast): Map<string, CteInfo> {
  const out = new Map<string, CteInfo>();
  for (const c of sel.withClause?.ctes ?? []) {
    out.set(c.CommonTableExpr.ctename, { body: c.CommonTableExpr.ctequery?.SelectStmt, refs: 0 });
  }
  if (out.size === 0) return out;
  walk({ SelectStmt: sel }, (n, kind) => {
    if (kind === 'RangeVar' && !n.RangeVar.schemaname) {
      const info = out.get(n.RangeVar.relname);
      if (info) info.refs++;
    }
    return undefined;
  });
  return out;
}

/** Group columns of a derived table that aggregates (or DISTINCTs) per group, when groups are plain columns. */
function groupedLocal(sub: Ast): Ast[] | undefined {
  if (!sub || (sub.op && sub.op !== 'SETOP_NONE')) return undefined;
  if (sub.limitCount || sub.limitOffset || sub.withClause || sub.valuesLists) return undefined;
  const targets: Ast[] = sub.targetList ?? [];
  if (sub.groupClause?.length) {
    return sub.groupClause.map((g: Ast) => {
      const k = g.A_Const?.ival !== undefined ? ((g.A_Const.ival.ival ?? 0) as number) : 0;
      return k > 0 ? targets[k - 1]?.ResTarget?.val : g;
    });
  }
  const d = sub.distinctClause as Ast[] | undefined;
  if (d?.length === 1 && Object.keys(d[0]).length === 0 && !sub.havingClause) {
    return targets.map((t) => t.ResTarget?.val);
  }
  return undefined;
}

/** The branches of a UNION ALL tree (nested UNION ALLs flattened), or undefined for anything else. */
export function unionAllBranches(sel: Ast, top = false): Ast[] | undefined {
  if (!sel) return undefined;
  if (!sel.op || sel.op === 'SETOP_NONE') return [sel];
  if (sel.op !== 'SETOP_UNION' || !sel.all || sel.withClause) return undefined;
  if (!top && (sel.sortClause || sel.limitCount || sel.limitOffset)) return undefined;
  const l = unionAllBranches(sel.larg);
  const r = unionAllBranches(sel.rarg);
  return l && r ? [...l, ...r] : undefined;
}

/** True when a SELECT body maps each input row to at most one output row on its own (no grouping across rows). */
export function isRowLocal(sel: Ast, catalog: CatalogView): boolean {
  if (!sel || (sel.op && sel.op !== 'SETOP_NONE')) return false;
  if (sel.groupClause || sel.havingClause || sel.distinctClause || sel.limitCount || sel.limitOffset)
    return false;
  if (sel.withClause || sel.valuesLists) return false;
  let local = true;
  walk([sel.targetList, sel.whereClause], (n, kind) => {
    if (kind === 'SubLink') return false;
    if (kind === 'FuncCall') {
      const f = n.FuncCall;
      const name = f.funcname[f.funcname.length - 1].String.sval as string;
      if (f.over || catalog.func(name)?.isAggregate || f.agg_star) local = false;
    }
    return undefined;
  });
  return local;
}

/**
 * Collects base tables of `sel`'s FROM clause. Tables on the nullable side of an outer join are not
 * splittable; row-local derived tables are searched too (their tables may be split).
 */
export function collectScope(sel: Ast, catalog: CatalogView, ctes: Map<string, CteInfo>): Scope {
  const tables: TableRef[] = [];
  let opaque = false;
  const visitBody = (sub: Ast, preserved: boolean, outerCtes: Map<string, CteInfo>, gates: Ast[]): void => {
    const branches = unionAllBranches(sub);
    if (branches?.every((b) => isRowLocal(b, catalog))) {
      // A derived table (or UNION ALL of them) that keeps rows apart: its tables may be split; the other
      // branches then run in the first chunk only.
      for (const b of branches) {
        const others = branches.filter((x) => x !== b);
        for (const f of b.fromClause ?? []) visit(f, preserved, b, outerCtes, [...gates, ...others]);
      }
      return;
    }
    const groups = groupedLocal(sub);
    if (groups && preserved) {
      // Aggregated per group: splitting a table by ranges of a group column keeps each group in one chunk.
      const inner = collectScope(sub, catalog, new Map());
      for (const g of groups) {
        const hit = g && columnRefNames(g) ? resolveColumn(g, inner, sub) : undefined;
        if (hit?.table.splittable && hit.table.owner === sub) {
          tables.push({ ...hit.table, gates: [...gates, ...hit.table.gates], requiredKey: hit.column.name });
        }
      }
    }
  };
  const visit = (
    item: Ast,
    preserved: boolean,
    owner: Ast,
    outerCtes: Map<string, CteInfo>,
    gates: Ast[],
  ): void => {
    const kind = nodeKind(item);
    if (kind === 'RangeVar') {
      const rv = item.RangeVar;
      const names: string[] = [rv.catalogname, rv.schemaname, rv.relname].filter((x): x is string => !!x);
      const cte = names.length === 1 ? outerCtes.get(names[0] as string) : undefined;
      if (cte) {
        opaque = true;
        // A CTE read once is, for splitting, a derived table: its scan can be restricted in place.
        if (cte.refs === 1 && cte.body) visitBody(cte.body, preserved, new Map(), gates);
        return;
      }
      const info = catalog.table(names);
      if (!info) {
        opaque = true;
        return;
      }
      const ref = rv.alias?.aliasname ? [rv.alias.aliasname as string] : names;
      if (rv.alias?.colnames) opaque = true;
      tables.push({ names, ref, info, splittable: preserved && rv.inh !== false, owner, gates });
      return;
    }
    if (kind === 'JoinExpr') {
      const j = item.JoinExpr;
      const t = j.jointype as string;
      const leftKept = preserved && (t === 'JOIN_INNER' || t === 'JOIN_LEFT');
      const rightKept = preserved && (t === 'JOIN_INNER' || t === 'JOIN_RIGHT');
      if (j.alias || j.usingClause) opaque = opaque || !!j.alias;
      visit(j.larg, leftKept, owner, outerCtes, gates);
      visit(j.rarg, rightKept, owner, outerCtes, gates);
      return;
    }
    if (kind === 'RangeSubselect') {
      opaque = true;
      if (!item.RangeSubselect.lateral)
        visitBody(item.RangeSubselect.subquery?.SelectStmt, preserved, outerCtes, gates);
      return;
    }
    opaque = true;
  };
  const top = unionAllBranches(sel, true);
  if (top && top.length > 1) {
    for (const b of top) {
      const others = top.filter((x) => x !== b);
      if (!isRowLocal(b, catalog)) continue;
      for (const item of b.fromClause ?? []) visit(item, true, b, ctes, others);
    }
    return { tables, opaque: true };
  }
  for (const item of sel.fromClause ?? []) visit(item, true, sel, ctes, []);
  return { tables, opaque };
}

/** The table column a ColumnRef names, when it can be resolved without doubt. */
export function resolveColumn(
  ref: Ast,
  scope: Scope,
  owner: Ast,
): { table: TableRef; column: ColumnInfo } | undefined {
  const names = columnRefNames(ref);
  if (!names || names.length === 0) return undefined;
  const col = names[names.length - 1] as string;
  const qual = names.slice(0, -1);
  const hits: { table: TableRef; column: ColumnInfo }[] = [];
  for (const t of scope.tables) {
    if (t.owner !== owner) continue;
    if (qual.length > 0 && !endsWith(t.ref, qual)) continue;
    const c = t.info.columns.find((x) => x.name === col);
    if (c) hits.push({ table: t, column: c });
  }
  if (hits.length !== 1) return undefined;
  if (qual.length === 0 && scope.opaque) return undefined;
  return hits[0];
}

function endsWith(ref: string[], qual: string[]): boolean {
  if (qual.length > ref.length) return false;
  return qual.every((q, i) => ref[ref.length - qual.length + i] === q);
}
