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
function numberEnd(sql: Uint8Array, i: number, n: number): number {
  while (i < n && isDigit(sql[i] as number)) i++;
  if (i < n && sql[i] === DOT) {
    i++;
    while (i < n && isDigit(sql[i] as number)) i++;
  }
  if (i < n && ((sql[i] as number) | 0x20) === 0x65) {
    let j = i + 1;
    if (j < n && (sql[j] === PLUS || sql[j] === MINUS)) j++;
    if (j < n && isDigit(sql[j] as number)) {
      while (j < n && isDigit(sql[j] as number)) j++;
      i = j;
    }
  }
  return i;
}

/** Where the quoted string starting at `i` (a quote) ends; `''` is an escaped quote. */
function quotedEnd(sql: Uint8Array, i: number, n: number): number {
  for (i++; i < n; i++) {
    if (sql[i] !== QUOTE) continue;
    if (i + 1 < n && sql[i + 1] === QUOTE) i++;
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
 * A 53-bit hash of the statement's shape: its UTF-8 text with quoted strings and numbers blanked (`$n`
 * parameters and names like `t2` stay), computed in one pass without building the shape. Two hashes of 32
 * bits with different multipliers make the collision odds negligible; a collision would only relay a
 * statement that could have split. Takes the bytes as they came (`start` to `end` of `sql`), so a relayed
 * Query is never decoded; a string is encoded first.
 *
 * @example
 *   shapeKey('SELECT abalance FROM pgbench_accounts WHERE aid = 81234', 0) ===
 *     shapeKey('SELECT abalance FROM pgbench_accounts WHERE aid = 7', 0) // true
 */
export function shapeKey(sql: string | Uint8Array, seed: number, start = 0, end?: number): number {
  const text = typeof sql === 'string' ? Buffer.from(sql) : sql;
  const n = end ?? text.length;
  let a = seed ^ 0x811c9dc5;
  let b = seed ^ 0x5bd1e995;
  let prev = 0;
  let i = start;
  while (i < n) {
    let c = text[i] as number;
    if (c === QUOTE) {
      i = quotedEnd(text, i, n);
      c = LITERAL;
    } else if (isDigit(c) && !isNamePart(prev)) {
      i = numberEnd(text, i, n);
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

/** How a SELECT (or EXPLAIN of one) may start, after white space and parentheses; comments first: maybe. */
const SELECT_STARTS = ['select', 'with', 'explain', 'table', 'values', '--', '/*'];

/** Could be a SELECT (or EXPLAIN of one): anything else is relayed without parsing. */
export const MAYBE_SELECT = new RegExp(
  `^[\\s(]*(?:${SELECT_STARTS.map((w) => w.replace(/[*/]/g, '\\$&')).join('|')})`,
  'i',
);

const SEMICOLON = 0x3b;
/** ASCII white space and `(`, as MAYBE_SELECT skips them (it also skips other Unicode white space). */
const isLead = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x28;
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const SELECT_WORDS = SELECT_STARTS.map((w) => Buffer.from(w));

/** Whether `sql` from `at` starts with `word` (lower case), ASCII letters compared case-insensitively. */
function startsWith(sql: Uint8Array, at: number, end: number, word: Uint8Array): boolean {
  if (end - at < word.length) return false;
  for (let k = 0; k < word.length; k++) {
    const c = sql[at + k] as number;
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== word[k]) return false;
  }
  return true;
}

/**
 * A statement that a gateway may relay without decoding its text: MAYBE_SELECT holds for it, and neither
 * `dropsPrepared` nor `mayChangeCatalog` can (no "de"/"di" pair, so no DEALLOCATE or DISCARD, and no `;`
 * followed by anything but white space, so no second statement), and no NUL byte. Looks at the UTF-8 bytes
 * `start` to `end`; false whenever unsure (the text is then decoded and tested as usual).
 *
 * @example
 *   quietSelect(Buffer.from('SELECT abalance FROM pgbench_accounts WHERE aid = 7;'), 0, 51) // true
 */
export function quietSelect(sql: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end && isLead(sql[i] as number)) i++;
  let select = false;
  for (const w of SELECT_WORDS) select ||= startsWith(sql, i, end, w);
  if (!select) return false;
  let semicolon = false;
  for (; i < end; i++) {
    const c = sql[i] as number;
    if (c === 0) return false; // the text would end here
    if (c === SEMICOLON) semicolon = true;
    else if (semicolon && !isSpace(c)) return false;
    else if ((c | 0x20) === 0x64) {
      const next = i + 1 < end ? (sql[i + 1] as number) | 0x20 : 0;
      if (next === 0x65 || next === 0x69) return false;
    }
  }
  return true;
}

/**
 * Milliseconds since the epoch, at most 100 ms behind: read per statement without the runtime call
 * Date.now() costs (a sixth of the gateway's own time per relayed statement under pgbench -S).
 */
let coarse = Date.now();
let ticking: NodeJS.Timeout | undefined;
function coarseNow(): number {
  if (!ticking) {
    ticking = setInterval(() => {
      coarse = Date.now();
    }, 100);
    ticking.unref();
    coarse = Date.now();
  }
  return coarse;
}

export class ShapeCache {
  private readonly until = new Map<number, number>();

  /** @param now the clock (default: Date.now() to within 100 ms) */
  constructor(
    private readonly ttlMs = 10_000,
    private readonly max = 10_000,
    private readonly now: () => number = coarseNow,
  ) {}

  has(key: number): boolean {
    const t = this.until.get(key);
    if (t === undefined) return false;
    if (t > this.now()) return true;
    this.until.delete(key);
    return false;
  }

  add(key: number): void {
    if (this.until.size >= this.max) this.until.clear();
    this.until.set(key, this.now() + this.ttlMs);
  }
}
