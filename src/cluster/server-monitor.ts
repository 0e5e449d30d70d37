// Checks one database server on a connection of its own: up or not, in recovery or not, WAL positions, lag inputs.
import pg from 'pg';
import type { Logger } from 'pino';
import { RAW_TEXT } from '../pg/raw-text.ts';
import { parseLsn } from './lsn.ts';
import { withTimeout } from './periodic.ts';

/** What one check of a server saw. */
export interface ServerSample {
  /** Date.now() when the answer arrived. */
  at: number;
  inRecovery: boolean;
  /** Primary: `pg_current_wal_lsn()`; standby: `pg_last_wal_replay_lsn()`. Null when the server has none. */
  lsn: bigint | null;
  /** Standby: ms since the primary committed the last transaction it replayed (its clock); null: none yet. */
  replayAgeMs: number | null;
  replayPaused: boolean;
  /** `pg_control_system()`'s system identifier, when the role may read it (same for a primary and its standbys). */
  systemId: string | null;
}

const CHECK_SQL = `SELECT pg_is_in_recovery() AS rec,
  (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn,
  (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8::text AS age,
  CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END AS paused`;

/**
 * Keeps one connection to a server and samples it; a check that fails or takes longer than `timeoutMs`
 * drops the connection (the next check opens a new one) and throws.
 *
 * @example
 *   const probe = new ServerProbe(url, 1000, logger);
 *   const sample = await probe.check();
 *   await probe.close();
 */
export class ServerProbe {
  private client: pg.Client | null = null;
  private systemId: string | null = null;

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  async check(): Promise<ServerSample> {
    try {
      return await withTimeout(this.sample(), this.timeoutMs, `no answer within ${this.timeoutMs} ms`);
    } catch (err) {
      this.drop();
      throw err;
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }

  private async sample(): Promise<ServerSample> {
    const client = await this.connected();
    const res = await client.query(CHECK_SQL);
    const row = res.rows[0] as Record<string, string | null>;
    return {
      at: Date.now(),
      inRecovery: row.rec === 't',
      lsn: row.lsn === null ? null : parseLsn(String(row.lsn)),
      replayAgeMs: row.age === null ? null : Math.max(0, Number(row.age)),
      replayPaused: row.paused === 't',
      systemId: this.systemId,
    };
  }

  private async connected(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({
      connectionString: this.url,
      types: RAW_TEXT,
      connectionTimeoutMillis: this.timeoutMs,
      application_name: 'mini-balancer server monitor',
    });
    // A connection that dies between checks must not take the process down; the next check reconnects.
    client.on('error', (err) => {
      this.log.debug({ err: err.message }, 'server monitor connection lost');
      if (this.client === client) this.client = null;
    });
    this.client = client;
    try {
      await client.connect();
      try {
        const res = await client.query('SELECT system_identifier::text AS id FROM pg_control_system()');
        this.systemId = String((res.rows[0] as { id: string }).id);
      } catch {
        // pg_control_system() needs pg_monitor or superuser: then the identity is not compared.
        this.systemId = null;
      }
    } catch (err) {
      this.drop();
      throw err;
    }
    return client;
  }

  private drop(): void {
    const c = this.client;
    this.client = null;
    if (!c) return;
    const stream = (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
    stream?.destroy();
    c.end().catch(() => {});
  }
}
