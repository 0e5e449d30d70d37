// Small statistics for the benchmark: median, min–max, percentiles, geometric mean.

/** The middle value (mean of the two middle values for an even count); NaN for no values. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * The p-th percentile by the nearest-rank method (p in 0..100); NaN for no values.
 *
 * @example
 *   percentile([1, 2, 3, 4], 50); // 2
 */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[Math.min(rank, s.length) - 1] as number;
}

/** Geometric mean of positive values; NaN for none. */
export function geomean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  return Math.exp(xs.reduce((sum, x) => sum + Math.log(x), 0) / xs.length);
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

/** Median, min and max of the runs (the runs kept too, for the JSON). */
export function summarize(runs: readonly number[]): Summary {
  return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs: [...runs] };
}

export interface Percentiles {
  p50: number;
  p99: number;
  n: number;
}

/** p50 and p99 of the values, with their count. */
export const percentiles = (xs: readonly number[]): Percentiles => ({
  p50: percentile(xs, 50),
  p99: percentile(xs, 99),
  n: xs.length,
});
