// Which client statements the gateway hands to the coordinator: a single SELECT, or EXPLAIN [ANALYZE] of one.
import type { Ast } from '../sql/ast.ts';
import { deparse, parseSql } from '../sql/parser.ts';

export type Interceptable =
  | { kind: 'select'; sql: string; stmt: Ast }
  /** `sql` is the explained SELECT; its plan is shown as the distributed plan when it splits. */
  | { kind: 'explain'; analyze: boolean; sql: string; stmt: Ast };

const plainSelect = (stmt: Ast | undefined): boolean =>
  stmt?.SelectStmt !== undefined && stmt.SelectStmt.intoClause === undefined;

/** The statement the coordinator may take, or null (several statements, not a SELECT, parse error, ...). */
export function interceptable(sql: string): Interceptable | null {
  let stmts: { stmt: Ast }[];
  try {
    stmts = parseSql(sql) as { stmt: Ast }[];
  } catch {
    return null; // PostgreSQL reports the error in its own words
  }
  if (stmts.length !== 1) return null;
  const stmt = (stmts[0] as { stmt: Ast }).stmt;
  if (plainSelect(stmt)) return { kind: 'select', sql, stmt };
  const ex = stmt.ExplainStmt;
  if (!ex || !plainSelect(ex.query)) return null;
  // Only EXPLAIN and EXPLAIN ANALYZE: any other option (FORMAT, COSTS OFF, ...) asks for PostgreSQL's own plan.
  const options = (ex.options ?? []) as Ast[];
  let analyze = false;
  for (const o of options) {
    const d = o.DefElem;
    if (d?.defname !== 'analyze') return null;
    const arg = d.arg;
    analyze =
      arg === undefined ||
      arg.Boolean?.boolval === true ||
      /^(true|on|1)$/i.test(String(arg.String?.sval ?? arg.Integer?.ival ?? ''));
  }
  return { kind: 'explain', analyze, sql: deparse(ex.query), stmt: ex.query };
}

/** Whether a simple query may drop prepared statements (DEALLOCATE, DISCARD): named statements are then forgotten. */
export const dropsPrepared = (sql: string): boolean => /\b(deallocate|discard)\b/i.test(sql);
