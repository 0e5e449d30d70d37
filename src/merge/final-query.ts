// Builds the final statement the coordinator runs over the partial rows (bound as arrays) to finish a merge
// with PostgreSQL's own semantics: combine aggregates per group, then HAVING, projection, DISTINCT, ORDER BY, LIMIT.

import { FINAL_REL } from '../plan/aggregate.ts';
import { COMBINERS, varianceKind } from '../plan/combiners.ts';
import { bindParams } from '../plan/params.ts';
import type { HelperColumn, MergeSpec } from '../plan/types.ts';
import {
  type Ast,
  cast,
  clone,
  collate,
  colRef,
  funcCall,
  nullConst,
  op,
  paramRef,
  resTarget,
} from '../sql/ast.ts';
import { deparse } from '../sql/parser.ts';
import type { FieldInfo } from '../worker/protocol.ts';
import { encodeTextArray, splitQualifiedName } from './text-array.ts';

/** Thrown when the merge cannot be done exactly for these result types: the caller runs the statement whole. */
export class CannotMerge extends Error {}

export interface FinalQuery {
  sql: string;
  values: (string | null)[];
}

export interface FinalInput {
  merge: MergeSpec;
  fields: FieldInfo[];
  rows: (string | null)[][];
  /** Output names of the original statement, from PostgreSQL's Describe. */
  names: string[];
  /** [schema, type] per OID. */
  typeName: (oid: number) => [string, string] | undefined;
  /** The original statement's parameter types and values. */
  paramTypes: readonly ([string, string] | undefined)[];
  params: readonly (string | null)[];
}

const U = '__mb_u';

/** The role of each shard output column, with `*` in the select list expanded to the fields it produced. */
export function fieldRoles(merge: MergeSpec, fields: FieldInfo[]): HelperColumn[] {
  if (merge.kind === 'aggregate') return merge.columns;
  const helpers = merge.columns.length - merge.targets;
  const expanded = fields.length - helpers;
  const roles: HelperColumn[] = [];
  for (let i = 0; i < expanded; i++) roles.push({ kind: 'target', index: i });
  for (const c of merge.columns.slice(merge.targets)) {
    roles.push(
      c.kind === 'collation' && c.of < merge.targets
        ? c
        : c.kind === 'collation'
          ? { ...c, of: c.of - merge.targets + expanded }
          : c,
    );
  }
  return roles;
}

function columnName(c: HelperColumn): string {
  switch (c.kind) {
    case 'group':
      return `__mb_g${c.index + 1}`;
    case 'partial':
      return `__mb_p${c.agg + 1}_${c.part + 1}`;
    case 'target':
      return `__mb_t${c.index + 1}`;
    case 'sort':
      return `__mb_s${c.index + 1}`;
    case 'collation':
      return '';
  }
}

const NUMERIC = 1700;
/** Numeric multiplication keeps at most 16383 decimal places: x * x is exact only below half of that. */
const MAX_EXACT_SQUARE_SCALE = 8191;

/**
 * Numeric variance partials hold Σx² computed by SQL multiplication, which rounds beyond 16383 decimal
 * places where PostgreSQL's own accumulator does not. Σx has the largest scale of its inputs, so it tells
 * whether any square may have been rounded; then the merge is refused (and the statement runs whole).
 */
function checkSquaresExact(merge: FinalInput['merge'], fields: FieldInfo[], rows: (string | null)[][]): void {
  if (merge.kind !== 'aggregate') return;
  for (const a of merge.aggregates) {
    if (COMBINERS[a.fn]?.family !== 'variance') continue;
    const sx = a.partials[1];
    if (sx === undefined || fields[sx]?.typeOid !== NUMERIC) continue;
    for (const row of rows) {
      const v = row[sx];
      const dot = v?.indexOf('.') ?? -1;
      if (v && dot >= 0 && v.length - dot - 1 > MAX_EXACT_SQUARE_SCALE)
        throw new CannotMerge(`${a.fn}() input with more than ${MAX_EXACT_SQUARE_SCALE} decimal places`);
    }
  }
}

