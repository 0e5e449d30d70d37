// Running PostgreSQL's pgbench (init and timed runs) and reading its summary and per-transaction logs.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What pgbench's summary says about a run. */
export interface PgbenchSummary {
  /** Transactions per second, without the initial connection time. */
  tps: number;
  /** Mean latency in milliseconds. */
  latencyMs: number;
  transactions: number;
  /** Failed transactions (pgbench 15+ reports them; 0 when the line is absent). */
  failed: number;
}

const number = (text: string, re: RegExp, what: string): number => {
  const m = re.exec(text);
  if (!m?.[1]) throw new Error(`pgbench output has no ${what}:\n${text}`);
  return Number(m[1]);
};

/**
 * Reads pgbench's summary (pgbench 14+ prints `tps = N (without initial connection time)`; older ones
 * `tps = N (excluding connections establishing)`).
 *
 * @example
 *   parsePgbenchSummary('latency average = 0.512 ms\ntps = 15603.1 (without initial connection time)\n')
 *   // { tps: 15603.1, latencyMs: 0.512, ... }
 */
export function parsePgbenchSummary(text: string): PgbenchSummary {
  const failed = /number of failed transactions: (\d+)/.exec(text);
  return {
    tps: number(
      text,
      /tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/,
      'tps',
    ),
    latencyMs: number(text, /latency average = ([\d.]+) ms/, 'latency average'),
    transactions: number(text, /number of transactions actually processed: (\d+)/, 'transaction count'),
    failed: failed?.[1] ? Number(failed[1]) : 0,
  };
}

/**
 * Transaction latencies in microseconds from a pgbench `--log` file: one line per transaction,
 * `client_id transaction_no time script_no time_epoch time_us [schedule_lag]`, `time` in µs. Lines of
 * failed or skipped transactions (`failed`, `skipped` in the time column) are left out.
 *
 * @example
 *   parsePgbenchLog('0 0 412 0 1700000000 123456\n0 1 388 0 1700000000 124000\n') // [412, 388]
 */
export function parsePgbenchLog(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const time = line.trim().split(/\s+/)[2];
    if (time !== undefined && /^\d+$/.test(time)) out.push(Number(time));
  }
  return out;
}

/** The p-th percentile (0..100) by nearest rank; NaN for no values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Where pgbench connects: host, port, user, password, database. */
export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** The target named by a postgres:// URL. */
export function targetOf(url: string): PgTarget {
  const u = new URL(url);
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username) || 'postgres',
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)) || 'postgres',
  };
}

/** Options and environment for libpq: the password goes in PGPASSWORD, never on the command line. */
function connection(t: PgTarget, extraEnv: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, PGPASSWORD: t.password, ...extraEnv };
  // The session must start with the server's defaults unless the caller says otherwise.
  if (!('PGOPTIONS' in extraEnv)) delete env.PGOPTIONS;
  delete env.PGCLIENTENCODING;
  return { args: ['-h', t.host, '-p', String(t.port), '-U', t.user], env };
}

/** Initialises the pgbench tables at `scale` (`pgbench -i -q`), then VACUUM ANALYZE as pgbench does. */
export async function initPgbench(bin: string, t: PgTarget, scale: number): Promise<void> {
  const c = connection(t);
  await run(bin, ['-i', '-q', '-s', String(scale), ...c.args, t.database], {
    env: c.env,
    maxBuffer: 16 << 20,
  });
}

export interface PgbenchRun {
  clients: number;
  threads: number;
  durationS: number;
  /** Built-in script, default `select-only` (`-S`). */
  builtin?: string;
  /** Directory for a per-transaction `--log`; the latencies are then returned too. */
  logDir?: string;
  env?: Record<string, string>;
}

/**
 * One timed pgbench run (no vacuum: the tables were vacuumed after init). Rejects when pgbench fails or
 * reports failed transactions.
 */
export async function runPgbench(
  bin: string,
  t: PgTarget,
  opts: PgbenchRun,
): Promise<PgbenchSummary & { latenciesUs?: number[] }> {
  const c = connection(t, opts.env);
  const prefix = opts.logDir ? path.join(opts.logDir, `pgbench-${t.port}-${Date.now()}`) : undefined;
  const args = [
    '-n',
    '-b',
    opts.builtin ?? 'select-only',
    '-c',
    String(opts.clients),
    '-j',
    String(opts.threads),
    '-T',
    String(opts.durationS),
    ...(prefix ? ['-l', `--log-prefix=${prefix}`] : []),
    ...c.args,
    t.database,
  ];
  const { stdout } = await run(bin, args, {
    env: c.env,
    maxBuffer: 16 << 20,
    timeout: (opts.durationS + 60) * 1000,
  });
  const summary = parsePgbenchSummary(stdout);
  if (summary.failed > 0) throw new Error(`pgbench: ${summary.failed} failed transactions:\n${stdout}`);
  if (!prefix || !opts.logDir) return summary;
  const base = path.basename(prefix);
  const files = (await readdir(opts.logDir)).filter((f) => f.startsWith(`${base}.`));
  const latenciesUs = (
    await Promise.all(
      files.map(async (f) => parsePgbenchLog(await readFile(path.join(opts.logDir as string, f), 'utf8'))),
    )
  ).flat();
  return { ...summary, latenciesUs };
}
