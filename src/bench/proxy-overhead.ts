// `bench` proxy-overhead section: pgbench -S directly, through the gateway and through PgBouncer, side by side.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from 'pino';
import { startServer } from '../cli/serve.ts';
import { adoptClientSocket, readsOf, receiveFrom } from '../gateway/client-socket.ts';
import { ReadBuffer, writeRead } from '../gateway/read-buffer.ts';
import { initParser, parseSql } from '../sql/parser.ts';
import { initPgbench, type PgTarget, percentile, runPgbench, targetOf } from './pgbench.ts';
import { findPgbouncer, startPgbouncer } from './pgbouncer.ts';

/** The database the section creates and fills on the bench's PostgreSQL. */
export const PGBENCH_DATABASE = 'mb_pgbench';
/** The gateway must reach at least this share of PgBouncer's TPS. */
export const TPS_TARGET = 0.8;
/** Parse + plan may add at most this much to a passthrough statement at p50. */
export const PARSE_PLAN_TARGET_MS = 1;

export interface ProxyOverheadOptions {
  /** The bench's PostgreSQL (any database on it; the section uses its own). */
  serverUrl: string;
  /** Local workers of the gateway's coordinator (so its planner really decides). */
  workers: number;
  clients: number;
  threads: number;
  durationS: number;
  rounds: number;
  scale: number;
  /** Duration of each single-client run that measures per-statement latency. */
  latencyDurationS: number;
  logger: Logger;
  out(text: string): void;
}

export interface ThroughputRow {
  target: string;
  /** TPS of each round, in run order. */
  tps: number[];
  latencyMs: number[];
}

export interface LatencyRow {
  target: string;
  p50Us: number;
  p95Us: number;
  transactions: number;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const DIRECT = 'PostgreSQL direct';
const GATEWAY = 'Mini-Balancer gateway';
const PGBOUNCER = 'PgBouncer (session mode)';

/**
 * The throughput table: median TPS and mean latency per target over the rounds, and the ratio to PgBouncer's
 * median TPS (absent without a PgBouncer row).
 *
 * @example
 *   renderThroughput([{ target: 'PostgreSQL direct', tps: [100, 110], latencyMs: [0.5, 0.4] }]);
 */
export function renderThroughput(rows: ThroughputRow[]): string {
  const bouncer = rows.find((r) => r.target === PGBOUNCER);
  const base = bouncer ? median(bouncer.tps) : undefined;
  const lines = [
    '| target | TPS (median) | TPS per round | latency avg (ms) | vs PgBouncer |',
    '|---|---:|---|---:|---:|',
  ];
  for (const r of rows) {
    const tps = median(r.tps);
    const ratio = base ? `${((tps / base) * 100).toFixed(0)}%` : 'n/a';
    const each = r.tps.map((t) => t.toFixed(0)).join(', ');
    lines.push(
      `| ${r.target} | ${tps.toFixed(0)} | ${each} | ${median(r.latencyMs).toFixed(3)} | ${ratio} |`,
    );
  }
  return lines.join('\n');
}

/** The verdict on the TPS target, or why there is none. */
export function throughputVerdict(rows: ThroughputRow[]): string {
  const gw = rows.find((r) => r.target === GATEWAY);
  const bouncer = rows.find((r) => r.target === PGBOUNCER);
  if (!gw || !bouncer)
    return 'Target (gateway ≥ 80% of PgBouncer TPS): not measured, PgBouncer is not installed.';
  const share = median(gw.tps) / median(bouncer.tps);
  return `Target (gateway ≥ ${TPS_TARGET * 100}% of PgBouncer TPS): **${share >= TPS_TARGET ? 'met' : 'not met'}** (${(share * 100).toFixed(0)}%).`;
}

/**
 * The single-client latency table and the parse + plan verdict: the gateway's p50 less that of a plain TCP
 * relay in the same process (named `relay` in the rows) is what parsing and planning add per statement.
 */
export function renderLatency(
  rows: LatencyRow[],
  relay: string,
  parse: { p50Us: number; p95Us: number; n: number },
): string {
  const lines = ['| target | p50 (µs) | p95 (µs) | transactions |', '|---|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(`| ${r.target} | ${r.p50Us.toFixed(0)} | ${r.p95Us.toFixed(0)} | ${r.transactions} |`);
  }
  const gw = rows.find((r) => r.target === GATEWAY);
  const pipe = rows.find((r) => r.target === relay);
  const direct = rows.find((r) => r.target === DIRECT);
  lines.push('');
  if (gw && direct) {
    lines.push(
      `The gateway adds ${((gw.p50Us - direct.p50Us) / 1000).toFixed(3)} ms at p50 over PostgreSQL direct.`,
    );
  }
  if (gw && pipe) {
    const added = (gw.p50Us - pipe.p50Us) / 1000;
    const verdict = added < PARSE_PLAN_TARGET_MS ? 'met' : 'not met';
    lines.push(
      `Parse + plan per passthrough statement (gateway p50 − plain relay p50): ${added.toFixed(3)} ms. ` +
        `Target (< ${PARSE_PLAN_TARGET_MS} ms at p50): **${verdict}**.`,
    );
  }
  lines.push(
    `libpg-query parsing the statement, in-process: p50 ${parse.p50Us.toFixed(0)} µs, p95 ${parse.p95Us.toFixed(0)} µs (${parse.n} parses).`,
  );
  return lines.join('\n');
}

/**
 * A byte-for-byte TCP relay to PostgreSQL in this process, with the gateway's socket plumbing (reads into
 * each socket's own buffer, written on as views): the hop any Node proxy of ours pays before doing any work.
 */
async function startTcpRelay(to: PgTarget): Promise<{ port: number; stop(): Promise<void> }> {
  const open = new Set<net.Socket>();
  /** Writes a view read from `from`; `from` waits while `to` is full. */
  const forward = (from: net.Socket, to: net.Socket, view: Buffer, reads: ReadBuffer | undefined) => {
    if (!writeRead(to, view, reads)) from.pause();
  };
  const server = net.createServer({ pauseOnConnect: true }, (accepted) => {
    const client = adoptClientSocket(accepted);
    const reads = new ReadBuffer();
    const upstream: net.Socket = net.connect({
      port: to.port,
      host: to.host,
      onread: reads.onread((view) => forward(upstream, client, view, reads)),
    });
    receiveFrom(client, (view) => forward(client, upstream, view, readsOf(client)));
    client.on('drain', () => upstream.resume());
    upstream.on('drain', () => client.resume());
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      open.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        open.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** pgbench from MB_PGBENCH or the PATH; null when absent. */
function findPgbench(): string | null {
  if (process.env.MB_PGBENCH) return process.env.MB_PGBENCH;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'pgbench'))) return path.join(dir, 'pgbench');
  }
  return null;
}

