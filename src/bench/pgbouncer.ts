// A throwaway PgBouncer (Debian's `pgbouncer`) in session mode in front of one database, for the benchmark.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PgTarget } from './pgbench.ts';

/** The binary: MB_PGBOUNCER, else Debian's /usr/sbin/pgbouncer, else `pgbouncer` on the PATH; null when none. */
export function findPgbouncer(): string | null {
  const env = process.env.MB_PGBOUNCER;
  if (env) return env;
  if (existsSync('/usr/sbin/pgbouncer')) return '/usr/sbin/pgbouncer';
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'pgbouncer'))) return path.join(dir, 'pgbouncer');
  }
  return null;
}

/** Quotes a libpq connection-string value (`'...'` with `\'` and `\\` escaped). */
const connValue = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * The pgbouncer.ini: one database entry that logs in to `server` with its own user and password, clients
 * accepted without a password (`auth_type = any`, loopback only), session pooling, one server connection
 * per client (the pool is as large as the client limit, so no client ever waits for one).
 *
 * @example
 *   pgbouncerIni({ server, listenPort: 6433, maxClients: 16 });
 */
export function pgbouncerIni(opts: { server: PgTarget; listenPort: number; maxClients: number }): string {
  const s = opts.server;
  const conn = [
    `host=${connValue(s.host)}`,
    `port=${s.port}`,
    `dbname=${connValue(s.database)}`,
    `user=${connValue(s.user)}`,
    `password=${connValue(s.password)}`,
  ].join(' ');
  return [
    '[databases]',
    `${s.database} = ${conn}`,
    '',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${opts.listenPort}`,
    'unix_socket_dir =',
    'auth_type = any',
    'pool_mode = session',
    `max_client_conn = ${opts.maxClients}`,
    `default_pool_size = ${opts.maxClients}`,
    'server_reset_query = DISCARD ALL',
    'ignore_startup_parameters = extra_float_digits',
    'log_connections = 0',
    'log_disconnections = 0',
    'logfile =',
    'pidfile =',
    '',
  ].join('\n');
}

export interface RunningPgbouncer {
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on the port; rejects after `ms`. */
async function listening(port: number, ms: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with code ${child.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`pgbouncer did not listen on ${port} within ${ms} ms: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts PgBouncer in the foreground with a generated configuration in a temporary directory. As root it
 * runs as the `postgres` user (`-u`): PgBouncer refuses to run as root.
 */
export async function startPgbouncer(
  bin: string,
  server: PgTarget,
  maxClients: number,
): Promise<RunningPgbouncer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mb-pgbouncer-'));
  const port = await freePort();
  const ini = path.join(dir, 'pgbouncer.ini');
  await writeFile(ini, pgbouncerIni({ server, listenPort: port, maxClients }), { mode: 0o644 });
  await chmod(dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  const child = spawn(bin, [...(asRoot ? ['-u', 'postgres'] : []), ini], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM'); // immediate shutdown
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await listening(port, 10_000, child, () => log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, stop };
}
