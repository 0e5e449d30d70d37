// Reasons a statement must pass through unchanged: each check names the construct the splitter cannot prove safe.

import type { CatalogView } from '../catalog/types.ts';
import { type Ast, columnRefNames, funcName, walk } from '../sql/ast.ts';

/** Functions whose value depends on when the transaction or statement started: shards start at other times. */
const TIME_FUNCTIONS = new Set([
  'now',
  'transaction_timestamp',
  'statement_timestamp',
  'clock_timestamp',
  'timeofday',
]);

/** Stable functions whose value depends on the session (backend, connection): every shard has its own. */
const SESSION_FUNCTIONS = new Set([
  'pg_backend_pid',
  'inet_client_addr',
  'inet_client_port',
  'inet_server_addr',
  'inet_server_port',
  'current_query',
  'pg_my_temp_schema',
  'pg_trigger_depth',
  'pg_current_xact_id_if_assigned',
  'txid_current_if_assigned',
  'pg_stat_get_activity',
  'pg_blocking_pids',
  'txid_current',
  'pg_current_xact_id',
  'txid_current_snapshot',
  'pg_current_snapshot',
  'pg_listening_channels',
  'pg_notification_queue_usage',
  // Name lookups through the session's search_path and its own temporary schema.
  'current_schema',
  'current_schemas',
  'to_regclass',
  'to_regtype',
  'to_regtypemod',
  'to_regproc',
  'to_regprocedure',
  'to_regoper',
  'to_regoperator',
  'to_regnamespace',
  'to_regrole',
  'to_regcollation',
  'pg_is_other_temp_schema',
]);

/** Function name patterns that read the session's own state (its transaction's statistics, what it sees). */
const SESSION_FUNCTION_PATTERNS = [/^pg_stat_get_xact_/, /^pg_stat_get_backend_/, /_is_visible$/];

/** Types whose input looks names up through the session's search_path (and its temporary schema). */
const NAME_LOOKUP_TYPES = new Set([
  'regclass',
  'regtype',
  'regproc',
  'regprocedure',
  'regoper',
  'regoperator',
  'regnamespace',
  'regrole',
  'regconfig',
  'regdictionary',
  'regcollation',
]);

