// Runs one chunk on a pooled connection: snapshot transaction, role, settings, the shard query streamed out.
import pg from 'pg';
import type { NdjsonWriter } from './ndjson-writer.ts';
import type { ChunkRequest, FieldInfo } from './protocol.ts';

/** What node-postgres keeps on a client but does not declare in its types. */
type RawClient = pg.PoolClient & { processID: number | null; connection: { stream: NodeJS.ReadableStream } };

/** RowDescription as pg-protocol parses it. */
interface RowDescription {
  fields: { name: string; dataTypeID: number; dataTypeModifier: number }[];
}

/** Thrown when the HTTP client went away; the caller cancels the backend and drops the connection. */
export class ChunkAborted extends Error {
  constructor() {
    super('chunk request aborted by the coordinator');
    this.name = 'ChunkAborted';
  }
}

/** Thrown when the chunk's server did not replay `minLsn` within `REPLAY_WAIT_MS`. */
export class ReplayBehind extends Error {
  constructor(readonly minLsn: string) {
    super(`the server had not replayed the WAL up to ${minLsn} after ${REPLAY_WAIT_MS} ms`);
    this.name = 'ReplayBehind';
  }
}

/** How long a chunk waits for its server to replay `minLsn` (then the coordinator picks another server). */
export const REPLAY_WAIT_MS = 1000;
const REPLAY_POLL_MS = 10;

/** How long a canceled statement may take to stop before the connection is dropped regardless. */
const CANCEL_GRACE_MS = 2000;

export const quoteLiteral = (s: string): string => `'${s.replaceAll("'", "''")}'`;
export const quoteIdent = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/**
 * The statements that open a chunk's transaction, sent as one simple-query round trip. `SET TRANSACTION
 * SNAPSHOT` must be the first statement of the transaction, and the role is set before any setting so the
 * settings are applied with the client's privileges.
 */
export function beginSql(req: Pick<ChunkRequest, 'snapshot' | 'role'>): string {
  const parts = ['BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'];
  if (req.snapshot !== null) parts.push(`SET TRANSACTION SNAPSHOT ${quoteLiteral(req.snapshot)}`);
  if (req.role !== null) parts.push(`SET LOCAL ROLE ${quoteIdent(req.role)}`);
  return parts.join('; ');
}

/** All settings in one statement: `SELECT set_config($1, $2, true), set_config($3, $4, true), ...`. */
export function settingsQuery(settings: Record<string, string>): { text: string; values: string[] } | null {
  const entries = Object.entries(settings);
  if (entries.length === 0) return null;
  const calls = entries.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`);
  return { text: `SELECT ${calls.join(', ')}`, values: entries.flat() };
}

export interface ChunkRunContext {
  client: pg.PoolClient;
  out: NdjsonWriter;
  signal: AbortSignal;
  /** Called once when the signal fires during the shard query: must stop the backend's statement. */
  cancel: (pid: number) => Promise<unknown>;
}

/**
 * Runs the chunk inside its transaction and streams the result to `out`; returns the row count after
 * COMMIT. Throws PostgreSQL's error (the caller rolls back) or `ChunkAborted`.
 */
export async function runChunkTransaction(ctx: ChunkRunContext, req: ChunkRequest): Promise<number> {
  const { client, signal } = ctx;
  const check = (): void => {
    if (signal.aborted) throw new ChunkAborted();
  };
  check();
  // Before BEGIN, on the same connection: the transaction's snapshot is taken by its first query below, so it
  // sees everything replayed up to minLsn.
  if (req.minLsn) await awaitReplay(client, req.minLsn, check);
  await client.query(beginSql(req));
  const settings = settingsQuery(req.settings);
  if (settings) {
    check();
    await client.query(settings);
  }
  check();
  const rows = await streamShardQuery(ctx, req);
  await client.query('COMMIT');
  return rows;
}

/** Polls `pg_last_wal_replay_lsn()` until it reaches `minLsn`; throws ReplayBehind after REPLAY_WAIT_MS. */
async function awaitReplay(client: pg.PoolClient, minLsn: string, check: () => void): Promise<void> {
  const until = performance.now() + REPLAY_WAIT_MS;
  for (;;) {
    const res = await client.query({
      text: 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok',
      values: [minLsn],
    });
    if ((res.rows[0] as { ok: string | null }).ok === 't') return;
    if (performance.now() >= until) throw new ReplayBehind(minLsn);
    await new Promise((resolve) => setTimeout(resolve, REPLAY_POLL_MS));
    check();
  }
}

/**
 * The shard statement as one extended-protocol query (unnamed statement, Execute without a row limit),
 * rows forwarded as they arrive. When the HTTP reader falls
 * behind, the PostgreSQL socket is paused, so PostgreSQL itself waits (ClientWrite) and memory stays bounded.
 */
function streamShardQuery(ctx: ChunkRunContext, req: ChunkRequest): Promise<number> {
  const { out, signal } = ctx;
  const client = ctx.client as RawClient;
  const socket = client.connection.stream;
  return new Promise((resolve, reject) => {
    const query = new pg.Query({
      text: req.sql,
      values: req.params,
      rowMode: 'array',
      queryMode: 'extended',
    } as pg.QueryConfig) as pg.Query & { handleRowDescription(msg: RowDescription): void };
    let fieldsSent = false;
    let rows = 0;
    let paused = false;
    let settled = false;

    // pg.Query has no event for RowDescription; the fields line must go out before the first row, even
    // for an empty result.
    const describe = query.handleRowDescription.bind(query);
    query.handleRowDescription = (msg) => {
      describe(msg);
      if (fieldsSent) return;
      fieldsSent = true;
      const fields: FieldInfo[] = msg.fields.map((f) => ({
        name: f.name,
        typeOid: f.dataTypeID,
        typmod: f.dataTypeModifier,
      }));
      out.fields(fields);
    };

    const resume = (): void => {
      if (!paused) return;
      paused = false;
      socket.resume();
    };
    const onAbort = (): void => {
      if (settled) return;
      resume();
      const pid = client.processID;
      const giveUp = (): void => {
        // The statement did not stop after the cancel: the caller drops the connection instead.
        setTimeout(() => finish(null), CANCEL_GRACE_MS).unref();
      };
      if (pid === null) giveUp();
      else void ctx.cancel(pid).then(giveUp);
    };
    const finish = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resume();
      if (signal.aborted) reject(new ChunkAborted());
      else if (err) reject(err);
      else {
        if (!fieldsSent) out.fields([]);
        resolve(rows);
      }
    };

    query.on('row', (row: (string | null)[]) => {
      rows += 1;
      if (signal.aborted) return;
      if (!out.row(row) && !paused) {
        paused = true;
        socket.pause();
        void out.drained().then(resume);
      }
    });
    query.on('error', (err) => finish(err));
    query.on('end', () => finish(null));
    signal.addEventListener('abort', onAbort, { once: true });
    client.query(query);
  });
}
