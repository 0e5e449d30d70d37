// Tests for the seeded PRNG and value formatting: determinism, ranges and exact text.
import { describe, expect, it } from 'vitest';
import { dayNumber, formatCents, formatDay, mixSeed, padNumber, Random, weighted } from './random.ts';

function draws(seed: number, n: number): number[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => rng.uint32());
}

describe('Random', () => {
  it.each([0, 1, 42, 0xffffffff])('gives the same sequence for seed %d', (seed) => {
    expect(draws(seed, 100)).toEqual(draws(seed, 100));
  });

  it('gives different sequences for different seeds', () => {
    expect(draws(1, 20)).not.toEqual(draws(2, 20));
  });

  it('restarts the sequence on reseed', () => {
    const rng = new Random(7);
    const first = [rng.uint32(), rng.uint32()];
    rng.reseed(7);
    expect([rng.uint32(), rng.uint32()]).toEqual(first);
  });

  it('is pinned: changing the generator changes every data set', () => {
    expect(draws(42, 3)).toEqual([2581720956, 1925393290, 3661312704]);
  });

  it.each([
    [1, 6],
    [-999, 999],
    [0, 0],
    [5, 7],
  ])('int(%d, %d) stays in range and reaches both ends', (min, max) => {
    const rng = new Random(3);
    const values = Array.from({ length: 5000 }, () => rng.int(min, max));
    expect(values.every((v) => Number.isInteger(v) && v >= min && v <= max)).toBe(true);
    expect(values).toContain(min);
    expect(values).toContain(max);
  });

  it('picks by weight', () => {
    const rng = new Random(9);
    const table = weighted([
      ['common', 9],
      ['rare', 1],
    ]);
    let rare = 0;
    for (let i = 0; i < 10_000; i++) if (rng.weighted(table) === 'rare') rare++;
    expect(rare).toBeGreaterThan(800);
    expect(rare).toBeLessThan(1200);
  });

  it.each([
    [-999.99, 9999.99],
    [1, 1000],
    [0, 0.1],
  ])('decimal(%d, %d) has two places and stays in range', (min, max) => {
    const rng = new Random(5);
    const texts = Array.from({ length: 1000 }, () => rng.decimal(min, max));
    expect(texts.filter((t) => !/^-?\d+\.\d\d$/.test(t) || Number(t) < min || Number(t) > max)).toEqual([]);
  });

  it('draws dates in range as ISO text', () => {
    const rng = new Random(11);
    const dates = Array.from({ length: 1000 }, () => rng.date('1992-01-01', '1998-08-02'));
    expect(dates.filter((d) => d < '1992-01-01' || d > '1998-08-02')).toEqual([]);
    const days = Array.from({ length: 200 }, () => rng.date('1992-02-27', '1992-03-01'));
    expect(new Set(days)).toEqual(new Set(['1992-02-27', '1992-02-28', '1992-02-29', '1992-03-01']));
  });

  it('joins words', () => {
    const words = new Random(1).words(['a', 'b'], 4);
    expect(words).toMatch(/^[ab]( [ab]){3}$/);
  });
});

describe('mixSeed', () => {
  it('separates streams and rows', () => {
    const seeds = new Set<number>();
    for (let stream = 0; stream < 10; stream++) {
      for (let row = 0; row < 1000; row++) seeds.add(mixSeed(42, stream, row));
    }
    expect(seeds.size).toBe(10_000);
  });

  it('uses the high bits of large numbers', () => {
    expect(mixSeed(1, 2 ** 32)).not.toBe(mixSeed(1, 0));
  });
});

describe('formatting', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [-5, '-0.05'],
    [100, '1.00'],
    [-99_999, '-999.99'],
    [123_456_789, '1234567.89'],
  ])('formatCents(%d) is %s', (cents, text) => {
    expect(formatCents(cents)).toBe(text);
  });

  it.each([
    ['1970-01-01', 0],
    ['1992-01-01', 8035],
    ['1995-06-17', 9298],
    ['1998-12-31', 10591],
    ['1969-12-31', -1],
    ['2000-02-29', 11016],
  ])('dayNumber(%s) is %d and formats back', (iso, day) => {
    expect(dayNumber(iso)).toBe(day);
    expect(formatDay(day)).toBe(iso);
    expect(formatDay(day)).toBe(iso); // cached path
  });

  it('rejects invalid dates', () => {
    expect(() => dayNumber('1995-13-01')).toThrow(RangeError);
  });

  it.each([
    [1, 9, '000000001'],
    [123, 3, '123'],
  ])('padNumber(%d, %d) is %s', (n, width, text) => {
    expect(padNumber(n, width)).toBe(text);
  });
});
