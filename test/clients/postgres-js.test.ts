// postgres.js (`postgres`) through the gateway: named prepared statements by default, simple protocol on request.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import {
  CREATE_SCRATCH,
  ERROR_CASES,
  gatewayUrl,
  PARALLEL_SQL,
  PASSTHROUGH_SQL,
  PREPARED_ARGS,
  PREPARED_SQL,
  SCRATCH_TABLE,
  SPLIT_ERROR_SQL,
} from './support.ts';

let stack: TestStack | undefined;
let viaUrl: string;

beforeAll(async () => {
  stack = await startTestStack({ workers: 2, costThreshold: 0 });
  viaUrl = gatewayUrl(stack.databaseUrl, stack.pgPort);
});

afterAll(async () => {
  await stack?.stop();
});

/** The fields of an ErrorResponse that must reach the client unchanged. */
function errorFields(e: unknown) {
  if (!(e instanceof postgres.PostgresError)) throw e;
  const { severity, code, message, position, detail, hint } = e;
  return { severity, code, message, position, detail, hint };
}

/** A result as the client sees it: columns (name, type OID), command, count and parsed rows. */
function shape(r: postgres.RowList<postgres.Row[]>) {
  return {
    columns: (r.columns ?? []).map((c) => [c.name, c.type]),
    command: r.command,
    count: r.count,
    rows: [...r],
  };
}

type Step = { step: string; result?: ReturnType<typeof shape>; error?: ReturnType<typeof errorFields> };
type Sql = postgres.Sql;
type Runner = (step: string, query: (sql: Sql) => Promise<postgres.RowList<postgres.Row[]>>) => Promise<void>;