export function buildFinalQuery(input: FinalInput): FinalQuery {
  const { merge, fields, rows } = input;
  if (!merge.final) throw new CannotMerge('no final query');
  const roles = fieldRoles(merge, fields);
  if (roles.length !== fields.length) throw new CannotMerge('shard columns do not match the plan');
  checkSquaresExact(merge, fields, rows);

  // Collation per column, as PostgreSQL derived it in the shards.
  const collations = new Map<number, string[]>();
  roles.forEach((r, j) => {
    if (r.kind !== 'collation') return;
    const v = rows.find((row) => row[j] !== null)?.[j];
    if (v && v !== '"default"' && v !== 'default') collations.set(r.of, splitQualifiedName(v));
  });

  const final = bindParams(clone(merge.final), input.paramTypes);
  const userValues = final.user.map((k) => input.params[k - 1] ?? null);
  let nextParam = final.user.length + 1;

  // Level U: typed, collated columns from the bound arrays.
  const kept = roles.map((r, j) => ({ r, j })).filter(({ r }) => r.kind !== 'collation');
  const arrays: string[] = [];
  const unnestArgs: Ast[] = [];
  const uTargets: Ast[] = [];
  const aliasCols: Ast[] = [];
  for (const { r, j } of kept) {
    const f = fields[j] as FieldInfo;
    const t = input.typeName(f.typeOid);
    if (!t) throw new CannotMerge(`unknown type ${f.typeOid}`);
    arrays.push(encodeTextArray(rows.map((row) => row[j] ?? null)));
    unnestArgs.push(cast(paramRef(nextParam++), ['pg_catalog', 'text'], true));
    aliasCols.push({ String: { sval: `c${j}` } });
    let v: Ast = cast(colRef('__mb_in', `c${j}`), t);
    const coll = collations.get(j);
    if (coll) v = collate(v, coll);
    uTargets.push(resTarget(v, columnName(r)));
  }
  // Partial rows arrive in chunk order; ordered aggregates concatenate by it.
  uTargets.push(resTarget(colRef('__mb_in', 'ord'), '__mb_ord'));
  const uSelect: Ast = {
    SelectStmt: {
      targetList: uTargets,
      fromClause: [
        {
          RangeFunction: {
            // ROWS FROM (unnest($1), unnest($2), ...): zips the arrays, one row per partial row.
            is_rowsfrom: true,
            ordinality: true,
            functions: unnestArgs.map((a) => ({
              List: { items: [funcCall(['pg_catalog', 'unnest'], [a]), {}] },
            })),
            alias: { aliasname: '__mb_in', colnames: [...aliasCols, { String: { sval: 'ord' } }] },
          },
        },
      ],
      limitOption: 'LIMIT_OPTION_DEFAULT',
      op: 'SETOP_NONE',
    },
  };

  let source: Ast = uSelect;
  if (merge.kind === 'aggregate') source = combineLevel(merge, roles, fields, uSelect, input.typeName);
  else {
    const targets = roles.filter((r) => r.kind === 'target');
    final.ast.SelectStmt.targetList = targets.map((r, i) =>
      resTarget(colRef(FINAL_REL, columnName(r)), input.names[i] ?? `column${i + 1}`),
    );
  }
  const sel = final.ast.SelectStmt;
  if (merge.kind === 'aggregate') {
    sel.targetList = sel.targetList.map((t: Ast, i: number) => ({
      ResTarget: { ...t.ResTarget, name: input.names[i] ?? t.ResTarget.name },
    }));
  }
  sel.fromClause = [{ RangeSubselect: { subquery: source, alias: { aliasname: FINAL_REL } } }];
  return { sql: deparse(final.ast), values: [...userValues, ...arrays] };
}

