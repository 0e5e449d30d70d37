// AST helpers over libpg-query's JSON parse tree: node builders, walking, structural equality.

// biome-ignore lint/suspicious/noExplicitAny: the parse tree is JSON of many node kinds; helpers below narrow it.
export type Ast = any;

/** The single key of a wrapped node (`{ SelectStmt: {...} }` → 'SelectStmt'). */
export function nodeKind(n: Ast): string | undefined {
  if (n === null || typeof n !== 'object' || Array.isArray(n)) return undefined;
  // Counted without Object.keys: the planner asks this of every node it walks.
  let kind: string | undefined;
  for (const k in n) {
    if (kind !== undefined) return undefined;
    kind = k;
  }
  return kind;
}

/** Node kinds are capitalised (`SelectStmt`); field names are not (`targetList`). */
const isKindName = (k: string): boolean => {
  const c = k.charCodeAt(0);
  return c >= 65 && c <= 90;
};

export const str = (s: string): Ast => ({ String: { sval: s } });

export const colRef = (...fields: string[]): Ast => ({ ColumnRef: { fields: fields.map(str) } });

export const paramRef = (n: number): Ast => ({ ParamRef: { number: n } });

export const intConst = (i: number): Ast => ({ A_Const: { ival: i === 0 ? {} : { ival: i } } });

export const nullConst = (): Ast => ({ A_Const: { isnull: true } });

export const typeName = (names: string[], arrayBounds = false): Ast => ({
  names: names.map(str),
  typemod: -1,
  ...(arrayBounds ? { arrayBounds: [{ Integer: { ival: -1 } }] } : {}),
});

export const cast = (arg: Ast, names: string[], array = false): Ast => ({
  TypeCast: { arg, typeName: typeName(names, array) },
});

export const collate = (arg: Ast, collname: string[]): Ast => ({
  CollateClause: { arg, collname: collname.map(str) },
});

export const funcCall = (name: string[], args: Ast[], extra: Record<string, unknown> = {}): Ast => ({
  FuncCall: {
    funcname: name.map(str),
    ...(args.length ? { args } : {}),
    funcformat: 'COERCE_EXPLICIT_CALL',
    ...extra,
  },
});

export const op = (name: string, lexpr: Ast, rexpr: Ast): Ast => ({
  A_Expr: { kind: 'AEXPR_OP', name: [str(name)], lexpr, rexpr },
});

export const and = (...args: Ast[]): Ast => ({ BoolExpr: { boolop: 'AND_EXPR', args } });

export const resTarget = (val: Ast, name?: string): Ast => ({
  ResTarget: { ...(name !== undefined ? { name } : {}), val },
});

export const nullTest = (arg: Ast, isNull: boolean): Ast => ({
  NullTest: { arg, nulltesttype: isNull ? 'IS_NULL' : 'IS_NOT_NULL' },
});

/** Deep copy of a node (the tree is plain JSON; a plain recursive copy beats structuredClone here). */
export function clone<T>(n: T): T {
  if (Array.isArray(n)) return n.map(clone) as T;
  if (n === null || typeof n !== 'object') return n;
  const out: Record<string, unknown> = {};
  for (const k in n) out[k] = clone((n as Record<string, unknown>)[k]);
  return out as T;
}

/** Canonical string of a node ignoring source locations: equal strings ⇔ the same expression as written. */
export function fingerprintNode(x: Ast): string {
  // String concatenation (V8 ropes) is twice as fast here as pushing parts and joining them.
  if (x === null || typeof x !== 'object') return typeof x === 'string' ? JSON.stringify(x) : String(x);
  let s: string;
  if (Array.isArray(x)) {
    s = '[';
    for (const y of x) s += `${fingerprintNode(y)},`;
    return `${s}]`;
  }
  s = '{';
  for (const k in x) {
    if (k === 'location') continue;
    s += `${k}:${fingerprintNode(x[k])},`;
  }
  return `${s}}`;
}

/**
 * `fingerprintNode` remembering each object's string: for one pass over a tree that is not changed meanwhile
 * (a planner rewrite compares the same calls several times).
 */
export function fingerprintMemo(): (n: Ast) => string {
  const seen = new WeakMap<object, string>();
  return (n) => {
    if (n === null || typeof n !== 'object') return fingerprintNode(n);
    let s = seen.get(n);
    if (s === undefined) {
      s = fingerprintNode(n);
      seen.set(n, s);
    }
    return s;
  };
}

export function sameNode(a: Ast, b: Ast): boolean {
  return fingerprintNode(a) === fingerprintNode(b);
}

/**
 * Visits every wrapped node depth-first. The visitor returns false to skip a node's children.
 * `path` holds the kinds of the ancestors (outermost first).
 */
export function walk(
  n: Ast,
  visit: (node: Ast, kind: string, path: readonly string[]) => boolean | undefined,
): void {
  const path: string[] = [];
  const go = (x: Ast): void => {
    if (Array.isArray(x)) {
      for (const y of x) go(y);
      return;
    }
    if (x === null || typeof x !== 'object') return;
    const kind = nodeKind(x);
    if (kind !== undefined && isKindName(kind)) {
      if (visit(x, kind, path) === false) return;
      path.push(kind);
      go(x[kind]);
      path.pop();
      return;
    }
    for (const k in x) go(x[k]);
  };
  go(n);
}

/**
 * Rebuilds a tree bottom-up-free: `replace` is called on each wrapped node first (outermost first); when it
 * returns a node, that node is used as is and its children are not visited.
 */
export function transform(n: Ast, replace: (node: Ast, kind: string) => Ast | undefined): Ast {
  if (Array.isArray(n)) return n.map((x) => transform(x, replace));
  if (n === null || typeof n !== 'object') return n;
  const kind = nodeKind(n);
  if (kind !== undefined && isKindName(kind)) {
    const r = replace(n, kind);
    if (r !== undefined) return r;
    return { [kind]: transform(n[kind], replace) };
  }
  const out: Record<string, Ast> = {};
  for (const [k, v] of Object.entries(n)) out[k] = transform(v, replace);
  return out;
}

/** The dotted name parts of a ColumnRef, or undefined for `*` refs. */
export function columnRefNames(n: Ast): string[] | undefined {
  const fields: Ast[] | undefined = n?.ColumnRef?.fields;
  if (!fields) return undefined;
  const out: string[] = [];
  for (const f of fields) {
    if (f.String) out.push(f.String.sval);
    else return undefined;
  }
  return out;
}

/** The function name of a FuncCall, last part lowercased as PostgreSQL resolves unquoted names. */
export function funcName(n: Ast): { schema?: string; name: string } | undefined {
  const parts: Ast[] | undefined = n?.FuncCall?.funcname;
  if (!parts || parts.length === 0) return undefined;
  const names = parts.map((p: Ast) => p.String?.sval as string);
  const name = names[names.length - 1] as string;
  return names.length > 1 ? { schema: names[0] as string, name } : { name };
}
