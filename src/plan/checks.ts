// Reasons a statement must pass through unchanged: each check names the construct the splitter cannot prove safe.

import type { CatalogView } from '../catalog/types.ts';
import { type Ast, funcName, walk } from '../sql/ast.ts';

/** Functions whose value depends on when the transaction or statement started: shards start at other times. */
const TIME_FUNCTIONS = new Set([
  'now',
  'transaction_timestamp',
  'statement_timestamp',
  'clock_timestamp',
  'timeofday',
]);

/** Function names and relation names a statement mentions, to prefetch from the catalog. */
export function mentionedNames(stmt: Ast): { functions: string[]; tables: string[][] } {
  const functions = new Set<string>();
  const tables = new Map<string, string[]>();
  walk(stmt, (n, kind) => {
    if (kind === 'FuncCall') {
      const f = funcName(n);
      if (f) functions.add(f.name);
    } else if (kind === 'RangeVar') {
      const rv = n.RangeVar;
      const names = [rv.catalogname, rv.schemaname, rv.relname].filter((x): x is string => !!x);
      tables.set(names.join('.'), names);
    }
    return undefined;
  });
  return { functions: [...functions], tables: [...tables.values()] };
}

/** The first construct in `sel` (and everything under it) that forces a passthrough, or undefined. */
export function unsupportedConstruct(sel: Ast, catalog: CatalogView): string | undefined {
  if (sel.intoClause) return 'SELECT INTO creates a table';
  let reason: string | undefined;
  const fail = (r: string): false => {
    reason ??= r;
    return false;
  };
  walk({ SelectStmt: sel }, (n, kind) => {
    if (reason) return false;
    switch (kind) {
      case 'SelectStmt':
        if (n.SelectStmt.lockingClause)
          return fail('FOR UPDATE/SHARE locks rows and must run on the client session');
        if (n.SelectStmt.withClause?.recursive) return fail('recursive CTE');
        return undefined;
      case 'CommonTableExpr': {
        const q = n.CommonTableExpr.ctequery;
        if (!q?.SelectStmt) return fail('data-modifying statement in WITH');
        return undefined;
      }
      case 'InsertStmt':
      case 'UpdateStmt':
      case 'DeleteStmt':
      case 'MergeStmt':
        return fail('data-modifying statement');
      case 'GroupingSet':
        return fail('GROUPING SETS, ROLLUP and CUBE are not split');
      case 'GroupingFunc':
        return fail('GROUPING() is not split');
      case 'RangeTableSample':
        return fail('TABLESAMPLE picks rows per scan');
      case 'SQLValueFunction':
        return fail('CURRENT_DATE/CURRENT_TIMESTAMP and friends differ between shard transactions');
      case 'FuncCall': {
        const f = n.FuncCall;
        const name = funcName(n)?.name ?? '';
        if (f.over) return fail(`window function ${name}() needs all rows of its partition`);
        if (TIME_FUNCTIONS.has(name)) return fail(`${name}() differs between shard transactions`);
        const info = catalog.func(name);
        if (!info) return fail(`unknown function ${name}()`);
        if (info.isVolatile) return fail(`volatile function ${name}() may give other values per shard`);
        if (info.isWindow) return fail(`window function ${name}()`);
        return undefined;
      }
      default:
        return undefined;
    }
  });
  return reason;
}
