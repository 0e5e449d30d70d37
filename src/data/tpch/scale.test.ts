// Tests for TPC-H cardinalities and key formulas.
import { describe, expect, it } from 'vitest';
import { orderKey, partSupplier, retailCents, tpchContext, tpchCounts } from './scale.ts';

describe('tpchCounts', () => {
  it.each([
    [1, { suppliers: 10_000, parts: 200_000, customers: 150_000, orders: 1_500_000, clerks: 1_000 }],
    [0.01, { suppliers: 100, parts: 2_000, customers: 1_500, orders: 15_000, clerks: 10 }],
    [0.0001, { suppliers: 4, parts: 20, customers: 15, orders: 150, clerks: 1 }],
  ])('at SF %d', (sf, counts) => {
    expect(tpchCounts(sf)).toEqual(counts);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects SF %d', (sf) => {
    expect(() => tpchCounts(sf)).toThrow(RangeError);
  });
});

describe('orderKey', () => {
  it.each([
    [0, 1],
    [6, 7],
    [7, 32],
    [8, 33],
    [14, 39],
    [15, 64],
    [1_499_999, 6_000_000],
  ])('order #%d has key %d', (index, key) => {
    expect(orderKey(index)).toBe(key);
  });
});

describe('retailCents', () => {
  it.each([
    [1, 90_100],
    [10, 91_001],
    [1000, 90_100],
    [200_000, 110_000],
  ])('part %d costs %d cents', (key, cents) => {
    expect(retailCents(key)).toBe(cents);
  });
});

describe('partSupplier', () => {
  it('follows the spec formula at SF 1', () => {
    const ctx = tpchContext(1, 1, 'x');
    // S = 10000: (1 + i * (2500 + 0)) % 10000 + 1
    expect([0, 1, 2, 3].map((i) => partSupplier(ctx, 1, i))).toEqual([2, 2502, 5002, 7502]);
  });

  it.each([1, 0.01, 0.001, 0.0005, 0.0001, 0.0123])('gives each part 4 distinct suppliers at SF %d', (sf) => {
    const ctx = tpchContext(sf, 1, 'x');
    const bad: number[] = [];
    for (let part = 1; part <= ctx.counts.parts; part++) {
      const suppliers = new Set([0, 1, 2, 3].map((i) => partSupplier(ctx, part, i)));
      const inRange = [...suppliers].every((s) => s >= 1 && s <= ctx.counts.suppliers);
      if (suppliers.size !== 4 || !inRange) bad.push(part);
    }
    expect(bad).toEqual([]);
  });
});

describe('tpchContext', () => {
  it.each([
    [0.01, 1],
    [1, 5],
    [10, 50],
  ])('at SF %d marks %d supplier(s) each for complaints and recommendations', (sf, n) => {
    const ctx = tpchContext(sf, 42, 'x');
    expect(ctx.complaints.size).toBe(n);
    expect(ctx.recommends.size).toBe(n);
    expect([...ctx.complaints].some((k) => ctx.recommends.has(k))).toBe(false);
  });
});
