// Runs a statement directly and through a test stack's HTTP API and expects the same answer (names, type OIDs,
// rows); returns the plan the API reported.
import type pg from 'pg';
import { expect } from 'vitest';
import { compareResults } from '../differential/compare.ts';
import type { TestStack } from './stack.ts';

export async function expectSameAsDirect(
  direct: pg.Client,
  stack: TestStack,
  sql: string,
  opts: { mode: 'auto' | 'parallel'; ordered: boolean },
  // biome-ignore lint/suspicious/noExplicitAny: the API's plan summary is plain JSON
): Promise<any> {
  const want = await direct.query({ text: sql, rowMode: 'array' });
  const { status, body } = await stack.query({ sql, mode: opts.mode });
  expect(status, JSON.stringify(body)).toBe(200);
  const diff = compareResults(
    { columns: want.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID })), rows: want.rows },
    { columns: body.columns, rows: body.rows },
    { ordered: opts.ordered },
  );
  expect(diff, JSON.stringify(body.plan)).toBeNull();
  return body.plan;
}
