// Unit tests for the differential comparator: what counts as the same answer.
import { describe, expect, it } from 'vitest';
import { compareResults, floatsEqual, type Result } from './compare.ts';

const INT8 = 20;
const TEXT = 25;
const NUMERIC = 1700;
const FLOAT4 = 700;
const FLOAT8 = 701;

function res(cols: [string, number][], rows: (string | null)[][]): Result {
  return { columns: cols.map(([name, typeOid]) => ({ name, typeOid })), rows };
}

describe('floatsEqual', () => {
  it.each([
    ['1.5', '1.5', FLOAT8, true],
    ['0.1', '0.10000000000000002', FLOAT8, true],
    ['1e300', '1.0000000000001e300', FLOAT8, true],
    ['1', '1.000001', FLOAT8, false],
    ['NaN', 'NaN', FLOAT8, true],
    ['NaN', '1', FLOAT8, false],
    ['Infinity', 'Infinity', FLOAT8, true],
    ['-Infinity', 'Infinity', FLOAT8, false],
    ['Infinity', '1.7976931348623157e+308', FLOAT8, false],
    ['-0', '0', FLOAT8, true],
    ['1e-300', '1.0000000000001e-300', FLOAT8, true],
    ['1.25', '1.2500001', FLOAT4, true],
    ['1.25', '1.2501', FLOAT4, false],
    ['1.25', '1.2500001', FLOAT8, false],
  ] as const)('%s vs %s (oid %i) -> %s', (a, b, oid, expected) => {
    expect(floatsEqual(a, b, oid)).toBe(expected);
  });
});

describe('compareResults', () => {
  const base = res(
    [
      ['g', INT8],
      ['name', TEXT],
      ['s', NUMERIC],
      ['f', FLOAT8],
    ],
    [
      ['1', 'a', '1.50', '0.30000000000000004'],
      ['2', null, '2', 'NaN'],
      [null, 'b', '-0', '1e+100'],
    ],
  );
  const rowsOf = (rows: (string | null)[][]): Result => ({ columns: base.columns, rows });

  it.each<{ name: string; mb: Result; ordered: boolean; expected: RegExp | null }>([
    { name: 'identical, ordered', mb: base, ordered: true, expected: null },
    { name: 'identical, unordered', mb: base, ordered: false, expected: null },
    {
      name: 'permuted rows, unordered',
      mb: rowsOf([base.rows[2]!, base.rows[0]!, base.rows[1]!]),
      ordered: false,
      expected: null,
    },
    {
      name: 'permuted rows, ordered',
      mb: rowsOf([base.rows[1]!, base.rows[0]!, base.rows[2]!]),
      ordered: true,
      expected: /row 1, column "g": direct "1", mini-balancer "2"/,
    },
    {
      name: 'float within tolerance',
      mb: rowsOf([['1', 'a', '1.50', '0.3'], base.rows[1]!, [null, 'b', '-0', '1.0000000000001e+100']]),
      ordered: true,
      expected: null,
    },
    {
      name: 'float outside tolerance',
      mb: rowsOf([['1', 'a', '1.50', '0.3001'], base.rows[1]!, base.rows[2]!]),
      ordered: true,
      expected: /column "f": direct "0.30000000000000004", mini-balancer "0.3001"/,
    },
    {
      name: 'numeric scale differs (1.50 vs 1.5)',
      mb: rowsOf([['1', 'a', '1.5', '0.30000000000000004'], base.rows[1]!, base.rows[2]!]),
      ordered: false,
      expected: /column "s": direct "1.50", mini-balancer "1.5"/,
    },
    {
      name: 'numeric -0 is not 0 text',
      mb: rowsOf([base.rows[0]!, base.rows[1]!, [null, 'b', '0', '1e+100']]),
      ordered: true,
      expected: /column "s"/,
    },
    {
      name: 'NULL versus empty string',
      mb: rowsOf([base.rows[0]!, ['2', '', '2', 'NaN'], base.rows[2]!]),
      ordered: true,
      expected: /column "name": direct NULL, mini-balancer ""/,
    },
    {
      name: 'NaN versus number',
      mb: rowsOf([base.rows[0]!, ['2', null, '2', '0'], base.rows[2]!]),
      ordered: true,
      expected: /column "f": direct "NaN"/,
    },
    {
      name: 'missing row',
      mb: rowsOf([base.rows[0]!, base.rows[1]!]),
      ordered: false,
      expected: /row count differs: direct 3, mini-balancer 2/,
    },
    {
      name: 'duplicated row instead of another (multiset)',
      mb: rowsOf([base.rows[0]!, base.rows[0]!, base.rows[1]!]),
      ordered: false,
      expected: /after sorting both sides/,
    },
    {
      name: 'column renamed',
      mb: { columns: [{ name: 'G', typeOid: INT8 }, ...base.columns.slice(1)], rows: base.rows },
      ordered: false,
      expected: /column 1 name differs: direct "g", mini-balancer "G"/,
    },
    {
      name: 'column type differs (int8 vs numeric)',
      mb: { columns: [{ name: 'g', typeOid: NUMERIC }, ...base.columns.slice(1)], rows: base.rows },
      ordered: false,
      expected: /type OID differs: direct 20, mini-balancer 1700/,
    },
    {
      name: 'extra column',
      mb: res(
        [
          ['g', INT8],
          ['name', TEXT],
          ['s', NUMERIC],
          ['f', FLOAT8],
          ['helper', INT8],
        ],
        base.rows.map((r) => [...r, '0']),
      ),
      ordered: false,
      expected: /column count differs/,
    },
  ])('$name', ({ mb, ordered, expected }) => {
    const diff = compareResults(base, mb, { ordered });
    if (expected === null) expect(diff).toBeNull();
    else expect(diff).toMatch(expected);
  });

  it('sorts float columns numerically, so rows equal within tolerance pair up', () => {
    const cols: [string, number][] = [
      ['k', TEXT],
      ['f', FLOAT8],
    ];
    const direct = res(cols, [
      ['x', '10'],
      ['x', '9.999999999999999'],
      ['x', '2'],
    ]);
    const mb = res(cols, [
      ['x', '2'],
      ['x', '10.000000000000002'],
      ['x', '10'],
    ]);
    expect(compareResults(direct, mb, { ordered: false })).toBeNull();
  });

  it('treats float4 with the looser tolerance', () => {
    const direct = res([['s', FLOAT4]], [['1234.5677']]);
    expect(compareResults(direct, res([['s', FLOAT4]], [['1234.5678']]), { ordered: true })).toBeNull();
    expect(compareResults(direct, res([['s', FLOAT4]], [['1234.6']]), { ordered: true })).toMatch(
      /column "s"/,
    );
  });

  it('compares empty results', () => {
    const empty = res([['count', INT8]], []);
    expect(compareResults(empty, res([['count', INT8]], []), { ordered: true })).toBeNull();
    expect(compareResults(empty, res([['count', INT8]], [['0']]), { ordered: true })).toMatch(/row count/);
  });
});
