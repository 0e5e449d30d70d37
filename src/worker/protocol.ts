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
 * - last, exactly one of `{"done": {"rows": n, "ms": m}}` or `{"error": PgErrorFields}`.
 * A response that ends without one of the last two lines is a failed chunk (the worker died).
 */
export type ChunkLine =
  | { fields: FieldInfo[] }
  | { rows: (string | null)[][] }
  | { done: { rows: number; ms: number } }
  | { error: { code: string; message: string; detail?: string; hint?: string; position?: string } };

export const CHUNK_PATH = '/v1/chunk';
