// One entry per splittable aggregate: which partial aggregates the shards compute for it.
import { type Ast, cast, clone, funcCall, op } from '../sql/ast.ts';

/** How the argument of avg/variance is accumulated by PostgreSQL: exact numeric, float8, or interval. */
export type ArgClass = 'numeric' | 'float' | 'interval' | 'unknown';

export type AggFamily =
  | 'count'
  | 'sum'
  | 'min'
  | 'max'
  | 'bool_and'
  | 'bool_or'
  | 'bit'
  | 'avg'
  | 'variance'
  | 'ordered';

export interface Combiner {
  family: AggFamily;
  /** DISTINCT gives the same result as without it (idempotent combine). */
  distinctFree: boolean;
  /** Whether DISTINCT can be split when chunks are disjoint in the argument's values. */
  distinctByValue: boolean;
  /** The shard's partial aggregates for `call` (a FuncCall node), or a reason it cannot be split. */
  partials(call: Ast, arg: ArgClass): Ast[] | string;
}

const same = (call: Ast): Ast[] => [clone(call)];

/** A copy of `call` as another aggregate over other arguments, keeping DISTINCT, FILTER and ORDER BY. */
function derived(call: Ast, name: string, args: Ast[]): Ast {
  const f = call.FuncCall;
  const extra: Record<string, unknown> = {};
  if (f.agg_distinct) extra.agg_distinct = true;
  if (f.agg_filter) extra.agg_filter = clone(f.agg_filter);
  return funcCall([name], args, extra);
}

const simple = (family: AggFamily, distinctFree: boolean): Combiner => ({
  family,
  distinctFree,
  distinctByValue: true,
  partials: same,
});

function avgPartials(call: Ast, arg: ArgClass): Ast[] | string {
  const x = call.FuncCall.args?.[0];
  if (!x || call.FuncCall.args.length !== 1) return 'avg() takes one argument';
  if (arg === 'float') {
    // PostgreSQL's float avg accumulates Sxx too and fails on its overflow: the third partial (unused by the
    // merge) keeps that error in the chunk that meets it.
    return [
      derived(call, 'sum', [cast(clone(x), ['pg_catalog', 'float8'])]),
      derived(call, 'count', [clone(x)]),
      clone(call),
    ];
  }
  return [derived(call, 'sum', [clone(x)]), derived(call, 'count', [clone(x)])];
}

function variancePartials(call: Ast, arg: ArgClass): Ast[] | string {
  const x = call.FuncCall.args?.[0];
  if (!x || call.FuncCall.args.length !== 1) return 'variance aggregates take one argument';
  if (call.FuncCall.agg_distinct) return 'DISTINCT variance is not split';
  if (arg === 'numeric') {
    const xn = () => cast(clone(x), ['pg_catalog', 'numeric']);
    return [
      derived(call, 'count', [clone(x)]),
      derived(call, 'sum', [xn()]),
      derived(call, 'sum', [op('*', xn(), xn())]),
    ];
  }
  if (arg === 'float') {
    const xf = () => cast(clone(x), ['pg_catalog', 'float8']);
    // Per chunk: N, Sx and Sxx = N * var_pop (the sum of squared deviations), combined as float8_combine does.
    return [
      derived(call, 'count', [clone(x)]),
      derived(call, 'sum', [xf()]),
      op('*', derived(call, 'var_pop', [xf()]), derived(call, 'count', [xf()])),
    ];
  }
  return 'cannot tell whether the variance argument is numeric or float';
}

const variance: Combiner = {
  family: 'variance',
  distinctFree: false,
  distinctByValue: false,
  partials: variancePartials,
};

export const COMBINERS: Readonly<Record<string, Combiner>> = {
  count: simple('count', false),
  sum: simple('sum', false),
  min: simple('min', true),
  max: simple('max', true),
  bool_and: simple('bool_and', true),
  every: simple('bool_and', true),
  bool_or: simple('bool_or', true),
  bit_and: simple('bit', true),
  bit_or: simple('bit', true),
  // Ordered by a column the chunks are disjoint ranges of: each chunk aggregates its range in order.
  string_agg: simple('ordered', false),
  avg: { family: 'avg', distinctFree: false, distinctByValue: true, partials: avgPartials },
  variance,
  var_samp: variance,
  var_pop: variance,
  stddev: variance,
  stddev_samp: variance,
  stddev_pop: variance,
};

/** For a variance-family name: sample or population, and whether the square root is taken. */
export function varianceKind(fn: string): { sample: boolean; sqrt: boolean } {
  return {
    sample: !fn.endsWith('_pop'),
    sqrt: fn.startsWith('stddev'),
  };
}
