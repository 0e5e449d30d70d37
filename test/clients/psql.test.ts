// psql through the gateway: one script (queries, \d, \copy, PREPARE, errors, transactions) must print byte for
// byte what it prints against PostgreSQL directly.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import {
  ERROR_CASES,
  gatewayUrl,
  PARALLEL_SQL,
  PASSTHROUGH_SQL,
  PREPARED_ARGS,
  PREPARED_SQL,
  requireExecutable,
  runProcess,
  SPLIT_ERROR_SQL,
} from './support.ts';

const PSQL = '/usr/bin/psql';
const PACKAGE = 'postgresql-client-15';

let stack: TestStack | undefined;
let dir: string;

beforeAll(async () => {
  requireExecutable(PSQL, PACKAGE);
  stack = await startTestStack({ workers: 2, costThreshold: 0 });
  dir = await mkdtemp(path.join(tmpdir(), 'mb-psql-'));
});

afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** psql's major version (\bind arrived in 16). */
async function psqlMajor(): Promise<number> {
  const { stdout } = await runProcess(PSQL, ['--version']);
  const m = /(\d+)\.\d+/.exec(stdout);
  if (!m) throw new Error(`cannot read the psql version from ${JSON.stringify(stdout)}`);
  return Number(m[1]);
}

const errorsAt = (verbosity: 'default' | 'sqlstate') =>
  [`\\set VERBOSITY ${verbosity}`, ...ERROR_CASES.map((c) => `${c.sql};`), `${SPLIT_ERROR_SQL};`].join('\n');

/** The script: every statement kind the issue names, in a session that starts idle with default settings. */
function script(major: number): string {
  return `\\pset null '(null)'
\\set SHOW_CONTEXT errors
-- a statement the gateway splits, and one it relays
${PARALLEL_SQL};
${PASSTHROUGH_SQL};
SELECT count(*) AS orders, sum(o_totalprice) AS total FROM orders \\gx
\\d lineitem
\\d+ orders
-- errors: message, position (LINE/caret), detail and hint; then the SQLSTATE alone
${errorsAt('default')}
${errorsAt('sqlstate')}
\\set VERBOSITY default
-- server-side prepared statements
PREPARE by_quantity(numeric) AS ${PREPARED_SQL};
${PREPARED_ARGS.map((a) => `EXECUTE by_quantity(${a});`).join('\n')}
SELECT name, statement, parameter_types, from_sql FROM pg_prepared_statements ORDER BY name;
${major >= 16 ? `${PREPARED_SQL} \\bind ${PREPARED_ARGS[0]} \\g` : '-- \\bind needs psql 16'}
-- \\copy out and back in
\\copy (SELECT l_orderkey, l_linenumber, l_comment FROM lineitem WHERE l_orderkey < 200 ORDER BY 1, 2) TO 'lineitem.csv' WITH (FORMAT csv)
CREATE TEMP TABLE scratch (l_orderkey int, l_linenumber int, l_comment text, PRIMARY KEY (l_orderkey, l_linenumber));
\\copy scratch FROM 'lineitem.csv' WITH (FORMAT csv)
SELECT count(*), sum(l_orderkey), max(l_comment) FROM scratch;
\\copy scratch FROM 'lineitem.csv' WITH (FORMAT csv)
-- transactions
BEGIN;
INSERT INTO scratch VALUES (0, 1, 'zero');
SELECT * FROM scratch WHERE l_orderkey = 0;
ROLLBACK;
SELECT count(*) FROM scratch WHERE l_orderkey = 0;
BEGIN;
DELETE FROM scratch WHERE l_orderkey > 100;
SELECT 1/0;
SELECT 1;
ROLLBACK;
BEGIN;
INSERT INTO scratch VALUES (0, 1, 'zero');
SELECT count(*) FROM scratch;
COMMIT;
INSERT INTO scratch VALUES (0, 1, 'again');
\\copy scratch TO 'scratch.csv' WITH (FORMAT csv)
${PARALLEL_SQL};
`;
}

/** Runs the script in its own directory (so \copy file names and psql's messages are the same) against `url`. */
async function runScript(url: string, name: string, text: string) {
  const cwd = path.join(dir, name);
  await rm(cwd, { recursive: true, force: true });
  await mkdir(cwd);
  await writeFile(path.join(cwd, 'script.sql'), text);
  // stdout and stderr into one file, so errors stay in their place among the results.
  const outFile = path.join(cwd, 'output.txt');
  const fd = openSync(outFile, 'w');
  let code: number | null;
  try {
    code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        PSQL,
        ['-X', '-a', '-v', 'ON_ERROR_STOP=0', '-P', 'pager=off', '-f', 'script.sql', url],
        {
          cwd,
          // UTF8 is what the coordinator's own connections use: with another encoding nothing would split.
          env: { ...process.env, PGCLIENTENCODING: 'UTF8', PGCONNECT_TIMEOUT: '10' },
          stdio: ['ignore', fd, fd],
        },
      );
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
  } finally {
    closeSync(fd);
  }
  return {
    code,
    output: await readFile(outFile, 'utf8'),
    lineitemCsv: await readFile(path.join(cwd, 'lineitem.csv'), 'utf8'),
    scratchCsv: await readFile(path.join(cwd, 'scratch.csv'), 'utf8'),
  };
}

describe('psql through the gateway', () => {
  it('prints exactly what it prints against PostgreSQL (queries, \\d, \\copy, PREPARE, errors, transactions)', async () => {
    const text = script(await psqlMajor());
    const [via, direct] = await Promise.all([
      runScript(gatewayUrl(stack!.databaseUrl, stack!.pgPort), 'via', text),
      runScript(stack!.databaseUrl, 'direct', text),
    ]);
    expect(via.output).toBe(direct.output);
    expect(via.lineitemCsv).toBe(direct.lineitemCsv);
    expect(via.scratchCsv).toBe(direct.scratchCsv);
    expect(via.code).toBe(0);

    // The script did run: results, described tables, errors with their fields, copies and transactions.
    const out = via.output;
    expect(out).toMatch(/l_returnflag \| l_linestatus \|/);
    expect(out).toContain('Table "public.lineitem"');
    expect(out).toContain('ERROR:  division by zero');
    expect(out).toMatch(/ERROR: {2}syntax error at or near "SELEC"\nLINE 1: SELEC 1;\n {8}\^/);
    expect(out).toMatch(/ERROR: {2}column "l_quantit" does not exist\nLINE 1: .*\n.*\^\nHINT: {2}Perhaps/);
    expect(out).toMatch(
      /ERROR: {2}function no_such_function\(integer\) does not exist\n(.*\n){2}HINT: {2}No function/,
    );
    for (const code of ['22012', '42601', '42703', '42883']) expect(out).toContain(`ERROR:  ${code}\n`);
    expect(out).toContain('by_quantity | PREPARE by_quantity(numeric) AS');
    expect(out).toMatch(/ERROR: {2}current transaction is aborted/);
    expect(out).toMatch(
      /ERROR: {2}duplicate key value violates unique constraint "scratch_pkey"\nDETAIL: {2}Key \(l_orderkey, l_linenumber\)=\(0, 1\) already exists\./,
    );
    expect(via.lineitemCsv.split('\n').length).toBeGreaterThan(100);
    expect(via.scratchCsv).toMatch(/^0,1,zero$/m);
  });
});
