// Every combinable aggregate over every input type, on NULL-only, empty, NaN/infinite and overflowing inputs:
// the parallel answer (partials combined by the final statement) equals PostgreSQL's direct answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessStack, startInProcessStack } from '../../test/support/in-process.ts';

let stack: InProcessStack;

const DATASETS: Record<string, string> = {
  // Several rows per chunk, mixed scales, negatives and NULLs.
  mixed: `SELECT i AS id, (i % 3)::int AS g, (i * 7 - 50)::int2 AS i2, (i * 1001 - 30000)::int4 AS i4,
            (i::int8 * 123456789 - 5000000000) AS i8, round((i * 1.37 - 20)::numeric, (i % 4)) AS n,
            (i * 0.1 - 3)::float4 AS f4, (i * 1.000001 - 7.5)::float8 AS f8, (i % 5 = 0) AS b,
            make_interval(days => i, secs => i * 1.5) AS iv, CASE WHEN i % 7 = 0 THEN NULL ELSE 'v' || (i % 11) END AS t
          FROM generate_series(1, 400) i`,
  nulls: `SELECT i AS id, (i % 3)::int AS g, NULL::int2 AS i2, NULL::int4 AS i4, NULL::int8 AS i8, NULL::numeric AS n,
            NULL::float4 AS f4, NULL::float8 AS f8, NULL::bool AS b, NULL::interval AS iv, NULL::text AS t
          FROM generate_series(1, 50) i`,
  empty: `SELECT i AS id, 0 AS g, 0::int2 AS i2, 0 AS i4, 0::int8 AS i8, 0::numeric AS n, 0::float4 AS f4,
            0::float8 AS f8, true AS b, '0'::interval AS iv, ''::text AS t FROM generate_series(1, 0) i`,
  special: `SELECT i AS id, (i % 2)::int AS g, 1::int2 AS i2, 1 AS i4, 1::int8 AS i8,
            (CASE i % 50 WHEN 0 THEN 'NaN' ELSE (i / 3.0)::text END)::numeric AS n,
            (CASE i % 40 WHEN 0 THEN 'NaN' WHEN 1 THEN '-0' ELSE i::text END)::float4 AS f4,
            (CASE i % 60 WHEN 0 THEN 'NaN' WHEN 7 THEN '1e300' ELSE (i * 0.25)::text END)::float8 AS f8,
            NULL::bool AS b, '1 hour'::interval AS iv, 'x' AS t FROM generate_series(1, 300) i`,
  overflow: `SELECT i AS id, (i % 2)::int AS g, 32767::int2 AS i2, 2147483647 AS i4, 9223372036854775807 - i AS i8,
            (10::numeric ^ 30 + i / 7.0) AS n, 3.4e38::float4 AS f4, 1.7e308::float8 AS f8, true AS b,
            '1000000 years'::interval AS iv, repeat('z', i % 5) AS t FROM generate_series(1, 120) i`,
};

const AGGREGATES: Record<string, string[]> = {
  count: ['count(*)', 'count(i4)', 'count(t)', 'count(DISTINCT g)'],
  sum: ['sum(i2)', 'sum(i4)', 'sum(i8)', 'sum(n)', 'sum(f4)', 'sum(f8)', 'sum(iv)', 'sum(DISTINCT g)'],
  avg: ['avg(i2)', 'avg(i4)', 'avg(i8)', 'avg(n)', 'avg(f4)', 'avg(f8)', 'avg(iv)'],
  'min/max': ['min(i4)', 'max(i8)', 'min(n)', 'max(n)', 'min(f8)', 'max(f4)', 'min(t)', 'max(t)', 'min(iv)'],
  bool: ['bool_and(b)', 'bool_or(b)', 'every(b)'],
  bit: ['bit_and(i4)', 'bit_or(i8)', 'bit_and(i2)'],
  variance: [
    'variance(i4)',
    'var_samp(i8)',
    'var_pop(i2)',
    'stddev(n)',
    'stddev_samp(n)',
    'stddev_pop(n)',
    'var_pop(n)',
    'variance(f8)',
    'stddev(f8)',
    'var_pop(f4)',
    'stddev_pop(f8)',
  ],
};

const FLOAT_TYPES = new Set([700, 701]);

function close(a: string | null, b: string | null, typeOid: number): boolean {
  if (a === b) return true;
  if (a === null || b === null || !FLOAT_TYPES.has(typeOid)) return false;
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) && Number.isNaN(y)) return true;
  return Math.abs(x - y) <= Math.abs(y) * (typeOid === 700 ? 1e-6 : 1e-12);
}

beforeAll(async () => {
  stack = await startInProcessStack(3);
  for (const [name, body] of Object.entries(DATASETS)) {
    await stack.direct.query(
      `DROP TABLE IF EXISTS acc_${name}; CREATE TABLE acc_${name} AS ${body}; ANALYZE acc_${name}`,
    );
  }
});

afterAll(async () => {
  for (const name of Object.keys(DATASETS)) await stack.direct.query(`DROP TABLE IF EXISTS acc_${name}`);
  await stack?.stop();
});

const cases = Object.keys(AGGREGATES).flatMap((family) =>
  Object.keys(DATASETS).flatMap((data) => [
    [family, data, 'ungrouped'],
    [family, data, 'grouped'],
  ]),
);

describe.each(cases)('%s on %s data (%s)', (family, data, shape) => {
  it('equals the direct answer with 1, 3 and 7 chunks', async () => {
    const aggs = AGGREGATES[family] as string[];
    const sql =
      shape === 'grouped'
        ? `SELECT g, ${aggs.join(', ')} FROM acc_${data} GROUP BY g ORDER BY g`
        : `SELECT ${aggs.join(', ')} FROM acc_${data}`;
    let direct: { columns: { name: string; typeOid: number }[]; rows: (string | null)[][] } | undefined;
    let directError: { code?: string } | undefined;
    try {
      direct = await stack.directQuery(sql);
    } catch (e) {
      directError = e as { code?: string };
    }
    for (const chunks of [1, 3, 7]) {
      if (directError) {
        await expect(stack.coordinator.query({ sql, mode: 'parallel', chunks })).rejects.toMatchObject({
          code: directError.code,
        });
        continue;
      }
      const par = await stack.coordinator.query({ sql, mode: 'parallel', chunks });
      expect((par.plan as { mode: string }).mode, JSON.stringify(par.plan)).toBe('parallel');
      expect(par.columns).toEqual(direct?.columns);
      expect(par.rows.length).toBe(direct?.rows.length);
      par.rows.forEach((row, r) => {
        row.forEach((v, c) => {
          const d = direct?.rows[r]?.[c] ?? null;
          const t = direct?.columns[c]?.typeOid ?? 0;
          expect(
            close(v, d, t),
            `${direct?.columns[c]?.name}: parallel ${v} vs direct ${d} (chunks ${chunks})`,
          ).toBe(true);
        });
      });
    }
  });
});
