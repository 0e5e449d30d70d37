// The differential suite: every case runs directly on PostgreSQL and through Mini-Balancer with 1, 2, 3, 7 and
// 64 chunks; column names, type OIDs and rows must be identical.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RAW_TEXT } from '../../src/pg/raw-text.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import type { DiffCase } from './case.ts';
import { allCases } from './cases/index.ts';
import { compareResults, type Result } from './compare.ts';
import { tpchQueries } from './tpch-queries.ts';

const CHUNKS = [1, 2, 3, 7, 64] as const;
/** The run whose plan decides whether a case counts as split. */
const PROBE_CHUNKS = 7;
const MIN_SPLIT = 150;

const cases: DiffCase[] = [
  ...allCases,
  ...tpchQueries.map((q): DiffCase => ({ name: `TPC-H ${q.name}`, sql: q.sql, ordered: true })),
];

let stack: TestStack | undefined;
let direct: pg.Client | undefined;
const directResults = new Map<string, Promise<Result>>();
const probes = new Map<string, { split: boolean; reason: string }>();

beforeAll(async () => {
  stack = await startTestStack({ workers: 3 });
  // Raw text for every type, exactly as PostgreSQL prints it; the session keeps the server's defaults.
  direct = new pg.Client({
    connectionString: stack.databaseUrl,
    types: RAW_TEXT,
  });
  await direct.connect();
});

afterAll(async () => {
  try {
    // Only a full run can judge the split count (a name filter runs a few cases).
    if (probes.size === cases.length) {
      const missed = cases.filter((c) => !probes.get(c.name)?.split);
      if (missed.length > 0) {
        console.log(
          `${missed.length} of ${cases.length} cases did not split:\n${missed
            .map(
              (c) =>
                `  ${c.expectSplit ? '(expected to split) ' : ''}${c.name}: ${probes.get(c.name)?.reason}`,
            )
            .join('\n')}`,
        );
      }
      const split = cases.length - missed.length;
      expect(split, `cases that split (of ${cases.length})`).toBeGreaterThanOrEqual(MIN_SPLIT);
      expect(
        missed.filter((c) => c.expectSplit).map((c) => c.name),
        'cases marked expectSplit that passed through',
      ).toEqual([]);
    }
  } finally {
    await direct?.end();
    await stack?.stop();
  }
});

function runDirect(kase: DiffCase): Promise<Result> {
  let result = directResults.get(kase.name);
  if (!result) {
    const client = direct!;
    result = client.query({ text: kase.sql, values: kase.params ?? [], rowMode: 'array' }).then((r) => ({
      columns: r.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID })),
      rows: r.rows,
    }));
    directResults.set(kase.name, result);
  }
  return result;
}

it('has unique case names', () => {
  const names = cases.map((c) => c.name);
  expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
});

describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, kase) => {
  it.each(CHUNKS)('chunks=%i', async (chunks) => {
    const want = await runDirect(kase);
    const { status, body } = await stack!.query({
      sql: kase.sql,
      ...(kase.params ? { params: kase.params } : {}),
      mode: 'parallel',
      chunks,
    });
    if (chunks === PROBE_CHUNKS) {
      probes.set(kase.name, {
        split: status === 200 && body?.plan?.mode === 'parallel',
        reason: status === 200 ? String(body?.plan?.reason) : `error ${JSON.stringify(body?.error)}`,
      });
    }
    expect(status, `error: ${JSON.stringify(body?.error)}`).toBe(200);
    const diff = compareResults(
      want,
      { columns: body.columns, rows: body.rows },
      { ordered: kase.ordered ?? false },
    );
    expect(diff, `plan: ${JSON.stringify(body.plan)}`).toBeNull();
  });
});