/** Creates the pgbench database and tables at `scale` unless they are there already. */
async function ensurePgbenchDatabase(
  bin: string,
  serverUrl: string,
  scale: number,
  logger: Logger,
): Promise<PgTarget> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [PGBENCH_DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${PGBENCH_DATABASE}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${PGBENCH_DATABASE}`;
  const target = targetOf(url.toString());
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  let branches = -1;
  try {
    const table = await db.query("SELECT to_regclass('pgbench_branches') IS NOT NULL AS present");
    if (table.rows[0]?.present)
      branches = Number((await db.query('SELECT count(*) AS n FROM pgbench_branches')).rows[0]?.n);
  } finally {
    await db.end();
  }
  if (branches !== scale) {
    logger.warn({ scale }, 'initialising the pgbench tables');
    await initPgbench(bin, target, scale);
  }
  return target;
}

/** p50/p95 of parsing pgbench's select-only statement with the gateway's parser, in this process. */
async function parseTimings(n: number): Promise<{ p50Us: number; p95Us: number; n: number }> {
  await initParser();
  const us: number[] = [];
  for (let i = 0; i < n; i++) {
    const sql = `SELECT abalance FROM pgbench_accounts WHERE aid = ${1 + ((i * 7919) % 1_000_000)};`;
    const t0 = performance.now();
    parseSql(sql);
    us.push((performance.now() - t0) * 1000);
  }
  return { p50Us: percentile(us, 50), p95Us: percentile(us, 95), n };
}

/** A pgbench target with the name it has in the tables. */
interface NamedTarget {
  name: string;
  target: PgTarget;
}

const urlOf = (t: PgTarget): string =>
  `postgres://${encodeURIComponent(t.user)}:${encodeURIComponent(t.password)}@${t.host}:${t.port}/${encodeURIComponent(t.database)}`;

/** `rounds` runs per target with the full client count; each round starts one target later than the last. */
async function throughputRounds(
  pgbench: string,
  targets: NamedTarget[],
  opts: ProxyOverheadOptions,
): Promise<ThroughputRow[]> {
  const load = { clients: opts.clients, threads: opts.threads };
  for (const t of targets) await runPgbench(pgbench, t.target, { ...load, durationS: 2 }); // warm-up
  const rows: ThroughputRow[] = targets.map((t) => ({ target: t.name, tps: [], latencyMs: [] }));
  for (let round = 0; round < opts.rounds; round++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (k + round) % targets.length;
      const t = targets[i] as NamedTarget;
      const row = rows[i] as ThroughputRow;
      const r = await runPgbench(pgbench, t.target, { ...load, durationS: opts.durationS });
      row.tps.push(r.tps);
      row.latencyMs.push(r.latencyMs);
      opts.logger.info({ target: t.name, tps: r.tps, round }, 'pgbench run');
    }
  }
  return rows;
}

