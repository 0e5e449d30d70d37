// Renumbers parameters in a rewritten statement: the user's parameters it uses first, then the chunk bounds.
import { type Ast, cast, paramRef, walk } from '../sql/ast.ts';
import { HI_PARAM, LO_PARAM } from './ranges.ts';

export interface BoundParams {
  ast: Ast;
  /** Original numbers of the user parameters the statement uses, in their new order. */
  user: number[];
}

/**
 * Gives the user parameters `ast` uses the numbers 1..m (each cast to the type PostgreSQL resolved for the
 * original statement, so inference cannot differ), and LO/HI placeholders m+1 and m+2.
 */
export function bindParams(ast: Ast, paramTypes: readonly ([string, string] | undefined)[]): BoundParams {
  // One walk finds the ParamRef nodes; they are rewritten in place (the statement is the planner's own copy).
  const refs: Ast[] = [];
  walk(ast, (n, kind) => {
    if (kind !== 'ParamRef') return undefined;
    refs.push(n);
    return false;
  });
  const used = new Set<number>();
  for (const n of refs) {
    const k = n.ParamRef.number as number;
    if (k !== LO_PARAM && k !== HI_PARAM) used.add(k);
  }
  const user = [...used].sort((a, b) => a - b);
  const renumber = new Map<number, number>(user.map((k, i) => [k, i + 1]));
  renumber.set(LO_PARAM, user.length + 1);
  renumber.set(HI_PARAM, user.length + 2);
  for (const n of refs) {
    const k = n.ParamRef.number as number;
    const num = renumber.get(k) ?? k;
    const t = k === LO_PARAM || k === HI_PARAM ? undefined : paramTypes[k - 1];
    if (t) {
      delete n.ParamRef;
      Object.assign(n, cast(paramRef(num), t));
    } else n.ParamRef = { ...n.ParamRef, number: num };
  }
  const out = ast;
  return { ast: out, user };
}

/** The highest `$n` a statement mentions. */
export function maxParam(ast: Ast): number {
  let m = 0;
  walk(ast, (n, kind) => {
    if (kind === 'ParamRef') m = Math.max(m, n.ParamRef.number as number);
    return undefined;
  });
  return m;
}