/** Level C: one row per group with each aggregate's final value, from the typed partial rows. */
function combineLevel(
  merge: Extract<MergeSpec, { kind: 'aggregate' }>,
  roles: HelperColumn[],
  fields: FieldInfo[],
  uSelect: Ast,
  typeName: (oid: number) => [string, string] | undefined,
): Ast {
  const groupCols = roles.filter((r) => r.kind === 'group').map((r) => colRef(U, columnName(r)));
  // Partial columns are located through the aggregate's own list: a shared partial serves several aggregates.
  const partCol = (agg: number, part: number): number => merge.aggregates[agg]?.partials[part] as number;
  const partType = (agg: number, part: number): number => (fields[partCol(agg, part)] as FieldInfo).typeOid;
  const p = (agg: number, part: number): Ast =>
    colRef(U, columnName(roles[partCol(agg, part)] as HelperColumn));
  const sum = (x: Ast): Ast => funcCall(['pg_catalog', 'sum'], [x]);
  const windowCols: Ast[] = [];
  const targets: Ast[] = groupCols.map((g) => resTarget(g));
  merge.aggregates.forEach((a, j) => {
    let e: Ast;
    const fn = a.fn;
    switch (fn) {
      case 'count':
        e = cast(sum(p(j, 0)), ['pg_catalog', 'int8']);
        break;
      case 'sum': {
        const t = typeName(partType(j, 0));
        if (!t) throw new CannotMerge('unknown sum type');
        e = cast(sum(p(j, 0)), t);
        break;
      }
      case 'min':
      case 'max':
      case 'bool_and':
      case 'bool_or':
      case 'bit_and':
      case 'bit_or':
        e = funcCall(['pg_catalog', fn], [p(j, 0)]);
        break;
      case 'string_agg': {
        const o = a.ordered;
        if (!o) throw new CannotMerge('string_agg without its order');
        e = funcCall(['pg_catalog', 'string_agg'], [p(j, 0), clone(o.separator)], {
          agg_order: [
            {
              SortBy: {
                node: colRef(U, '__mb_ord'),
                sortby_dir: o.descending ? 'SORTBY_DESC' : 'SORTBY_DEFAULT',
                sortby_nulls: 'SORTBY_NULLS_DEFAULT',
              },
            },
          ],
        });
        break;
      }
      case 'every':
        e = funcCall(['pg_catalog', 'bool_and'], [p(j, 0)]);
        break;
      case 'avg': {
        const t = partType(j, 0);
        const n = {
          A_Expr: {
            kind: 'AEXPR_NULLIF',
            name: [{ String: { sval: '=' } }],
            lexpr: sum(p(j, 1)),
            rexpr: intConst(0),
          },
        };
        if (t === 20 || t === 1700) e = op('/', sum(p(j, 0)), n);
        else if (t === 701 || t === 1186) e = op('/', sum(p(j, 0)), cast(n, ['pg_catalog', 'float8']));
        else throw new CannotMerge(`avg over partial sums of type ${t}`);
        break;
      }
      default: {
        const t = partType(j, 1);
        if (t === 1700) e = numericVariance(fn, sum(p(j, 0)), sum(p(j, 1)), sum(p(j, 2)));
        else if (t === 701) {
          const mean = `__mb_m${j + 1}`;
          windowCols.push(
            resTarget(
              op(
                '/',
                windowed(sum(p(j, 1)), groupCols),
                cast(windowed(sum(p(j, 0)), groupCols), ['pg_catalog', 'float8']),
              ),
              mean,
            ),
          );
          e = floatVariance(fn, p(j, 0), p(j, 1), p(j, 2), colRef(U, mean));
        } else throw new CannotMerge(`variance over partial sums of type ${t}`);
      }
    }
    targets.push(resTarget(e, `__mb_a${j + 1}`));
  });
  let from: Ast = uSelect;
  if (windowCols.length > 0) {
    from = {
      SelectStmt: {
        targetList: [resTarget({ ColumnRef: { fields: [{ A_Star: {} }] } }), ...windowCols.map(clone)],
        fromClause: [{ RangeSubselect: { subquery: uSelect, alias: { aliasname: '__mb_w' } } }],
        limitOption: 'LIMIT_OPTION_DEFAULT',
        op: 'SETOP_NONE',
      },
    };
    // Window columns reference the typed columns by their names in the inner level.
    from = JSON.parse(JSON.stringify(from).replaceAll(`"${U}"`, '"__mb_w"'));
  }
  return {
    SelectStmt: {
      targetList: targets,
      fromClause: [{ RangeSubselect: { subquery: from, alias: { aliasname: U } } }],
      ...(groupCols.length ? { groupClause: groupCols.map(clone) } : {}),
      limitOption: 'LIMIT_OPTION_DEFAULT',
      op: 'SETOP_NONE',
    },
  };
}

