// The worker's PostgreSQL pools: its own database's, plus one per replica URL a chunk request named.
import pg from 'pg';
import type { Logger } from 'pino';
import { RAW_TEXT } from '../pg/raw-text.ts';
import type { ChunkServer } from './protocol.ts';

/** Distinct replica URLs a worker keeps pools for; a coordinator names a handful. */
const MAX_SERVERS = 32;

/** A pool and what cancelling one of its backends needs. */
export interface ServerPool {
  /** `primary` for the worker's own database, else the replica's id. */
  id: string;
  pool: pg.Pool;
  /** For `pg_cancel_backend` on a fresh connection to the same server. */
  url: string;
  /** True for the worker's own database (`--database-url`). */
  own: boolean;
}

/**
 * Pools by connection URL, created on first use. URLs carry credentials: they are keys here and never
 * logged (logs name the server id).
 *
 * @example
 *   const pools = new ServerPools({ url: databaseUrl, poolSize: 8, logger });
 *   const { pool } = pools.get({ id: 'r1', url: replicaUrl });
 *   await pools.end();
 */
export class ServerPools {
  readonly own: ServerPool;
  private readonly byUrl = new Map<string, ServerPool>();

  constructor(private readonly opts: { url: string; poolSize: number; logger: Logger }) {
    this.own = { id: 'primary', pool: this.create(opts.url, 'primary', false), url: opts.url, own: true };
  }

  /** The pool for a chunk's server (its own database when `server` is absent); null when too many are open. */
  get(server: ChunkServer | null | undefined): ServerPool | null {
    if (!server) return this.own;
    const known = this.byUrl.get(server.url);
    if (known) return known;
    if (this.byUrl.size >= MAX_SERVERS) return null;
    const entry = {
      id: server.id,
      pool: this.create(server.url, server.id, true),
      url: server.url,
      own: false,
    };
    this.byUrl.set(server.url, entry);
    return entry;
  }

  async end(): Promise<void> {
    await Promise.all([this.own, ...this.byUrl.values()].map((p) => p.pool.end().catch(() => {})));
  }

  /** `replica`: connecting gives up after 10 s (an unreachable replica fails its chunk, which goes elsewhere). */
  private create(url: string, id: string, replica: boolean): pg.Pool {
    const pool = new pg.Pool({
      connectionString: url,
      max: this.opts.poolSize,
      types: RAW_TEXT,
      idleTimeoutMillis: 60_000,
      ...(replica ? { connectionTimeoutMillis: 10_000 } : {}),
      application_name: 'mini-balancer worker',
    });
    pool.on('error', (err) =>
      this.opts.logger.warn({ server: id, err: err.message }, 'idle PostgreSQL connection failed'),
    );
    return pool;
  }
}
