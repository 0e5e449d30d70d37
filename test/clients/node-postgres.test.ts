// node-postgres (`pg`) through the gateway: every answer and every error equals the one PostgreSQL gives directly.
import pg from 'pg';
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
  uniqueSuffix,
} from './support.ts';

let stack: TestStack | undefined;
let viaUrl: string;
/** A committed table (not temp: the gateway may split statements over it) for writes inside transactions. */
const sharedTable = `mb_client_tx_${uniqueSuffix()}`;

beforeAll(async () => {
  stack = await startTestStack({ workers: 2, costThreshold: 0 });
  viaUrl = gatewayUrl(stack.databaseUrl, stack.pgPort);
  const admin = new pg.Client({ connectionString: stack.databaseUrl });
  await admin.connect();
  try {
    await admin.query(
      `CREATE TABLE ${sharedTable} AS SELECT g AS id, g % 7 AS k FROM generate_series(1, 20000) AS g`,
    );
    await admin.query(`ANALYZE ${sharedTable}`);
  } finally {
    await admin.end();
  }
});

afterAll(async () => {
  if (stack) {
    const admin = new pg.Client({ connectionString: stack.databaseUrl });
    await admin.connect();
    await admin.query(`DROP TABLE IF EXISTS ${sharedTable}`).finally(() => admin.end());
  }
  await stack?.stop();
});

/** The fields of an ErrorResponse that must reach the client unchanged. */
function errorFields(e: unknown) {
  if (!(e instanceof pg.DatabaseError)) throw e;
  const { severity, code, message, position, detail, hint } = e;
  return { severity, code, message, position, detail, hint };
}

/** A result as the client sees it: column names, type OIDs, formats, command and rows. */
function shape(r: pg.QueryResult<unknown[]>) {
  return {
    fields: r.fields.map((f) => [f.name, f.dataTypeID, f.format]),
    command: r.command,
    rowCount: r.rowCount,
    rows: r.rows,
  };
}

type Step = { step: string; result?: ReturnType<typeof shape>; error?: ReturnType<typeof errorFields> };

/** Runs `scenario` on a fresh connection to `url` and returns its log. */
async function session(url: string, scenario: (run: Runner) => Promise<void>): Promise<Step[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const log: Step[] = [];
  const run: Runner = async (step, query) => {
    try {
      log.push({ step, result: shape(await client.query<unknown[]>({ ...query, rowMode: 'array' })) });
    } catch (e) {
      log.push({ step, error: errorFields(e) });
    }
  };
  try {
    await scenario(run);
  } finally {
    await client.end();
  }
  return log;
}

type Runner = (step: string, query: { text: string; values?: unknown[]; name?: string }) => Promise<void>;

/** The scenario through the gateway and directly; the logs must be equal. Returns the gateway's log. */
async function differential(scenario: (run: Runner) => Promise<void>): Promise<Step[]> {
  const via = await session(viaUrl, scenario);
  const direct = await session(stack!.databaseUrl, scenario);
  expect(via).toEqual(direct);
  return via;
}

const resultOf = (log: Step[], step: string) => log.find((s) => s.step === step)?.result;
const errorOf = (log: Step[], step: string) => log.find((s) => s.step === step)?.error;

