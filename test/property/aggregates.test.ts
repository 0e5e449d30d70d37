// Property: random aggregate queries give the same answer directly and through Mini-Balancer, at any chunk count.
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RAW_TEXT } from '../../src/pg/raw-text.ts';
import { compareResults, type Result } from '../differential/compare.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { aggregateQueryArb } from './generate.ts';

const RUNS = 500;
/** Replay a failure with FC_SEED=<seed>; CI always uses the same seed, developers get a new one each run. */
const seed = process.env.FC_SEED
  ? Number(process.env.FC_SEED)
  : process.env.CI
    ? 20_240_601
    : Math.floor(Math.random() * 2 ** 31);

let stack: TestStack | undefined;
let direct: pg.Client | undefined;

beforeAll(async () => {
  stack = await startTestStack({ workers: 3 });
  direct = new pg.Client({
    connectionString: stack.databaseUrl,
    types: RAW_TEXT,
  });
  await direct.connect();
});

afterAll(async () => {
  await direct?.end();
  await stack?.stop();
});

async function runDirect(sql: string): Promise<Result> {
  const r = await direct!.query({ text: sql, rowMode: 'array' });
  return { columns: r.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID })), rows: r.rows };
}

it(`random aggregate queries match PostgreSQL (${RUNS} runs)`, async () => {
  console.log(`aggregate property: seed ${seed} (replay with FC_SEED=${seed})`);
  let split = 0;
  await fc.assert(
    fc.asyncProperty(aggregateQueryArb, fc.constantFrom(1, 2, 3, 7, 64), async (sql, chunks) => {
      const want = await runDirect(sql);
      const { status, body } = await stack!.query({ sql, mode: 'parallel', chunks });
      if (status !== 200) throw new Error(`status ${status} with ${chunks} chunks: ${JSON.stringify(body)}`);
      if (body.plan?.mode === 'parallel') split++;
      // ORDER BY covers every group key, so the order is fully determined.
      const diff = compareResults(want, { columns: body.columns, rows: body.rows }, { ordered: true });
      if (diff) throw new Error(`${chunks} chunks: ${diff}\nplan: ${JSON.stringify(body.plan)}`);
    }),
    { numRuns: RUNS, seed },
  );
  console.log(`aggregate property: ${split} of ${RUNS} runs split`);
  // A property that only ever passed through would prove nothing about the merger.
  expect(split, 'runs that split').toBeGreaterThanOrEqual(RUNS / 5);
}, 600_000);
