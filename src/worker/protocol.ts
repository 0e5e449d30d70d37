// The coordinator–worker task protocol: what a chunk request carries and the NDJSON lines a worker streams back.

/** Sent by the coordinator: `POST /v1/chunk` with `Authorization: Bearer <secret>`, JSON body. */
export interface ChunkRequest {
  /** Opaque id for logs and cancellation: `<statementId>/<chunkIndex>`. */
  id: string;
  /** The shard statement; `$n` parameters are bound from `params` (text format, null = SQL NULL). */
  sql: string;
  params: (string | null)[];
  /** Snapshot exported by the coordinator (`pg_export_snapshot()`); every chunk imports it. */
  snapshot: string | null;
  /** Role to run as (`SET LOCAL ROLE`); null keeps the worker's connection role. */
  role: string | null;
  /** Result-affecting settings applied with `set_config(name, value, true)` inside the chunk's transaction. */
  settings: Record<string, string>;
  /**
   * The database server to run on when it is not the worker's own (`--database-url`, the primary): a
   * streaming replica, by id (for logs and faults) and connection URL (the worker keeps a pool per URL and
   * never logs it). Absent or null: the worker's own database.
   */
  server?: ChunkServer | null;
  /**
   * The server must have replayed the primary's WAL up to this position (`X/Y`) before the chunk's
   * transaction starts; the worker waits briefly, then gives up with a `behind` fault. Absent or null: no wait.
   */
  minLsn?: string | null;
}

export interface ChunkServer {
  id: string;
  url: string;
}

/**
 * Why a chunk failed because of its server rather than its statement (the error line's `fault`):
 * `unavailable` (cannot connect, connection lost, shut down), `behind` (did not replay `minLsn` in time),
 * `conflict` (a standby cancelled the query for a conflict with recovery). The coordinator retries the
 * chunk on another server and, for `unavailable`, takes the server out of the rotation.
 */
export interface ChunkFault {
  server: string;
  reason: 'unavailable' | 'behind' | 'conflict';
}

export interface FieldInfo {
  name: string;
  typeOid: number;
  typmod: number;
}

/**
 * Response body: NDJSON, one JSON value per line, in this order:
 * - `{"fields": FieldInfo[]}` once, when PostgreSQL describes the result;
 * - `{"rows": (string|null)[][]}` any number of times (batches of rows, values in text format);
 * - last, exactly one of `{"done": {"rows": n, "ms": m}}` or `{"error": PgErrorFields, "fault"?: ChunkFault}`.
 * A response that ends without one of the last two lines is a failed chunk (the worker died).
 */
export type ChunkLine =
  | { fields: FieldInfo[] }
  | { rows: (string | null)[][] }
  | { done: { rows: number; ms: number } }
  | {
      error: { code: string; message: string; detail?: string; hint?: string; position?: string };
      fault?: ChunkFault;
    };

export const CHUNK_PATH = '/v1/chunk';