describe('node-postgres through the gateway', () => {
  it('a parallel statement (simple protocol) answers as PostgreSQL does', async () => {
    const log = await differential(async (run) => {
      await run('parallel', { text: PARALLEL_SQL });
      await run('parallel again', { text: PARALLEL_SQL });
    });
    expect(resultOf(log, 'parallel')?.rows.length).toBeGreaterThan(1);
    expect(resultOf(log, 'parallel')?.fields.map((f) => f[0])).toEqual([
      'l_returnflag',
      'l_linestatus',
      'n',
      'qty',
      'avg_price',
      'first_ship',
      'max_discount',
    ]);
  });

  it('a passthrough statement answers as PostgreSQL does', async () => {
    const log = await differential(async (run) => {
      await run('passthrough', { text: PASSTHROUGH_SQL });
      await run('no table', { text: "SELECT 1 AS one, NULL::text AS nothing, 'x'::varchar(3) AS x" });
    });
    expect(resultOf(log, 'passthrough')?.rows).toHaveLength(5);
  });

  it('a named prepared statement (Parse once, Bind/Execute twice) and an unnamed one', async () => {
    const log = await differential(async (run) => {
      for (const arg of PREPARED_ARGS) {
        await run(`named ${arg}`, { name: 'lineitem_by_quantity', text: PREPARED_SQL, values: [arg] });
      }
      await run('unnamed', { text: PREPARED_SQL, values: [PREPARED_ARGS[0]] });
      await run('server-side statements', {
        text: 'SELECT name, statement, parameter_types::text[], from_sql FROM pg_prepared_statements ORDER BY name',
      });
    });
    expect(resultOf(log, `named ${PREPARED_ARGS[0]}`)?.rows.length).toBeGreaterThan(1);
    expect(resultOf(log, `named ${PREPARED_ARGS[0]}`)?.rows).not.toEqual(
      resultOf(log, `named ${PREPARED_ARGS[1]}`)?.rows,
    );
    expect(resultOf(log, 'unnamed')?.rows).toEqual(resultOf(log, `named ${PREPARED_ARGS[0]}`)?.rows);
    expect(resultOf(log, 'server-side statements')?.rows).toEqual([
      ['lineitem_by_quantity', PREPARED_SQL, ['numeric'], false],
    ]);
  });

  it.each(ERROR_CASES)('an error: $name ($code), simple and extended protocol', async ({ sql, code }) => {
    const log = await differential(async (run) => {
      await run('simple', { text: sql });
      await run('after the error', { text: 'SELECT 2 AS two' });
      await run('extended', { name: 'failing', text: sql });
      await run('after the extended error', { text: 'SELECT 3 AS three' });
    });
    expect(errorOf(log, 'simple')?.code).toBe(code);
    expect(errorOf(log, 'extended')?.code).toBe(code);
    expect(resultOf(log, 'after the error')?.rows).toEqual([[2]]);
    expect(resultOf(log, 'after the extended error')?.rows).toEqual([[3]]);
    if (code === '42601') expect(errorOf(log, 'simple')?.position).toBe('1');
    if (code === '42703' || code === '42883') {
      expect(errorOf(log, 'simple')?.position).toBe('8');
      expect(errorOf(log, 'simple')?.hint).toBeTruthy();
    }
  });

  it('an error raised by a parallel statement reaches the client unchanged', async () => {
    const log = await differential(async (run) => {
      await run('failing parallel', { text: SPLIT_ERROR_SQL });
      await run('after the error', { text: PARALLEL_SQL });
    });
    expect(errorOf(log, 'failing parallel')?.code).toBe('22012');
    expect(resultOf(log, 'after the error')?.rows.length).toBeGreaterThan(1);
  });

  it('transactions: ROLLBACK, an aborted transaction, COMMIT, a duplicate key (detail)', async () => {
    const log = await differential(async (run) => {
      await run('create', { text: CREATE_SCRATCH });
      await run('begin', { text: 'BEGIN' });
      await run('insert', { text: `INSERT INTO ${SCRATCH_TABLE} VALUES (1, 'one'), (2, 'two')` });
      await run('read own writes', { text: `SELECT * FROM ${SCRATCH_TABLE} ORDER BY id` });
      await run('analytic in transaction', { text: PARALLEL_SQL });
      await run('rollback', { text: 'ROLLBACK' });
      await run('after rollback', { text: `SELECT count(*) FROM ${SCRATCH_TABLE}` });
      await run('begin again', { text: 'BEGIN' });
      await run('failing', { text: 'SELECT 1/0' });
      await run('in aborted transaction', { text: 'SELECT 1' });
      await run('rollback aborted', { text: 'ROLLBACK' });
      await run('begin for commit', { text: 'BEGIN' });
      await run('insert with params', {
        text: `INSERT INTO ${SCRATCH_TABLE} VALUES ($1, $2), ($3, $4)`,
        values: [1, 'one', 2, null],
      });
      await run('commit', { text: 'COMMIT' });
      await run('after commit', { text: `SELECT * FROM ${SCRATCH_TABLE} ORDER BY id` });
      await run('duplicate key', { text: `INSERT INTO ${SCRATCH_TABLE} VALUES (1, 'again')` });
    });
    expect(resultOf(log, 'read own writes')?.rows).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    expect(resultOf(log, 'after rollback')?.rows).toEqual([['0']]);
    expect(errorOf(log, 'in aborted transaction')?.code).toBe('25P02');
    expect(resultOf(log, 'after commit')?.rows).toEqual([
      [1, 'one'],
      [2, null],
    ]);
    expect(errorOf(log, 'duplicate key')).toMatchObject({
      code: '23505',
      detail: 'Key (id)=(1) already exists.',
    });
  });

  it('an analytic statement inside a transaction sees the writes of that transaction', async () => {
    const grouped = `SELECT k, count(*) AS n, sum(id) AS ids FROM ${sharedTable} GROUP BY k ORDER BY k`;
    const log = await differential(async (run) => {
      await run('before', { text: grouped });
      await run('begin', { text: 'BEGIN' });
      await run('insert', {
        text: `INSERT INTO ${sharedTable} SELECT g, 100 FROM generate_series(1, 500) AS g`,
      });
      await run('in transaction', { text: grouped });
      await run('in transaction, extended protocol', { name: 'grouped', text: grouped });
      await run('rollback', { text: 'ROLLBACK' });
      await run('after rollback', { text: grouped });
    });
    expect(resultOf(log, 'in transaction')?.rows).toContainEqual([100, '500', '125250']);
    expect(resultOf(log, 'in transaction, extended protocol')?.rows).toEqual(
      resultOf(log, 'in transaction')?.rows,
    );
    expect(resultOf(log, 'rollback')?.command).toBe('ROLLBACK');
    expect(resultOf(log, 'after rollback')?.rows).toEqual(resultOf(log, 'before')?.rows);
  });
});
