// One snapshot per statement: while a writer moves money between accounts, every parallel total is the constant.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';

const QUERIES = 200;
const CONCURRENCY = 4;

let stack: TestStack | undefined;

beforeAll(async () => {
  stack = await startTestStack({ workers: 3 });
});

afterAll(async () => {
  await stack?.stop();
});

it(`${QUERIES} parallel sums during concurrent transfers all see the same total`, async () => {
  const writer = new pg.Client({ connectionString: stack!.databaseUrl });
  await writer.connect();
  const { rows } = await writer.query<{ total: string; n: number }>(
    'SELECT sum(amount)::text AS total, count(*)::int AS n FROM accounts',
  );
  const { total, n } = rows[0]!;
  let stop = false;
  let transfers = 0;
  const writing = (async () => {
    while (!stop) {
      const from = 1 + Math.floor(Math.random() * n);
      const to = 1 + ((from + Math.floor(Math.random() * (n - 1))) % n);
      const amount = 1 + Math.floor(Math.random() * 500);
      await writer.query('BEGIN');
      await writer.query('UPDATE accounts SET amount = amount - $1 WHERE id = $2', [amount, from]);
      await writer.query('UPDATE accounts SET amount = amount + $1 WHERE id = $2', [amount, to]);
      await writer.query('COMMIT');
      transfers++;
    }
  })();
  const answers: string[] = [];
  let transfersDuringReads = 0;
  try {
    // Let the writer get going, so reads overlap with transfers from the first one on.
    while (transfers < 5) await new Promise((r) => setTimeout(r, 5));
    const before = transfers;
    for (let done = 0; done < QUERIES; done += CONCURRENCY) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, QUERIES - done) }, () =>
          stack!.query({ sql: 'SELECT sum(amount) FROM accounts', mode: 'parallel', chunks: 4 }),
        ),
      );
      for (const { status, body } of batch) {
        expect(status, JSON.stringify(body?.error)).toBe(200);
        expect(body.plan.mode).toBe('parallel');
        answers.push(body.rows[0][0]);
      }
    }
    transfersDuringReads = transfers - before;
  } finally {
    stop = true;
    await writing;
    await writer.end();
  }
  expect(answers).toHaveLength(QUERIES);
  expect(answers.filter((a) => a !== total)).toEqual([]);
  expect(transfersDuringReads, 'transfers committed while the sums ran').toBeGreaterThan(QUERIES / 4);
});
