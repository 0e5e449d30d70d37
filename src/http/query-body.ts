// Validates the JSON body of /api/query and /api/explain into a QueryRequest (08P01 / 22023 on bad input).
import { invalidParameter, invalidRequest } from '../errors/codes.ts';
import type { QueryMode, QueryRequest } from '../exec/api.ts';
import { parseJsonObject } from './json-body.ts';

const MODES: readonly QueryMode[] = ['auto', 'parallel', 'passthrough'];
const KEYS = new Set(['sql', 'params', 'mode', 'chunks']);
export const MAX_CHUNKS = 1024;

/**
 * Parses `{"sql": "...", "params"?: [...], "mode"?: "auto"|"parallel"|"passthrough", "chunks"?: n}`.
 * Not JSON, not an object or no `sql` → 08P01; a bad field value or an unknown field → 22023.
 *
 * @example
 *   parseQueryBody('{"sql":"SELECT $1::int","params":["1"]}'); // { sql: 'SELECT $1::int', params: ['1'] }
 */
export function parseQueryBody(text: string): QueryRequest {
  const b = parseJsonObject(text);
  if (typeof b.sql !== 'string' || b.sql.trim() === '') {
    throw invalidRequest('request body must have "sql", a non-empty string');
  }
  for (const key of Object.keys(b)) {
    if (!KEYS.has(key)) throw invalidParameter(`unrecognized field "${key}" in request body`);
  }
  const req: QueryRequest = { sql: b.sql };
  if (b.params !== undefined) {
    if (!Array.isArray(b.params) || !b.params.every((p) => p === null || typeof p === 'string')) {
      throw invalidParameter('"params" must be an array of strings and nulls (values in text format)');
    }
    req.params = b.params as (string | null)[];
  }
  if (b.mode !== undefined) {
    if (!MODES.includes(b.mode as QueryMode)) {
      throw invalidParameter(`"mode" must be one of ${MODES.map((m) => `"${m}"`).join(', ')}`);
    }
    req.mode = b.mode as QueryMode;
  }
  if (b.chunks !== undefined) {
    if (
      typeof b.chunks !== 'number' ||
      !Number.isInteger(b.chunks) ||
      b.chunks < 1 ||
      b.chunks > MAX_CHUNKS
    ) {
      throw invalidParameter(`"chunks" must be an integer from 1 to ${MAX_CHUNKS}`);
    }
    req.chunks = b.chunks;
  }
  return req;
}
