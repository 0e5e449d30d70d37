// Validates the JSON body of a chunk request (the coordinator is trusted, but a bad body must not reach SQL).
import { invalidRequest } from '../errors/codes.ts';
import type { PgError } from '../errors/pg-error.ts';
import type { ChunkRequest } from './protocol.ts';

/** Exported snapshot ids look like `00000003-0000001B-1`. */
const SNAPSHOT_ID = /^[0-9A-F]+(-[0-9A-F]+)+$/i;
const SERVER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const LSN = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i;

/**
 * Parses and checks a chunk request body; throws PgError 08P01 when it does not match `ChunkRequest`.
 *
 * @example
 *   parseChunkRequest('{"id":"q1/0","sql":"SELECT 1","params":[],"snapshot":null,"role":null,"settings":{}}');
 */
export function parseChunkRequest(text: string): ChunkRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidRequest('chunk request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('chunk request body must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  const bad = (what: string): PgError => invalidRequest(`invalid chunk request: ${what}`);
  if (typeof b.id !== 'string') throw bad('"id" must be a string');
  if (typeof b.sql !== 'string' || b.sql.trim() === '') throw bad('"sql" must be a non-empty string');
  const params = b.params ?? [];
  if (!Array.isArray(params) || !params.every((p) => p === null || typeof p === 'string')) {
    throw bad('"params" must be an array of strings and nulls');
  }
  const snapshot = b.snapshot ?? null;
  if (snapshot !== null && (typeof snapshot !== 'string' || !SNAPSHOT_ID.test(snapshot))) {
    throw bad('"snapshot" must be null or a snapshot id');
  }
  const role = b.role ?? null;
  if (role !== null && (typeof role !== 'string' || role === '')) {
    throw bad('"role" must be null or a role name');
  }
  const settings = b.settings ?? {};
  if (
    typeof settings !== 'object' ||
    settings === null ||
    Array.isArray(settings) ||
    !Object.values(settings).every((v) => typeof v === 'string')
  ) {
    throw bad('"settings" must be an object of strings');
  }
  const out: ChunkRequest = {
    id: b.id,
    sql: b.sql,
    params: params as (string | null)[],
    snapshot: snapshot as string | null,
    role: role as string | null,
    settings: settings as Record<string, string>,
  };
  const server = b.server ?? null;
  if (server !== null) {
    const s = server as Record<string, unknown>;
    // The URL carries credentials: it is checked, never echoed in an error.
    if (
      typeof server !== 'object' ||
      Array.isArray(server) ||
      typeof s.id !== 'string' ||
      !SERVER_ID.test(s.id)
    )
      throw bad('"server" must be null or {"id", "url"} with a server id');
    if (typeof s.url !== 'string' || !/^postgres(ql)?:\/\//.test(s.url))
      throw bad('"server.url" must be a postgres:// URL');
    out.server = { id: s.id, url: s.url };
  }
  const minLsn = b.minLsn ?? null;
  if (minLsn !== null) {
    if (typeof minLsn !== 'string' || !LSN.test(minLsn)) throw bad('"minLsn" must be null or a WAL position');
    out.minLsn = minLsn;
  }
  return out;
}
