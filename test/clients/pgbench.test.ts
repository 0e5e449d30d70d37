// pgbench through the gateway: `-i` (DDL, COPY, VACUUM) into a scratch database, then timed and prepared runs.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../../src/pg/embedded.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { gatewayUrl, PARALLEL_SQL, requireExecutable, runProcess, uniqueSuffix } from './support.ts';

const PGBENCH = '/usr/bin/pgbench';
const PACKAGE = 'postgresql-client-15';

let stack: TestStack | undefined;
let admin: pg.Client | undefined;
let dir: string | undefined;
/** A database of its own: `pgbench -i` drops and creates the pgbench_* tables in the one it connects to. */
const database = `mb_pgbench_${uniqueSuffix()}`;
let benchDirect: string;
let benchVia: string;

beforeAll(async () => {
  requireExecutable(PGBENCH, PACKAGE);
  stack = await startTestStack({ workers: 2, costThreshold: 0 });
  admin = new pg.Client({ connectionString: stack.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  benchDirect = withDatabase(stack.databaseUrl, database);
  benchVia = gatewayUrl(benchDirect, stack.pgPort);
  dir = await mkdtemp(path.join(tmpdir(), 'mb-pgbench-'));
});

afterAll(async () => {
  await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin?.end();
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs pgbench and fails with its whole output when it exits non-zero. */
async function pgbench(args: string[], timeoutMs = 60_000) {
  const r = await runProcess(PGBENCH, args, { timeoutMs, ...(dir ? { cwd: dir } : {}) });
  if (r.code !== 0)
    throw new Error(
      `pgbench ${args.join(' ')} exited ${r.timedOut ? `killed after ${timeoutMs} ms` : r.code}:\n${r.stdout}\n${r.stderr}`,
    );
  return r;
}

/** The summary pgbench prints after a run. */
function summary(stdout: string) {
  const num = (re: RegExp) => {
    const m = re.exec(stdout);
    if (!m) throw new Error(`pgbench printed no ${re}:\n${stdout}`);
    return Number(m[1]);
  };
  return {
    processed: num(/number of transactions actually processed: (\d+)/),
    failed: num(/number of failed transactions: (\d+)/),
    tps: num(/tps = ([\d.]+)/),
  };
}

async function count(table: string): Promise<number> {
  const c = new pg.Client({ connectionString: benchDirect });
  await c.connect();
  try {
    return Number((await c.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  } finally {
    await c.end();
  }
}

describe('pgbench through the gateway', () => {
  it('pgbench -i -s 1 creates and fills its tables', async () => {
    const { stderr } = await pgbench(['-i', '-s', '1', benchVia]);
    expect(stderr).toMatch(/done in [\d.]+ s/);
    expect(await count('pgbench_accounts')).toBe(100_000);
    expect(await count('pgbench_branches')).toBe(1);
    expect(await count('pgbench_tellers')).toBe(10);
  });

  it('pgbench -S -T 10 -c 4 -j 2: select-only for 10 s, no failed transaction', async () => {
    const { stdout } = await pgbench(['-S', '-T', '10', '-c', '4', '-j', '2', benchVia], 40_000);
    const s = summary(stdout);
    expect(s.failed).toBe(0);
    expect(s.processed).toBeGreaterThan(0);
    expect(s.tps).toBeGreaterThan(0);
  }, 60_000);

  it('pgbench -M prepared (named statements) and the read-write TPC-B script', async () => {
    const prepared = summary(
      (await pgbench(['-S', '-M', 'prepared', '-t', '200', '-c', '2', '-j', '2', benchVia])).stdout,
    );
    expect(prepared).toMatchObject({ processed: 400, failed: 0 });
    const before = await count('pgbench_history');
    const tpcb = summary((await pgbench(['-n', '-M', 'extended', '-t', '25', '-c', '2', benchVia])).stdout);
    expect(tpcb).toMatchObject({ processed: 50, failed: 0 });
    expect((await count('pgbench_history')) - before).toBe(50);
  });

  it('concurrent clients running the parallel statement in the coordinator database', async () => {
    const file = path.join(dir!, 'parallel.sql');
    await writeFile(file, `${PARALLEL_SQL};\n`);
    const via = gatewayUrl(stack!.databaseUrl, stack!.pgPort);
    const s = summary((await pgbench(['-n', '-f', file, '-t', '5', '-c', '4', '-j', '2', via])).stdout);
    expect(s).toMatchObject({ processed: 20, failed: 0 });
  });
});
