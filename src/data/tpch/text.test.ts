// Tests for the TPC-H text grammar and pool.
import { describe, expect, it } from 'vitest';
import { Random } from '../random.ts';
import { comment, sentence, TEXT_POOL_SIZE, textPool } from './text.ts';

describe('sentence', () => {
  it('ends with a terminator and uses grammar words', () => {
    const rng = new Random(1);
    const sentences = Array.from({ length: 200 }, () => sentence(rng));
    expect(sentences.filter((s) => !/^[a-zA-Z ,-]+(\.|;|:|\?|!|--)$/.test(s))).toEqual([]);
  });
});

describe('textPool', () => {
  const pool = textPool(42);

  it('is deterministic per seed and cached', () => {
    expect(pool.length).toBe(TEXT_POOL_SIZE);
    expect(textPool(42)).toBe(pool);
    expect(textPool(43).slice(0, 1000)).not.toBe(pool.slice(0, 1000));
  });

  it('needs no COPY escaping', () => {
    expect(/[^a-zA-Z ,.;:?!-]/.test(pool)).toBe(false);
  });

  it.each(['special requests', 'regular', 'Tiresias', 'pinto beans', 'according to the'])(
    'contains %j',
    (phrase) => {
      expect(pool).toContain(phrase);
    },
  );
});

describe('comment', () => {
  it.each([
    [10, 43],
    [49, 198],
    [5, 22],
  ])('has a length in [%d, %d]', (min, max) => {
    const rng = new Random(3);
    const lengths = Array.from({ length: 5000 }, () => comment(rng, textPool(42), min, max).length);
    expect(Math.min(...lengths)).toBe(min);
    expect(Math.max(...lengths)).toBe(max);
  });
});
