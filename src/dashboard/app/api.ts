// Calls to the coordinator's HTTP API (same origin; the access cookie, when needed, rides along).
import type { ApiErrorBody, QueryMode, QueryResult } from './types.ts';

/** A statement that failed: PostgreSQL's SQLSTATE and message, or a network failure (code `08006`). */
export class QueryError extends Error {
  constructor(
    readonly error: ApiErrorBody,
    readonly status: number,
  ) {
    super(error.message);
  }
}

export interface QueryBody {
  sql: string;
  mode: QueryMode;
  chunks?: number;
}

/**
 * @example
 *   const result = await runQuery({ sql: 'SELECT 1', mode: 'auto' }, controller.signal);
 */
export async function runQuery(body: QueryBody, signal?: AbortSignal): Promise<QueryResult> {
  let res: Response;
  try {
    res = await fetch('api/query', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (signal?.aborted)
      throw new QueryError({ code: '57014', message: 'canceled: the statement was stopped' }, 0);
    throw new QueryError(
      { code: '08006', message: `cannot reach the coordinator: ${(err as Error).message}` },
      0,
    );
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new QueryError({ code: 'XX000', message: `unexpected answer (HTTP ${res.status})` }, res.status);
  }
  if (!res.ok) {
    const error = (parsed as { error?: ApiErrorBody }).error;
    throw new QueryError(error ?? { code: 'XX000', message: `HTTP ${res.status}` }, res.status);
  }
  return parsed as QueryResult;
}