/** Settings every shard runs with the statement's own value of (see the coordinator), or server-wide ones. */
const SHARED_SETTINGS = new Set([
  'timezone',
  'datestyle',
  'intervalstyle',
  'search_path',
  'bytea_output',
  'lc_monetary',
  'server_version',
  'server_version_num',
  'server_encoding',
  'block_size',
  'integer_datetimes',
  'standard_conforming_strings',
  'max_connections',
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

/** System schemas: small, and some of their views answer per session. */
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);

/**
 * A relation that only the client session can read as it does (a temporary one: workers cannot see the
 * session's temp tables; a system catalog), or undefined.
 */
export function temporaryRelation(stmt: Ast, catalog: CatalogView): string | undefined {
  for (const names of mentionedNames(stmt).tables) {
    const info = catalog.table(names);
    if (info && SYSTEM_SCHEMAS.has(info.schema)) return `${info.schema}.${info.name} is a system catalog`;
    if (info?.persistence === 't')
      return `${info.name} is a temporary relation, visible only to the client session`;
  }
  return undefined;
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
        // Every shard evaluates subqueries on its own: LIMIT without ORDER BY may pick other rows in each.
        if (
          n.SelectStmt !== sel &&
          (n.SelectStmt.limitCount || n.SelectStmt.limitOffset) &&
          !n.SelectStmt.sortClause
        ) {
          return fail('LIMIT without ORDER BY in a subquery may pick other rows in each shard');
        }
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
      case 'TypeCast': {
        const names = (n.TypeCast.typeName?.names ?? []) as Ast[];
        const last = names[names.length - 1]?.String?.sval as string | undefined;
        if (last && NAME_LOOKUP_TYPES.has(last))
          return fail(`a ${last} value names objects as the client session sees them`);
        return undefined;
      }
      case 'SQLValueFunction':
        return fail('CURRENT_DATE/CURRENT_TIMESTAMP and friends differ between shard transactions');
      case 'FuncCall': {
        const f = n.FuncCall;
        const name = funcName(n)?.name ?? '';
        if (f.over) return fail(`window function ${name}() needs all rows of its partition`);
        if (TIME_FUNCTIONS.has(name)) return fail(`${name}() differs between shard transactions`);
        if (SESSION_FUNCTIONS.has(name) || SESSION_FUNCTION_PATTERNS.some((p) => p.test(name)))
          return fail(`${name}() depends on the session, and every shard has its own`);
        if (name === 'current_setting') {
          const arg = f.args?.[0]?.A_Const?.sval?.sval as string | undefined;
          if (!arg || !SHARED_SETTINGS.has(arg.toLowerCase())) {
            return fail('current_setting() of a setting the shards may not share');
          }
        }
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

/** Names a SELECT's FROM clause defines (aliases, relation names) and whether all its items are plain tables. */
function fromScope(
  sel: Ast,
  catalog: CatalogView,
  cteColumns: ReadonlyMap<string, string[]>,
): { names: Set<string>; columns: Set<string> } {
  const names = new Set<string>();
  const columns = new Set<string>();
  const visit = (item: Ast): void => {
    if (item?.RangeVar) {
      const rv = item.RangeVar;
      names.add(rv.alias?.aliasname ?? rv.relname);
      const cte = rv.schemaname ? undefined : cteColumns.get(rv.relname);
      const info = cte
        ? undefined
        : catalog.table([rv.catalogname, rv.schemaname, rv.relname].filter((x): x is string => !!x));
      if (rv.alias?.colnames) return;
      for (const c of cte ?? info?.columns.map((x) => x.name) ?? []) columns.add(c);
    } else if (item?.JoinExpr) {
      if (item.JoinExpr.alias) names.add(item.JoinExpr.alias.aliasname);
      visit(item.JoinExpr.larg);
      visit(item.JoinExpr.rarg);
    } else {
      const alias = item?.RangeSubselect?.alias ?? item?.RangeFunction?.alias ?? item?.RangeTableFunc?.alias;
      if (alias?.aliasname) names.add(alias.aliasname);
    }
  };
  for (const item of sel.fromClause ?? []) visit(item);
  return { names, columns };
}

/**
 * An aggregate inside a subquery whose arguments are columns of an outer query belongs to that outer query
 * (`SELECT (SELECT max(f.x) FROM d) FROM f` aggregates f). Such statements pass through: each chunk would
 * aggregate only its own rows. An aggregate is proven local when every column it reads resolves in its
 * own subquery's FROM clause.
 */
export function outerAggregateInSubquery(stmt: Ast, catalog: CatalogView): string | undefined {
  let reason: string | undefined;
  // Output columns of the statement's CTEs, where they can be named without binding.
  const cteColumns = new Map<string, string[]>();
  walk(stmt, (n, kind) => {
    if (kind !== 'CommonTableExpr') return undefined;
    const cte = n.CommonTableExpr;
    const explicit = (cte.aliascolnames ?? []).map((x: Ast) => x.String?.sval as string);
    const targets: Ast[] = cte.ctequery?.SelectStmt?.targetList ?? [];
    const named = targets.map((t) => t.ResTarget?.name ?? columnRefNames(t.ResTarget?.val)?.at(-1));
    const cols = explicit.length > 0 ? explicit : named.every((x) => typeof x === 'string') ? named : [];
    cteColumns.set(cte.ctename, cols);
    return undefined;
  });
  walk(stmt, (n, kind) => {
    if (reason || kind !== 'SubLink') return reason ? false : undefined;
    const bodies: Ast[] = [];
    const collect = (s: Ast): void => {
      if (!s) return;
      if (s.op && s.op !== 'SETOP_NONE') {
        collect(s.larg);
        collect(s.rarg);
      } else bodies.push(s);
    };
    collect(n.SubLink.subselect?.SelectStmt);
    for (const body of bodies) {
      const scope = fromScope(body, catalog, cteColumns);
      walk([body.targetList, body.havingClause, body.sortClause], (m, k) => {
        if (k === 'SubLink' || reason) return false;
        if (k !== 'FuncCall' || !(catalog.func(funcName(m)?.name ?? '')?.isAggregate || m.FuncCall.agg_star))
          return undefined;
        walk([m.FuncCall.args, m.FuncCall.agg_filter, m.FuncCall.agg_order], (c, ck) => {
          if (ck !== 'ColumnRef' || reason) return undefined;
          const names = columnRefNames(c);
          if (!names) return undefined;
          const local =
            names.length >= 2
              ? scope.names.has(names[names.length - 2] as string)
              : scope.columns.has(names[0] as string);
          if (!local)
            reason = `aggregate ${funcName(m)?.name}() in a subquery may aggregate the outer query's rows`;
          return undefined;
        });
        return false;
      });
    }
    return undefined;
  });
  return reason;
}
