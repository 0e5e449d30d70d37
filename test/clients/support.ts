// Shared pieces of the client matrix: the statements every client runs, the gateway URL, child processes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';

/**
 * An analytic statement the coordinator splits (with cost threshold 0) on the simple protocol: grouped
 * aggregates of several types over the largest TPC-H table.
 */
export const PARALLEL_SQL =
  'SELECT l_returnflag, l_linestatus, count(*) AS n, sum(l_quantity) AS qty, avg(l_extendedprice) AS avg_price, ' +
  'min(l_shipdate) AS first_ship, max(l_discount) AS max_discount FROM lineitem GROUP BY 1, 2 ORDER BY 1, 2';

/** A statement the planner keeps whole (window function): relayed to the session's own backend. */
export const PASSTHROUGH_SQL =
  'SELECT o_orderkey, o_orderpriority, rank() OVER (PARTITION BY o_orderpriority ORDER BY o_totalprice DESC) AS r ' +
  'FROM orders ORDER BY o_orderkey LIMIT 5';

/** A statement the planner splits that fails at run time in every chunk. */
export const SPLIT_ERROR_SQL = 'SELECT count(*) FROM lineitem WHERE 1 / (l_quantity - l_quantity) > 0';

/** The parameterized statement ($1 numeric) each client prepares on the server and runs twice. */
export const PREPARED_SQL =
  'SELECT l_returnflag, count(*) AS n, sum(l_quantity) AS qty, max(l_shipdate) AS last_ship, ' +
  'avg(l_discount)::float8 AS avg_discount, min(l_orderkey) AS first_order FROM lineitem ' +
  'WHERE l_quantity > $1 GROUP BY 1 ORDER BY 1';

/** The arguments PREPARED_SQL runs with, in order. */
export const PREPARED_ARGS = ['10', '45'] as const;

/** Statements PostgreSQL rejects, each with the SQLSTATE it gives and the error fields it fills. */
export const ERROR_CASES = [
  { name: 'division by zero', sql: 'SELECT 1/0', code: '22012' },
  { name: 'syntax error (position)', sql: 'SELEC 1', code: '42601' },
  { name: 'undefined column (position, hint)', sql: 'SELECT l_quantit FROM lineitem', code: '42703' },
  { name: 'undefined function (position, hint)', sql: 'SELECT no_such_function(1)', code: '42883' },
] as const;

/** The transaction step: a temp table with a primary key (so a duplicate key gives a detail). */
export const SCRATCH_TABLE = 'mb_client_scratch';
export const CREATE_SCRATCH = `CREATE TEMP TABLE ${SCRATCH_TABLE} (id int PRIMARY KEY, note text)`;

/** The suite database's URL with the gateway's host and port: same user, password and database. */
export function gatewayUrl(databaseUrl: string, pgPort: number): string {
  const u = new URL(databaseUrl);
  u.hostname = '127.0.0.1';
  u.port = String(pgPort);
  return u.toString();
}

/** The URL's parts as libpq environment variables (for clients that take -h/-p/-U/dbname). */
export function libpqEnv(url: string): Record<string, string> {
  const u = new URL(url);
  return {
    PGHOST: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
  };
}

/** A short random suffix for scratch objects that outlive one session. */
export const uniqueSuffix = (): string => randomBytes(4).toString('hex');

/**
 * Fails (never skips) when a client program is missing, naming the Debian package that brings it.
 *
 * @example
 *   requireExecutable('/usr/bin/psql', 'postgresql-client-15');
 */
export function requireExecutable(file: string, debianPackage: string): void {
  try {
    accessSync(file, constants.X_OK);
  } catch {
    throw new Error(
      `${file} is missing: install the Debian package ${debianPackage} (bash scripts/ci/install-clients.sh)`,
    );
  }
}

/** Fails with the package to install when `file` does not exist (a library such as a jar). */
export function requireFile(file: string, debianPackage: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw new Error(
      `${file} is missing: install the Debian package ${debianPackage} (bash scripts/ci/install-clients.sh)`,
    );
  }
}

export interface ProcessResult {
  /** The exit code; null when the process was killed (see `timedOut`). */
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (killed after `timeoutMs`) and collects its output; never throws on exit codes. */
export function runProcess(
  file: string,
  args: readonly string[],
  opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        timedOut,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** Parses a program's JSON-lines output (one object per step). */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
