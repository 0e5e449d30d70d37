// The one query method the catalog and the coordinator need of a PostgreSQL connection: a pooled node-postgres
// client over HTTP requests, or the client session's own backend in the gateway (src/gateway/backend-channel.ts).
import type pg from 'pg';

export interface SqlQuery {
  text: string;
  /** Parameter values as node-postgres sends them (arrays become array literals); null is SQL NULL. */
  values?: readonly unknown[];
  /** 'array': rows as arrays of text; otherwise objects keyed by column name. */
  rowMode?: 'array';
  /**
   * A name for a statement sent often: node-postgres prepares it once per connection (PostgreSQL then skips
   * parsing and planning it); other clients may ignore it. The text under one name must never change.
   */
  name?: string;
}

export interface SqlResult {
  // biome-ignore lint/suspicious/noExplicitAny: rows are arrays or objects of text, as rowMode asks
  rows: any[];
  fields: { name: string; dataTypeID: number }[];
}

/** Every value comes back as PostgreSQL's text output (null for NULL), never parsed into JavaScript types. */
export interface SqlClient {
  query(q: string | SqlQuery): Promise<SqlResult>;
}

/**
 * A node-postgres client (configured with RAW_TEXT type parsing) as a SqlClient.
 *
 * @example
 *   const sql = fromPg(await pool.connect());
 *   await sql.query({ text: 'SELECT $1::int', values: ['1'], rowMode: 'array' });
 */
export function fromPg(client: pg.ClientBase): SqlClient {
  return {
    query: (q) =>
      (typeof q === 'string'
        ? client.query(q)
        : client.query({
            text: q.text,
            ...(q.values ? { values: q.values as unknown[] } : {}),
            ...(q.rowMode ? { rowMode: q.rowMode } : {}),
            ...(q.name ? { name: q.name } : {}),
          })) as Promise<SqlResult>,
  };
}
