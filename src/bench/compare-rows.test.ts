import { describe, expect, it } from 'vitest';
import { compareRows, type Reference } from './compare-rows.ts';

const ref = (rows: (string | null)[][], ordered = false, typeOids = [25, 701]): Reference => ({
  typeOids,
  rows,
  ordered,
});

describe('compareRows', () => {
  it.each([
    ['identical', ref([['a', '1']]), [['a', '1']]],
    [
      'unordered, other order',
      ref([
        ['a', '1'],
        ['b', '2'],
      ]),
      [
        ['b', '2'],
        ['a', '1'],
      ],
    ],
    ['float within 1e-12 relative', ref([['a', '0.1']]), [['a', '0.10000000000000001']]],
    ['both NULL', ref([['a', null]]), [['a', null]]],
    ['no rows', ref([]), []],
  ])('%s: equal', (_name, want, got) => {
    expect(compareRows(want, got)).toBeNull();
  });

  it.each([
    [
      'a row missing',
      ref([
        ['a', '1'],
        ['b', '2'],
      ]),
      [['a', '1']],
      '1 rows, expected 2',
    ],
    [
      'ordered, other order',
      ref(
        [
          ['a', '1'],
          ['b', '2'],
        ],
        true,
      ),
      [
        ['b', '2'],
        ['a', '1'],
      ],
      'row 1',
    ],
    ['float beyond the tolerance', ref([['a', '0.1']]), [['a', '0.1000001']], 'row 1'],
    ['numeric is exact', ref([['a', '0.1']], false, [25, 1700]), [['a', '0.10']], 'row 1'],
    ['text differs', ref([['a', '1']]), [['A', '1']], 'row 1'],
    ['NULL against a value', ref([['a', null]]), [['a', '0']], 'row 1'],
  ])('%s: a mismatch', (_name, want, got, message) => {
    expect(compareRows(want, got)).toContain(message);
  });
});