/** Runs `scenario` on one connection (max 1, so temp tables stay visible) and returns its log. */
async function session(url: string, scenario: (run: Runner, sql: Sql) => Promise<void>): Promise<Step[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const log: Step[] = [];
  const run: Runner = async (step, query) => {
    try {
      log.push({ step, result: shape(await query(sql)) });
    } catch (e) {
      log.push({ step, error: errorFields(e) });
    }
  };
  try {
    await scenario(run, sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
  return log;
}

/** The scenario through the gateway and directly; the logs must be equal. Returns the gateway's log. */
async function differential(scenario: (run: Runner, sql: Sql) => Promise<void>): Promise<Step[]> {
  const via = await session(viaUrl, scenario);
  const direct = await session(stack!.databaseUrl, scenario);
  expect(via).toEqual(direct);
  return via;
}

const resultOf = (log: Step[], step: string) => log.find((s) => s.step === step)?.result;
const errorOf = (log: Step[], step: string) => log.find((s) => s.step === step)?.error;
/** Extended protocol with a named (prepared) statement even without parameters. */
const PREPARED = { prepare: true, simple: false } as postgres.UnsafeQueryOptions;

describe('postgres.js through the gateway', () => {
  it('a parallel statement, on the simple and on the extended protocol', async () => {
    const log = await differential(async (run) => {
      await run('simple', (sql) => sql.unsafe(PARALLEL_SQL));
      await run('prepared', (sql) => sql.unsafe(PARALLEL_SQL, [], PREPARED));
      await run('tagged template', (sql) => sql`SELECT count(*) AS n, sum(l_quantity) AS qty FROM lineitem`);
    });
    expect(resultOf(log, 'simple')?.rows.length).toBeGreaterThan(1);
    expect(resultOf(log, 'prepared')?.rows).toEqual(resultOf(log, 'simple')?.rows);
  });

  it('a passthrough statement', async () => {
    const log = await differential(async (run) => {
      await run('passthrough', (sql) => sql.unsafe(PASSTHROUGH_SQL));
      await run('passthrough prepared', (sql) => sql.unsafe(PASSTHROUGH_SQL, [], PREPARED));
    });
    expect(resultOf(log, 'passthrough')?.rows).toHaveLength(5);
  });

  it('prepared statements with parameters (the default), each run twice', async () => {
    const log = await differential(async (run) => {
      for (const arg of [...PREPARED_ARGS, ...PREPARED_ARGS]) {
        await run(`unsafe ${arg}`, (sql) => sql.unsafe(PREPARED_SQL, [arg], { prepare: true }));
        await run(
          `tagged ${arg}`,
          (sql) =>
            sql`SELECT l_linestatus, count(*) AS n FROM lineitem WHERE l_quantity > ${arg}::numeric GROUP BY 1 ORDER BY 1`,
        );
      }
      await run('server-side statements', (sql) =>
        sql.unsafe(
          "SELECT statement, parameter_types::text[] AS types, from_sql FROM pg_prepared_statements WHERE statement LIKE '%lineitem%' ORDER BY statement",
        ),
      );
    });
    expect(resultOf(log, `unsafe ${PREPARED_ARGS[0]}`)?.rows.length).toBeGreaterThan(1);
    expect(resultOf(log, `unsafe ${PREPARED_ARGS[0]}`)?.rows).not.toEqual(
      resultOf(log, `unsafe ${PREPARED_ARGS[1]}`)?.rows,
    );
    const statements = resultOf(log, 'server-side statements')?.rows;
    expect(statements?.map((r) => r.statement)).toContain(PREPARED_SQL);
    expect(statements?.every((r) => r.from_sql === false)).toBe(true);
  });

  it.each(ERROR_CASES)(
    'an error: $name ($code), simple and extended protocol',
    async ({ sql: text, code }) => {
      const log = await differential(async (run) => {
        await run('simple', (sql) => sql.unsafe(text));
        await run('after the error', (sql) => sql`SELECT 2 AS two`);
        await run('extended', (sql) => sql.unsafe(text, [], PREPARED));
        await run('after the extended error', (sql) => sql.unsafe('SELECT 3 AS three'));
      });
      expect(errorOf(log, 'simple')?.code).toBe(code);
      expect(errorOf(log, 'extended')?.code).toBe(code);
      expect(resultOf(log, 'after the error')?.rows).toEqual([{ two: 2 }]);
      expect(resultOf(log, 'after the extended error')?.rows).toEqual([{ three: 3 }]);
      if (code === '42601') expect(errorOf(log, 'simple')?.position).toBe('1');
      if (code === '42703' || code === '42883') expect(errorOf(log, 'extended')?.hint).toBeTruthy();
    },
  );

  it('an error raised by a parallel statement reaches the client unchanged', async () => {
    const log = await differential(async (run) => {
      await run('failing parallel', (sql) => sql.unsafe(SPLIT_ERROR_SQL));
      await run('after the error', (sql) => sql.unsafe(PARALLEL_SQL));
    });
    expect(errorOf(log, 'failing parallel')?.code).toBe('22012');
    expect(resultOf(log, 'after the error')?.rows.length).toBeGreaterThan(1);
  });

  it('transactions: sql.begin commits, a thrown error rolls back, a duplicate key has its detail', async () => {
    const log = await differential(async (run, sql) => {
      await run('create', (s) => s.unsafe(CREATE_SCRATCH));
      await sql
        .begin(async (tx) => {
          await run('insert', () => tx`INSERT INTO ${tx(SCRATCH_TABLE)} VALUES (1, 'one'), (2, 'two')`);
          await run('read own writes', () => tx`SELECT * FROM ${tx(SCRATCH_TABLE)} ORDER BY id`);
          await run('analytic in transaction', () => tx.unsafe(PARALLEL_SQL));
          await run(
            'still in the transaction',
            () => tx`SELECT count(*)::int AS n FROM ${tx(SCRATCH_TABLE)}`,
          );
          throw new Error('roll back');
        })
        .catch(() => {});
      await run('after rollback', (s) => s`SELECT count(*)::int AS n FROM ${s(SCRATCH_TABLE)}`);
      await sql.begin(async (tx) => {
        await run('insert with params', () => tx`INSERT INTO ${tx(SCRATCH_TABLE)} VALUES (${1}, ${'one'})`);
        await run('savepoint', () =>
          tx.savepoint(async (sp) => {
            await sp`INSERT INTO ${sp(SCRATCH_TABLE)} VALUES (${1}, ${'duplicate'})`;
            return sp`SELECT 1`;
          }),
        );
        await run('after savepoint', () => tx`INSERT INTO ${tx(SCRATCH_TABLE)} VALUES (${2}, ${null})`);
      });
      await run('after commit', (s) => s`SELECT * FROM ${s(SCRATCH_TABLE)} ORDER BY id`);
    });
    expect(resultOf(log, 'read own writes')?.rows).toEqual([
      { id: 1, note: 'one' },
      { id: 2, note: 'two' },
    ]);
    expect(resultOf(log, 'analytic in transaction')?.rows.length).toBeGreaterThan(1);
    expect(resultOf(log, 'still in the transaction')?.rows).toEqual([{ n: 2 }]);
    expect(resultOf(log, 'after rollback')?.rows).toEqual([{ n: 0 }]);
    expect(errorOf(log, 'savepoint')).toMatchObject({
      code: '23505',
      detail: 'Key (id)=(1) already exists.',
    });
    expect(resultOf(log, 'after commit')?.rows).toEqual([
      { id: 1, note: 'one' },
      { id: 2, note: null },
    ]);
  });
});
