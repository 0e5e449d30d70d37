// Who may use the HTTP API and dashboard: everyone on loopback; off loopback only holders of the access token.
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { bearerMatches } from '../worker/auth.ts';

/** The cookie the dashboard's requests (fetch, EventSource, assets) carry once a valid `?token=` was presented. */
export const TOKEN_COOKIE = 'mb_token';

/** Paths with their own authentication (the worker secret) or none needed (liveness probes). */
const OPEN_PATHS = new Set([
  '/healthz',
  '/api/workers/register',
  '/api/workers/drain',
  '/api/workers/deregister',
]);

export interface Access {
  /** Null: no token needed (bound to loopback and none configured). */
  token: string | null;
  /** Whether the request may go on. */
  allows(req: http.IncomingMessage, path: string): boolean;
  /** A valid `?token=` on the request, to turn into the cookie. */
  presentedInQuery(req: http.IncomingMessage): boolean;
  cookie(): string;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * A token is required when one is configured (`token`, else env `MB_HTTP_TOKEN`) or when the server binds
 * off loopback, in which case a random one is made up (the caller logs it). Presented as
 * `Authorization: Bearer <token>`, `?token=<token>` or the `mb_token` cookie.
 *
 * @example
 *   const access = accessFor('0.0.0.0', undefined); // access.token: a random token
 *   access.allows(req, '/api/query');
 */
export function accessFor(host: string, configured: string | undefined): Access {
  const env = process.env.MB_HTTP_TOKEN;
  const token =
    configured ??
    (env !== undefined && env !== '' ? env : isLoopback(host) ? null : randomBytes(18).toString('base64url'));
  const bearer = (value: string | undefined) =>
    token !== null && bearerMatches(`Bearer ${value ?? ''}`, token);
  const fromQuery = (req: http.IncomingMessage) =>
    new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? undefined;
  const fromCookie = (req: http.IncomingMessage) => {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [name, ...value] = part.trim().split('=');
      if (name === TOKEN_COOKIE) return decodeURIComponent(value.join('='));
    }
    return undefined;
  };
  return {
    token,
    allows(req, path) {
      if (token === null || OPEN_PATHS.has(path)) return true;
      return (
        (token !== null && bearerMatches(req.headers.authorization, token)) ||
        bearer(fromCookie(req)) ||
        bearer(fromQuery(req))
      );
    },
    presentedInQuery: (req) => bearer(fromQuery(req)),
    cookie: () => `${TOKEN_COOKIE}=${encodeURIComponent(token ?? '')}; HttpOnly; SameSite=Strict; Path=/`,
  };
}
