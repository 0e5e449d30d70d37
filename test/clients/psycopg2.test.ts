// Python psycopg2 (Debian's, under /usr/bin/python3) through the gateway: the same script run directly and via
// the gateway prints the same JSON lines.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import {
  CREATE_SCRATCH,
  ERROR_CASES,
  gatewayUrl,
  jsonLines,
  PARALLEL_SQL,
  PASSTHROUGH_SQL,
  PREPARED_ARGS,
  PREPARED_SQL,
  requireExecutable,
  runProcess,
  SCRATCH_TABLE,
  SPLIT_ERROR_SQL,
} from './support.ts';

/** Debian's interpreter: python3-psycopg2 is installed for it, not for other pythons on PATH. */
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(import.meta.dirname, 'psycopg2_client.py');

const STATEMENTS = {
  parallel: PARALLEL_SQL,
  // psycopg2 interpolates parameters on the client: this is a simple-protocol statement too.
  parallelParams:
    'SELECT l_returnflag, count(*) AS n, sum(l_quantity) AS qty FROM lineitem WHERE l_quantity > %s GROUP BY 1 ORDER BY 1',
  passthrough: PASSTHROUGH_SQL,
  prepared: PREPARED_SQL,
  args: PREPARED_ARGS,
  errors: ERROR_CASES,
  splitError: SPLIT_ERROR_SQL,
  scratch: SCRATCH_TABLE,
  createScratch: CREATE_SCRATCH,
};

let stack: TestStack | undefined;

beforeAll(async () => {
  requireExecutable(PYTHON, 'python3');
  const probe = await runProcess(PYTHON, ['-c', 'import psycopg2']);
  if (probe.code !== 0) {
    throw new Error(
      `psycopg2 is missing for ${PYTHON}: install the Debian package python3-psycopg2 (bash scripts/ci/install-clients.sh)\n${probe.stderr}`,
    );
  }
  stack = await startTestStack({ workers: 2, costThreshold: 0 });
});

afterAll(async () => {
  await stack?.stop();
});

type Step = {
  step: string;
  result?: { rows?: unknown[][] | null } & Record<string, unknown>;
  error?: Record<string, unknown>;
};

async function scenario(dsn: string, target: 'via the gateway' | 'direct'): Promise<Step[]> {
  const r = await runProcess(PYTHON, [SCRIPT, dsn, JSON.stringify(STATEMENTS)], { timeoutMs: 60_000 });
  if (r.code !== 0)
    throw new Error(
      `${SCRIPT} (${target}) exited ${r.timedOut ? 'killed after 60 s' : r.code}:\n${r.stdout}\n${r.stderr}`,
    );
  return jsonLines(r.stdout) as Step[];
}

describe('psycopg2 through the gateway', () => {
  it('parallel, passthrough, parameters, PREPARE/EXECUTE, errors and transactions as PostgreSQL answers them', async () => {
    const [via, direct] = await Promise.all([
      scenario(gatewayUrl(stack!.databaseUrl, stack!.pgPort), 'via the gateway'),
      scenario(stack!.databaseUrl, 'direct'),
    ]);
    expect(via).toEqual(direct);

    const step = (name: string) => {
      const s = via.find((x) => x.step === name);
      if (!s) throw new Error(`no step ${name} in ${JSON.stringify(via)}`);
      return s;
    };
    expect(step('parallel').result?.rows?.length).toBeGreaterThan(1);
    expect(step('parallel with client-side parameters').result?.rows?.length).toBeGreaterThan(1);
    expect(step('passthrough').result?.rows).toHaveLength(5);
    for (const { code } of ERROR_CASES) {
      expect(step(`error ${code}`).error?.sqlstate).toBe(code);
      expect(step(`after error ${code}`).result?.rows).toEqual([[2]]);
    }
    expect(step('error 42601').error).toMatchObject({
      position: '1',
      message: 'syntax error at or near "SELEC"',
    });
    expect(step('error 42703').error?.hint).toMatch(/^Perhaps you meant/);
    expect(step('failing parallel').error?.sqlstate).toBe('22012');
    expect(step('after failing parallel').result?.rows).toEqual(step('parallel').result?.rows);
    expect(step(`execute ${PREPARED_ARGS[0]}`).result?.rows?.length).toBeGreaterThan(1);
    expect(step('server-side statements').result?.rows).toEqual([
      ['by_quantity', `PREPARE by_quantity(numeric) AS ${PREPARED_SQL}`, ['numeric'], true],
    ]);
    expect(step('read own writes').result?.rows).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    expect(step('after rollback').result?.rows).toEqual([[0]]);
    expect(step('in aborted transaction').error?.sqlstate).toBe('25P02');
    expect(step('after commit').result?.rows).toEqual([
      [1, 'one'],
      [2, null],
    ]);
    expect(step('duplicate key').error).toMatchObject({
      sqlstate: '23505',
      detail: 'Key (id)=(1) already exists.',
    });
  });
});
