// Whether a SELECT's row order is fixed by the statement itself, or left to PostgreSQL's plan (which a split
// cannot reproduce): clients that compare output byte for byte (pg_regress, diff-based tests) need the former.
import type { CatalogView } from '../catalog/types.ts';
import { type Ast, fingerprintNode, funcName, walk } from '../sql/ast.ts';

/**
 * True when every client sees the rows in the same order whatever plan produced them: at most one row (an
 * aggregate without GROUP BY), or an ORDER BY that covers every output column (ties are then equal rows),
 * or that covers every GROUP BY expression (groups are then distinct).
 *
 * @example
 *   rowOrderFixed(parse('SELECT g, count(*) FROM t GROUP BY g ORDER BY g'), true, 2, catalog) // true
 *   rowOrderFixed(parse('SELECT g, count(*) FROM t GROUP BY g'), true, 2, catalog) // false
 */
export function rowOrderFixed(sel: Ast, aggregate: boolean, columns: number, catalog: CatalogView): boolean {
  const targets = (sel.targetList ?? []) as Ast[];
  if (sel.op && sel.op !== 'SETOP_NONE') return sortCoversPositions(sel, columns);
  if (targets.some((t) => hasSetReturningCall(t, catalog))) return false;
  if (aggregate && !sel.groupClause) return true;
  const sorted = new Set(
    ((sel.sortClause ?? []) as Ast[]).map((s) => fingerprintNode(resolve(s.SortBy.node, targets))),
  );
  if (sorted.size === 0) return false;
  const covers = (e: Ast) => sorted.has(fingerprintNode(resolve(e, targets)));
  if (targets.length > 0 && targets.every((t) => !isStar(t) && covers(t.ResTarget.val))) return true;
  if (!aggregate && !sel.distinctClause && sortsByUniqueKey(sel, targets, catalog)) return true;
  const groups = (sel.groupClause ?? []) as Ast[];
  return groups.length > 0 && !sel.distinctClause && groups.every((g) => !g.GroupingSet && covers(g));
}

/**
 * One table in FROM (no join to multiply its rows) and an ORDER BY naming every column of one of its unique
 * keys whose columns are all NOT NULL: every row has its own place.
 */
function sortsByUniqueKey(sel: Ast, targets: Ast[], catalog: CatalogView): boolean {
  const from = (sel.fromClause ?? []) as Ast[];
  const rv = from.length === 1 ? from[0]?.RangeVar : undefined;
  if (!rv) return false;
  const info = catalog.table([rv.catalogname, rv.schemaname, rv.relname].filter((x): x is string => !!x));
  if (!info) return false;
  const qualifiers = new Set([rv.alias?.aliasname ?? rv.relname]);
  const sortedColumns = new Set<string>();
  for (const s of (sel.sortClause ?? []) as Ast[]) {
    const fields = ((resolve(s.SortBy.node, targets)?.ColumnRef?.fields ?? []) as Ast[]).map(
      (f) => f.String?.sval as string | undefined,
    );
    if (fields.some((f) => f === undefined)) continue;
    if (fields.length === 1) sortedColumns.add(fields[0] as string);
    else if (fields.length === 2 && qualifiers.has(fields[0] as string))
      sortedColumns.add(fields[1] as string);
  }
  const notNull = new Set(info.columns.filter((c) => c.notNull).map((c) => c.name));
  return (info.uniqueKeys ?? []).some(
    (key) => key.length > 0 && key.every((c) => notNull.has(c) && sortedColumns.has(c)),
  );
}

const isStar = (t: Ast): boolean =>
  ((t.ResTarget?.val?.ColumnRef?.fields ?? []) as Ast[]).some((f) => f.A_Star !== undefined);

/** An ORDER BY position (`ORDER BY 2`) or output name (`ORDER BY total`) as the target expression it names. */
function resolve(e: Ast, targets: Ast[]): Ast {
  const pos = e?.A_Const?.ival;
  if (pos !== undefined) {
    const t = targets[(pos.ival ?? 0) - 1];
    if (t) return t.ResTarget.val;
  }
  const fields = (e?.ColumnRef?.fields ?? []) as Ast[];
  if (fields.length === 1 && fields[0]?.String) {
    const name = fields[0].String.sval;
    const t = targets.find((x) => x.ResTarget.name === name);
    if (t) return t.ResTarget.val;
  }
  return e;
}

/** A set operation: ORDER BY must name every output column (by position or by name). */
function sortCoversPositions(sel: Ast, columns: number): boolean {
  let first: Ast = sel;
  while (first.op && first.op !== 'SETOP_NONE') first = first.larg;
  const names = ((first.targetList ?? []) as Ast[]).map(
    (t) => t.ResTarget.name ?? lastField(t.ResTarget.val),
  );
  const covered = new Set<number>();
  for (const s of (sel.sortClause ?? []) as Ast[]) {
    const n = s.SortBy.node;
    const pos = n?.A_Const?.ival;
    if (pos !== undefined) covered.add((pos.ival ?? 0) - 1);
    const name = lastField(n);
    if (name !== undefined) {
      names.forEach((x, i) => {
        if (x === name) covered.add(i);
      });
    }
  }
  return columns > 0 && Array.from({ length: columns }, (_, i) => covered.has(i)).every(Boolean);
}

function lastField(e: Ast): string | undefined {
  const fields = (e?.ColumnRef?.fields ?? []) as Ast[];
  return fields[fields.length - 1]?.String?.sval;
}

/** Set-returning functions in the select list multiply rows in plan order; unknown functions count as such. */
function hasSetReturningCall(t: Ast, catalog: CatalogView): boolean {
  let found = false;
  walk(t, (n, kind) => {
    if (kind === 'SubLink') return false; // a subquery's rows are its own
    if (kind === 'FuncCall') {
      const name = funcName(n)?.name ?? '';
      const info = catalog.func(name);
      if (!info || info.returnsSet) found = true;
    }
    return undefined;
  });
  return found;
}
