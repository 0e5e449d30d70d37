// A statement's snapshot on a read replica: a connection there that has replayed the statement's start, with the
// statement's role and settings, holding a REPEATABLE READ transaction whose snapshot it exported.
import pg from 'pg';
import { formatLsn } from '../cluster/lsn.ts';
import type { ServerSet } from '../cluster/servers.ts';
import { PgError } from '../errors/pg-error.ts';
import { fromPg, type SqlClient } from '../pg/sql-client.ts';
import { quoteIdent } from '../worker/chunk-runner.ts';
import { ServerFault } from './chunk-faults.ts';

/** How long a statement waits for a replica to replay its start position before it tries the next server. */
export const SNAPSHOT_REPLAY_WAIT_MS = 200;
const POLL_MS = 5;

export interface ReplicaHost {
  server: string;
  /** The connection: final merge and fallbacks run here, in the snapshot. */
  client: SqlClient;
  snapshot: string;
  /** COMMIT (ok) or ROLLBACK, then gives the connection back (drops it when `broken`). */
  close(ok: boolean, broken?: boolean): Promise<void>;
}

/**
 * Opens the statement's transaction on replica `server`: waits up to SNAPSHOT_REPLAY_WAIT_MS until it has
 * replayed `minLsn`, then `BEGIN REPEATABLE READ READ ONLY`, the role, the settings (transaction-local) and
 * `pg_export_snapshot()` in one statement, which takes the snapshot after the replay check. Null when the
 * replica did not catch up in time. Throws what the connection threw (see `replicaBroke`).
 *
 * @example
 *   const host = await openReplicaHost(servers, 'r1', minLsn, 'alice', { TimeZone: 'UTC' });
 *   if (host) { await host.client.query('SELECT 1'); await host.close(true); }
 */
export async function openReplicaHost(
  servers: ServerSet,
  server: string,
  minLsn: bigint,
  role: string | null,
  settings: Record<string, string>,
): Promise<ReplicaHost | null> {
  const conn = await servers.connect(server);
  let lost = false;
  const onError = (): void => {
    lost = true;
  };
  conn.on('error', onError);
  const release = (broken: boolean): void => {
    if (!(broken || lost)) conn.off('error', onError);
    conn.release(broken || lost);
  };
  try {
    const lsn = formatLsn(minLsn);
    const until = performance.now() + SNAPSHOT_REPLAY_WAIT_MS;
    for (;;) {
      const res = await conn.query({
        text: 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok',
        values: [lsn],
      });
      if ((res.rows[0] as { ok: string | null }).ok === 't') break;
      if (performance.now() >= until) {
        release(false);
        return null;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    await conn.query(
      `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY${role === null ? '' : `; SET LOCAL ROLE ${quoteIdent(role)}`}`,
    );
    const entries = Object.entries(settings);
    const calls = entries.map((_, i) => `, set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join('');
    const res = await conn.query({
      text: `SELECT pg_export_snapshot() AS snapshot${calls}`,
      values: entries.flat(),
    });
    const snapshot = String((res.rows[0] as { snapshot: string }).snapshot);
    return {
      server,
      client: fromPg(conn),
      snapshot,
      close: async (ok, broken = false) => {
        try {
          if (!broken && !lost) await conn.query(ok ? 'COMMIT' : 'ROLLBACK');
        } catch {
          broken = true;
        }
        release(broken);
      },
    };
  } catch (err) {
    if (!lost) await conn.query('ROLLBACK').catch(() => {});
    release(true);
    throw err;
  }
}

const GONE_CODES = /^(08...|57P0[1-4])$/;

/**
 * Whether an error met while a statement ran on a replica means the replica is gone (its connection failed
 * or broke, it shut down): then it leaves the rotation. PostgreSQL's verdict on the statement is not.
 */
export function replicaBroke(err: unknown): boolean {
  if (err instanceof ServerFault) return err.reason === 'unavailable';
  if (err instanceof PgError || err instanceof pg.DatabaseError) return GONE_CODES.test(err.code ?? '');
  return true;
}
