// Coordinator memory while a large result streams through the gateway: a `serve` process of its own, a client
// that counts rows without keeping them, and the process's resident set read from /proc as it goes.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The coordinator's peak resident set must stay under this while the result streams. */
export const STREAM_RSS_TARGET_MB = 300;

export interface StreamingReport {
  sql: string;
  rows: number;
  /** Bytes of DataRow messages the client received. */
  bytes: number;
  seconds: number;
  /** The coordinator process's resident set once serving, before the statement (MB). */
  rssBeforeMb: number;
  /** Its highest resident set while the result streamed (sampled every 50 ms) and its VmHWM at the end (MB). */
  rssPeakMb: number;
  hwmMb: number;
}

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mini-balancer.js');

/** VmRSS and VmHWM of a process, MB. */
export async function residentMb(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** `SELECT` of exactly `rows` rows from lineitem (repeated by a cross join as often as needed). */
export async function streamingStatement(databaseUrl: string, rows: number): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const n = Number((await client.query('SELECT count(*) AS n FROM lineitem')).rows[0]?.n);
    if (!(n > 0)) throw new Error('lineitem is empty: load the TPC-H data first');
    const copies = Math.ceil(rows / n);
    return (
      'SELECT l_orderkey, l_partkey, l_suppkey, l_linenumber, l_quantity, l_extendedprice, l_shipdate, g ' +
      `FROM lineitem, generate_series(1, ${copies}) AS g LIMIT ${rows}`
    );
  } finally {
    await client.end();
  }
}

/** Runs a simple query and counts its rows and bytes without keeping them (a node-postgres Submittable). */
function countRows(client: pg.Client, sql: string): Promise<{ rows: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    let rows = 0;
    let bytes = 0;
    let error: Error | null = null;
    const submittable = {
      submit(connection: { query(text: string): void }) {
        connection.query(sql);
      },
      handleRowDescription() {},
      handleDataRow(msg: { fields: unknown[]; length?: number }) {
        rows++;
        bytes += msg.length ?? 0;
      },
      handleCommandComplete() {},
      handleEmptyQuery() {},
      handleError(err: Error) {
        error = err;
      },
      handleReadyForQuery() {
        if (error) reject(error);
        else resolve({ rows, bytes });
      },
      handleNotice() {},
    };
    // biome-ignore lint/suspicious/noExplicitAny: node-postgres accepts any Submittable; its types do not say so
    client.query(submittable as any);
  });
}

/** Starts `mini-balancer serve` with the gateway on a free port; resolves with the process and the port. */
async function startServe(
  databaseUrl: string,
  workers: number,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--database-url',
      databaseUrl,
      '--workers',
      String(workers),
      '--http-port',
      '0',
      '--pg-port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MB_LOG_LEVEL: 'warn' } },
  );
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start within 60 s:\n${err}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/PostgreSQL protocol: 127\.0\.0\.1:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${err}`));
    });
  });
  return { child, port };
}

/**
 * Streams `rows` rows through a `serve` process's gateway (auto mode, as any client would) and reports the
 * process's resident set before and at its peak.
 *
 * @example
 *   const r = await measureStreaming({ databaseUrl, rows: 10_000_000, workers: 2 });
 *   r.rssPeakMb < STREAM_RSS_TARGET_MB;
 */
export async function measureStreaming(opts: {
  databaseUrl: string;
  rows: number;
  workers: number;
}): Promise<StreamingReport> {
  const sql = await streamingStatement(opts.databaseUrl, opts.rows);
  const { child, port } = await startServe(opts.databaseUrl, opts.workers);
  const pid = child.pid as number;
  const url = new URL(opts.databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const client = new pg.Client({ connectionString: url.toString() });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    const before = await residentMb(pid);
    let peak = before.rss;
    const sampler = setInterval(() => {
      residentMb(pid)
        .then((m) => {
          peak = Math.max(peak, m.rss);
        })
        .catch(() => {});
    }, 50);
    const t0 = performance.now();
    try {
      const counted = await countRows(client, sql);
      const seconds = (performance.now() - t0) / 1000;
      const after = await residentMb(pid);
      peak = Math.max(peak, after.rss);
      if (counted.rows !== opts.rows)
        throw new Error(`streaming: ${counted.rows} rows came back, ${opts.rows} expected`);
      return {
        sql,
        rows: counted.rows,
        bytes: counted.bytes,
        seconds,
        rssBeforeMb: before.rss,
        rssPeakMb: peak,
        hwmMb: after.hwm,
      };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await client.end().catch(() => {});
    child.kill('SIGTERM');
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) resolve();
      else child.once('exit', () => resolve());
      setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 10_000).unref();
    });
  }
}
