// TPC-H cardinalities and key formulas for a scale factor (spec clause 4.2.3), shared by all table generators.
import { dayNumber, mixSeed, Random } from '../random.ts';

/** Row counts (and the clerk count) for one scale factor. */
export interface TpchCounts {
  suppliers: number;
  parts: number;
  customers: number;
  orders: number;
  clerks: number;
}

/** Everything a table generator needs: the seed, counts, the comment text pool and precomputed keys. */
export interface TpchContext {
  seed: number;
  counts: TpchCounts;
  pool: string;
  /** The pool as bytes, for copying comments straight into COPY buffers. */
  poolBytes: Buffer;
  /** Per `floor((partkey - 1) / suppliers)`, the stride between a part's four suppliers. */
  supplierStrides: readonly number[];
  /** Supplier keys whose comment holds `Customer ... Complaints` / `Customer ... Recommends`. */
  complaints: ReadonlySet<number>;
  recommends: ReadonlySet<number>;
}

/** Per-table random streams, mixed into each row's seed. */
export const STREAM = {
  region: 1,
  nation: 2,
  supplier: 3,
  part: 4,
  partsupp: 5,
  customer: 6,
  orders: 7,
  press: 8,
} as const;

export const START_DATE = dayNumber('1992-01-01');
export const CURRENT_DATE = dayNumber('1995-06-17');
export const END_DATE = dayNumber('1998-12-31');
/** Orders are placed early enough for every lineitem to be received by END_DATE (121 + 30 days). */
export const LAST_ORDER_DATE = END_DATE - 151;

/**
 * Row counts for a scale factor (each at least 1; at least 4 suppliers so each part has four).
 *
 * @example
 *   tpchCounts(0.01); // { suppliers: 100, parts: 2000, customers: 1500, orders: 15000, clerks: 10 }
 */
export function tpchCounts(scaleFactor: number): TpchCounts {
  if (!(scaleFactor > 0) || !Number.isFinite(scaleFactor)) {
    throw new RangeError(`scale factor must be a positive number, got ${scaleFactor}`);
  }
  const n = (base: number): number => Math.max(1, Math.round(scaleFactor * base));
  const customers = n(150_000);
  return {
    suppliers: Math.max(4, n(10_000)),
    parts: n(200_000),
    customers,
    orders: customers * 10,
    clerks: n(1_000),
  };
}

/** The sparse order key of the `index`-th order (0-based): 8 keys used out of each 32 (dbgen's mk_sparse). */
export function orderKey(index: number): number {
  const i = index + 1;
  return Math.floor(i / 8) * 32 + (i % 8);
}

/** The retail price of a part in cents (spec: P_RETAILPRICE). */
export function retailCents(partKey: number): number {
  return 90_000 + (Math.floor(partKey / 10) % 20_001) + 100 * (partKey % 1000);
}

/** The `i`-th (0..3) supplier of a part (spec: PS_SUPPKEY), used by partsupp and lineitem alike. */
export function partSupplier(ctx: TpchContext, partKey: number, i: number): number {
  const s = ctx.counts.suppliers;
  const stride = ctx.supplierStrides[Math.floor((partKey - 1) / s)] ?? 0;
  return ((partKey + i * stride) % s) + 1;
}

function distinctMultiples(stride: number, modulus: number): boolean {
  const seen = new Set<number>();
  for (let i = 0; i < 4; i++) seen.add((i * stride) % modulus);
  return seen.size === 4;
}

/**
 * Strides of the spec's PS_SUPPKEY formula, `S/4 + (partkey-1)/S`. At a few tiny scale factors it would give a
 * part the same supplier twice; the stride is then bumped to the next one that does not.
 */
function supplierStrides(counts: TpchCounts): number[] {
  const s = counts.suppliers;
  const groups = Math.ceil(counts.parts / s);
  return Array.from({ length: groups }, (_, g) => {
    let stride = Math.floor(s / 4) + g;
    while (!distinctMultiples(stride, s)) stride++;
    return stride;
  });
}

function pickDistinct(rng: Random, count: number, max: number, exclude: ReadonlySet<number>): Set<number> {
  const picked = new Set<number>();
  while (picked.size < count) {
    const key = rng.int(1, max);
    if (!exclude.has(key)) picked.add(key);
  }
  return picked;
}

/**
 * Builds the generation context. SF*5 suppliers each get the `Complaints` and `Recommends` comments
 * (at least one each, so the Q16 filter has something to exclude even at tiny scale factors).
 */
export function tpchContext(scaleFactor: number, seed: number, pool: string): TpchContext {
  const counts = tpchCounts(scaleFactor);
  const rng = new Random(mixSeed(seed, STREAM.press));
  const perKind = Math.min(Math.floor(counts.suppliers / 2), Math.max(1, Math.round(scaleFactor * 5)));
  const complaints = pickDistinct(rng, perKind, counts.suppliers, new Set());
  const recommends = pickDistinct(rng, perKind, counts.suppliers, complaints);
  return {
    seed,
    counts,
    pool,
    poolBytes: Buffer.from(pool, 'latin1'),
    supplierStrides: supplierStrides(counts),
    complaints,
    recommends,
  };
}
