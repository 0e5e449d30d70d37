// Cancels a running statement of another backend (`pg` has no cancel API): pg_cancel_backend on a fresh connection.
import pg from 'pg';

/**
 * Asks PostgreSQL to cancel whatever backend `pid` is running. Resolves true when the signal was sent;
 * never throws (a failed cancel only means the caller must also drop the connection, which it does).
 *
 * @example
 *   await cancelBackend(databaseUrl, client.processID);
 */
export async function cancelBackend(databaseUrl: string, pid: number, timeoutMs = 5000): Promise<boolean> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: timeoutMs,
    application_name: 'mini-balancer cancel',
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const res = await client.query<{ ok: boolean }>('SELECT pg_cancel_backend($1) AS ok', [pid]);
    return res.rows[0]?.ok === true;
  } catch {
    return false;
  } finally {
    client.end().catch(() => {});
  }
}
