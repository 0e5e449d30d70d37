// Statement shapes (text with its literals blanked) that recently ran whole: the next statement of the same
// shape is relayed without being parsed or planned. A false hit only costs a split, never a wrong answer.

const QUOTE = 0x27; // '
const DOT = 0x2e;
const PLUS = 0x2b;
const MINUS = 0x2d;
/** Stands for a blanked literal in the hash. */
const LITERAL = 0x3f; // ?

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
/** Characters a number directly after is part of a name or parameter (`t2`, `$1`): ASCII \w and $. */
const isNamePart = (c: number): boolean =>
  isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24;

/** Where the number starting at `i` ends: digits, an optional fraction, an optional exponent with digits. */
function numberEnd(sql: string, i: number): number {
  const n = sql.length;
  while (i < n && isDigit(sql.charCodeAt(i))) i++;
  if (i < n && sql.charCodeAt(i) === DOT) {
    i++;
    while (i < n && isDigit(sql.charCodeAt(i))) i++;
  }
  if (i < n && (sql.charCodeAt(i) | 0x20) === 0x65) {
    let j = i + 1;
    if (j < n && (sql.charCodeAt(j) === PLUS || sql.charCodeAt(j) === MINUS)) j++;
    if (j < n && isDigit(sql.charCodeAt(j))) {
      while (j < n && isDigit(sql.charCodeAt(j))) j++;
      i = j;
    }
  }
  return i;
}

/** Where the quoted string starting at `i` (a quote) ends; `''` is an escaped quote. */
function quotedEnd(sql: string, i: number): number {
  const n = sql.length;
  for (i++; i < n; i++) {
    if (sql.charCodeAt(i) !== QUOTE) continue;
    if (i + 1 < n && sql.charCodeAt(i + 1) === QUOTE) i++;
    else return i + 1;
  }
  return n;
}

/** A seed for `shapeKey` from what else the key depends on (the session's user). */
export function shapeSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A 53-bit hash of the statement's shape: its text with quoted strings and numbers blanked (`$n`
 * parameters and names like `t2` stay), computed in one pass without building the shape. Two hashes of 32
 * bits with different multipliers make the collision odds negligible; a collision would only relay a
 * statement that could have split.
 *
 * @example
 *   shapeKey('SELECT abalance FROM pgbench_accounts WHERE aid = 81234', 0) ===
 *     shapeKey('SELECT abalance FROM pgbench_accounts WHERE aid = 7', 0) // true
 */
export function shapeKey(sql: string, seed: number): number {
  let a = seed ^ 0x811c9dc5;
  let b = seed ^ 0x5bd1e995;
  let prev = 0;
  const n = sql.length;
  let i = 0;
  while (i < n) {
    let c = sql.charCodeAt(i);
    if (c === QUOTE) {
      i = quotedEnd(sql, i);
      c = LITERAL;
    } else if (isDigit(c) && !isNamePart(prev)) {
      i = numberEnd(sql, i);
      c = LITERAL;
    } else {
      i++;
    }
    prev = c;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x200000 + (b >>> 11);
}

/** Could be a SELECT (or EXPLAIN of one): anything else is relayed without parsing. Comments first: maybe. */
export const MAYBE_SELECT = /^[\s(]*(?:select|with|explain|table|values|--|\/\*)/i;

export class ShapeCache {
  private readonly until = new Map<number, number>();

  constructor(
    private readonly ttlMs = 10_000,
    private readonly max = 10_000,
  ) {}

  has(key: number): boolean {
    const t = this.until.get(key);
    if (t === undefined) return false;
    if (t > Date.now()) return true;
    this.until.delete(key);
    return false;
  }

  add(key: number): void {
    if (this.until.size >= this.max) this.until.clear();
    this.until.set(key, Date.now() + this.ttlMs);
  }
}
