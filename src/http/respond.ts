// What every HTTP route shares: the handler type, JSON answers, and errors that carry their HTTP status.
import type http from 'node:http';
import type { PgError } from '../errors/pg-error.ts';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

/** Handlers by path, then by method. */
export type Routes = Record<string, Partial<Record<string, Handler>>>;

/** A PgError answered with a given HTTP status (404, 405, 401, ...) rather than the one its SQLSTATE maps to. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: PgError,
  ) {
    super(error.message);
  }
}

export function sendError(res: http.ServerResponse, status: number, err: PgError): void {
  sendJson(res, status, { error: err.toJSON() });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
