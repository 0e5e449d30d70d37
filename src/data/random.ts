// Seeded pseudo-random numbers (mulberry32) and the value formatting our data generators share.

/** A list of items with relative weights, flattened for O(1) weighted picks. */
export interface WeightedTable<T> {
  readonly items: readonly T[];
  /** One entry per unit of weight: an index into `items`. */
  readonly slots: Uint16Array;
}

/**
 * Builds a weighted table from `[item, weight]` pairs (integer weights).
 *
 * @example
 *   const t = weighted([['a', 3], ['b', 1]]); // 'a' three times as likely as 'b'
 */
export function weighted<T>(pairs: readonly (readonly [T, number])[]): WeightedTable<T> {
  const total = pairs.reduce((sum, [, w]) => sum + w, 0);
  const slots = new Uint16Array(total);
  let at = 0;
  pairs.forEach(([, w], index) => {
    slots.fill(index, at, at + w);
    at += w;
  });
  return { items: pairs.map(([item]) => item), slots };
}

/**
 * Mixes numbers into a 32-bit seed (murmur3-style), so each (table, row) gets its own stream and rows
 * can be generated in any order or twice with the same result.
 *
 * @example
 *   rng.reseed(mixSeed(seed, STREAM_ORDERS, orderIndex));
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const lo = part >>> 0;
    const hi = Math.floor(part / 0x1_0000_0000) >>> 0;
    h = Math.imul(h ^ lo, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ hi, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * A small, fast, seeded PRNG (mulberry32). Same seed, same sequence.
 *
 * @example
 *   const rng = new Random(42);
 *   rng.int(1, 6); // a die roll, the same one every run
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Restarts the sequence from `seed` (cheap: used once per generated row). */
  reseed(seed: number): this {
    this.state = seed >>> 0;
    return this;
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.uint32() / 0x1_0000_0000;
  }

  /** A uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A uniformly chosen element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** An element of a weighted table, chosen by weight. */
  weighted<T>(table: WeightedTable<T>): T {
    const slot = table.slots[Math.floor(this.next() * table.slots.length)] ?? 0;
    return table.items[slot] as T;
  }

  /** A decimal with two places in [min, max] as text, e.g. `decimal(-999.99, 9999.99)` → `'1234.56'`. */
  decimal(min: number, max: number): string {
    return formatCents(this.int(Math.round(min * 100), Math.round(max * 100)));
  }

  /** A uniform date in [from, to] (ISO `YYYY-MM-DD`, both inclusive) as ISO text. */
  date(from: string, to: string): string {
    return formatDay(this.int(dayNumber(from), dayNumber(to)));
  }

  /** `count` words from `words`, separated by spaces. */
  words(words: readonly string[], count: number): string {
    let out = this.pick(words);
    for (let i = 1; i < count; i++) out += ` ${this.pick(words)}`;
    return out;
  }
}

const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/**
 * Formats an integer number of cents as a decimal with two places.
 *
 * @example
 *   formatCents(-5); // '-0.05'
 */
export function formatCents(cents: number): string {
  const abs = cents < 0 ? -cents : cents;
  const whole = Math.floor(abs / 100);
  const text = `${whole}.${TWO_DIGITS[abs - whole * 100]}`;
  return cents < 0 ? `-${text}` : text;
}

/** Zero-pads a non-negative integer to `width` digits (`Supplier#000000001`). */
export function padNumber(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of an ISO date (`YYYY-MM-DD`). */
export function dayNumber(iso: string): number {
  const ms = Date.parse(`${iso}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new RangeError(`invalid date: ${iso}`);
  return Math.round(ms / DAY_MS);
}

// Formatted dates are cached: generators format millions of dates drawn from a few thousand days.
const CACHE_FIRST_DAY = -25_567; // 1900-01-01
const CACHE_DAYS = 100_000; // to 2173
const dayCache = Array.from<string | undefined>({ length: CACHE_DAYS });

/**
 * Formats days since 1970-01-01 as ISO `YYYY-MM-DD`.
 *
 * @example
 *   formatDay(0); // '1970-01-01'
 */
export function formatDay(day: number): string {
  const slot = day - CACHE_FIRST_DAY;
  const cached = dayCache[slot];
  if (cached !== undefined) return cached;
  const text = new Date(day * DAY_MS).toISOString().slice(0, 10);
  if (slot >= 0 && slot < CACHE_DAYS) dayCache[slot] = text;
  return text;
}
