// Statement shapes (text with its literals blanked) that recently ran whole: the next statement of the same
// shape is relayed without being parsed or planned. A false hit only costs a split, never a wrong answer.

/** Literals: quoted strings ('' escapes included) and numbers; `$n` parameters and identifiers stay. */
const LITERALS = /'(?:[^']|'')*'|(?<![\w$])\d+(?:\.\d*)?(?:e[+-]?\d+)?/gi;

/**
 * @example
 *   shapeOf("SELECT abalance FROM pgbench_accounts WHERE aid = 81234") // 'SELECT abalance FROM pgbench_accounts WHERE aid = ?'
 */
export const shapeOf = (sql: string): string => sql.replace(LITERALS, '?');

/** Could be a SELECT (or EXPLAIN of one): anything else is relayed without parsing. Comments first: maybe. */
export const MAYBE_SELECT = /^[\s(]*(?:select|with|explain|table|values|--|\/\*)/i;

export class ShapeCache {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly ttlMs = 10_000,
    private readonly max = 10_000,
  ) {}

  has(key: string): boolean {
    const t = this.until.get(key);
    if (t === undefined) return false;
    if (t > Date.now()) return true;
    this.until.delete(key);
    return false;
  }

  add(key: string): void {
    if (this.until.size >= this.max) this.until.clear();
    this.until.set(key, Date.now() + this.ttlMs);
  }
}