/** One single-client run per target with a per-transaction log: latency percentiles. */
async function singleClientLatency(
  pgbench: string,
  targets: NamedTarget[],
  durationS: number,
  logDir: string,
): Promise<LatencyRow[]> {
  const rows: LatencyRow[] = [];
  for (const t of targets) {
    const r = await runPgbench(pgbench, t.target, { clients: 1, threads: 1, durationS, logDir });
    const us = r.latenciesUs ?? [];
    rows.push({
      target: t.name,
      p50Us: percentile(us, 50),
      p95Us: percentile(us, 95),
      transactions: us.length,
    });
  }
  return rows;
}

/**
 * Runs the section and prints its two tables: throughput with `clients` clients (rounds interleaved, the
 * order rotating each round so drift hits every target alike), then single-client latency percentiles,
 * with a plain TCP relay in this process as the baseline for what parse + plan add.
 */
export async function runProxyOverhead(opts: ProxyOverheadOptions): Promise<void> {
  const pgbench = findPgbench();
  if (!pgbench) {
    opts.out('\nProxy overhead: skipped, pgbench is not installed (Debian package postgresql-client).\n');
    return;
  }
  const direct = await ensurePgbenchDatabase(pgbench, opts.serverUrl, opts.scale, opts.logger);
  const bouncerBin = findPgbouncer();
  const logDir = await mkdtemp(path.join(tmpdir(), 'mb-pgbench-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    // The coordinator reads the pgbench database, so pgbench's sessions are ones the gateway may split:
    // every statement is parsed and its plan decided, as for any client of the gateway.
    const server = await startServer({
      databaseUrl: urlOf(direct),
      workers: opts.workers,
      httpPort: 0,
      pgPort: 0,
      logger: opts.logger,
    });
    stops.push(() => server.stop());
    const relay = await startTcpRelay(direct);
    stops.push(() => relay.stop());
    const local = (port: number): PgTarget => ({ ...direct, host: '127.0.0.1', port });
    const targets: NamedTarget[] = [
      { name: DIRECT, target: direct },
      { name: GATEWAY, target: local(server.pgPort as number) },
    ];
    let bouncerVersion = '';
    if (bouncerBin) {
      const bouncer = await startPgbouncer(bouncerBin, direct, opts.clients + 4);
      stops.push(() => bouncer.stop());
      targets.push({ name: PGBOUNCER, target: local(bouncer.port) });
      bouncerVersion = (await promisify(execFile)(bouncerBin, ['--version'])).stdout.split('\n')[0] ?? '';
    }
    const rows = await throughputRounds(pgbench, targets, opts);
    const relayName = 'Plain TCP relay in Node (no parsing)';
    const withRelay = [
      targets[0] as NamedTarget,
      { name: relayName, target: local(relay.port) },
      ...targets.slice(1),
    ];
    const latency = await singleClientLatency(pgbench, withRelay, opts.latencyDurationS, logDir);
    const parse = await parseTimings(5000);

    opts.out(
      [
        '',
        `## Proxy overhead: pgbench -S (select-only, simple protocol), scale ${opts.scale}`,
        '',
        `${opts.clients} clients, ${opts.threads} threads, ${opts.durationS} s per run, ${opts.rounds} interleaved round(s)` +
          (bouncerVersion
            ? `; ${bouncerVersion}, session pooling.`
            : '; PgBouncer not installed (scripts/ci/install-pgbouncer.sh).'),
        '',
        renderThroughput(rows),
        '',
        throughputVerdict(rows),
        '',
        `Per-statement latency, one client (pgbench -S -c 1, ${opts.latencyDurationS} s each):`,
        '',
        renderLatency(latency, relayName, parse),
        '',
      ].join('\n'),
    );
  } finally {
    for (const stop of stops.reverse()) {
      await stop().catch((err) => opts.logger.warn({ err }, 'bench cleanup failed'));
    }
    await rm(logDir, { recursive: true, force: true });
  }
}