function windowed(agg: Ast, partitionBy: Ast[]): Ast {
  const w = clone(agg);
  w.FuncCall.over = {
    ...(partitionBy.length ? { partitionClause: partitionBy.map(clone) } : {}),
    frameOptions: 1058,
  };
  return w;
}

const caseWhen = (whens: [Ast, Ast][], otherwise: Ast): Ast => ({
  CaseExpr: {
    args: whens.map(([expr, result]) => ({ CaseWhen: { expr, result } })),
    defresult: otherwise,
  },
});
const numConst = (s: string): Ast => cast({ A_Const: { sval: { sval: s } } }, ['pg_catalog', 'numeric']);
const intConst = (i: number): Ast => ({ A_Const: { ival: i === 0 ? {} : { ival: i } } });

/**
 * PostgreSQL's numeric_stddev_internal over the combined N, ΣX, ΣX² (exact numeric, same scales):
 * (N·ΣX² − (ΣX)²) / (N·(N−1)) or / N², 0 when that numerator is ≤ 0, NaN when any input was NaN or infinite.
 */
function numericVariance(fn: string, n: Ast, sx: Ast, sxx: Ast): Ast {
  const { sample, sqrt } = varianceKind(fn);
  const num = op('-', op('*', clone(n), clone(sxx)), op('*', clone(sx), clone(sx)));
  const den = sample ? op('*', clone(n), op('-', clone(n), intConst(1))) : op('*', clone(n), clone(n));
  const special = (x: Ast): Ast => ({
    A_Expr: {
      kind: 'AEXPR_IN',
      name: [{ String: { sval: '=' } }],
      lexpr: clone(x),
      rexpr: { List: { items: ['NaN', 'Infinity', '-Infinity'].map(numConst) } },
    },
  });
  let v: Ast = op('/', clone(num), den);
  if (sqrt) {
    // sqrt_var at the division's scale R: compute 20 digits further, then round to R.
    const scale = funcCall(['pg_catalog', 'scale'], [clone(v)]);
    const wide = funcCall(['pg_catalog', 'round'], [clone(v), op('+', clone(scale), intConst(20))]);
    v = funcCall(['pg_catalog', 'round'], [funcCall(['pg_catalog', 'sqrt'], [wide]), scale]);
  }
  return caseWhen(
    [
      [{ BoolExpr: { boolop: 'OR_EXPR', args: [special(sxx), special(sx)] } }, numConst('NaN')],
      [op('<=', clone(n), intConst(sample ? 1 : 0)), nullConst()],
      [op('<=', num, intConst(0)), numConst('0')],
    ],
    v,
  );
}

/** float8_var_*: Sxx = Σ Sxx_i + Σ N_i (mean_i − mean)², as float8_combine accumulates it. */
function floatVariance(fn: string, n: Ast, sx: Ast, sxxPart: Ast, mean: Ast): Ast {
  const { sample, sqrt } = varianceKind(fn);
  const sum = (x: Ast): Ast => funcCall(['pg_catalog', 'sum'], [x]);
  const dev = op('-', op('/', clone(sx), cast(clone(n), ['pg_catalog', 'float8'])), clone(mean));
  // PostgreSQL's float multiply raises "underflow" where C arithmetic (float8_combine) quietly gives 0:
  // a deviation this small contributes nothing measurable, so it is left out instead of squared.
  const tiny = op(
    '<',
    funcCall(['pg_catalog', 'abs'], [clone(dev)]),
    cast({ A_Const: { sval: { sval: '1e-150' } } }, ['pg_catalog', 'float8']),
  );
  const term = caseWhen(
    [[tiny, cast(intConst(0), ['pg_catalog', 'float8'])]],
    op('*', cast(clone(n), ['pg_catalog', 'float8']), op('*', dev, clone(dev))),
  );
  const sxx = op('+', sum(clone(sxxPart)), { CoalesceExpr: { args: [sum(term), intConst(0)] } });
  const N = cast(sum(clone(n)), ['pg_catalog', 'float8']);
  let v: Ast = op('/', sxx, sample ? op('-', clone(N), intConst(1)) : clone(N));
  if (sqrt) v = funcCall(['pg_catalog', 'sqrt'], [v]);
  return caseWhen([[op('<=', clone(N), intConst(sample ? 1 : 0)), nullConst()]], v);
}
