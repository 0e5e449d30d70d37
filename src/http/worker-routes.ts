// Worker self-registration routes: register (and heartbeat), drain, deregister; all need the shared secret.
import type http from 'node:http';
import type { Logger } from 'pino';
import { type Registration, WorkerIdTaken, type WorkerRegistry } from '../cluster/registry.ts';
import {
  duplicateObject,
  invalidAuthorization,
  invalidParameter,
  objectNotInPrerequisiteState,
  undefinedObject,
} from '../errors/codes.ts';
import { PgError } from '../errors/pg-error.ts';
import { bearerMatches } from '../worker/auth.ts';
import { parseJsonObject } from './json-body.ts';
import { BodyTooLargeError, readBody } from './read-body.ts';
import { type Handler, HttpError, type Routes, sendJson } from './respond.ts';

export interface WorkerApiOptions {
  registry: WorkerRegistry;
  /** The coordinator–worker secret, presented as `Authorization: Bearer <secret>`. */
  secret: string;
  logger: Logger;
}

const MAX_BODY = 64 * 1024;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/**
 * `POST /api/workers/register` `{id?, url, pid?, concurrency?}` → 201 (new) or 200 (heartbeat) with the
 * worker as `GET /api/workers` lists it; `POST /api/workers/drain` and `POST /api/workers/deregister`
 * `{id}` → 200. Without the secret: 401 (SQLSTATE 28000), logged. Unknown id: 404 (42704).
 *
 * @example
 *   const routes = { ...workerRoutes({ registry, secret, logger }) };
 */
export function workerRoutes(opts: WorkerApiOptions): Routes {
  const { registry, logger } = opts;

  const guarded =
    (handle: (body: Record<string, unknown>) => { status: number; body: unknown }): Handler =>
    async (req, res) => {
      authenticate(req, opts);
      const answer = handle(await jsonBody(req));
      sendJson(res, answer.status, answer.body);
    };

  const known = (id: string) => {
    const info = registry.get(id);
    if (!info) throw new HttpError(404, undefinedObject(`worker "${id}" is not registered`));
    return info;
  };

  return {
    '/api/workers/register': {
      POST: guarded((body) => {
        const reg = parseRegistration(body);
        try {
          const { info, created } = registry.register(reg);
          if (!created) logger.debug({ worker: info.id }, 'worker heartbeat');
          return { status: created ? 201 : 200, body: info };
        } catch (err) {
          if (err instanceof WorkerIdTaken) throw new HttpError(409, duplicateObject(err.message));
          throw err;
        }
      }),
    },
    '/api/workers/drain': {
      POST: guarded((body) => {
        const id = parseId(body);
        known(id);
        return { status: 200, body: registry.drain(id) };
      }),
    },
    '/api/workers/deregister': {
      POST: guarded((body) => {
        const id = parseId(body);
        const info = known(id);
        if (info.source !== 'registered') {
          throw new HttpError(
            409,
            objectNotInPrerequisiteState(
              `worker "${id}" is a ${info.source} worker; only self-registered workers deregister`,
            ),
          );
        }
        registry.remove(id, 'it deregistered');
        return { status: 200, body: { ...info, removed: true } };
      }),
    },
  };
}

function authenticate(req: http.IncomingMessage, opts: WorkerApiOptions): void {
  if (bearerMatches(req.headers.authorization, opts.secret)) return;
  const path = (req.url ?? '/').split('?')[0];
  opts.logger.warn(
    { remote: req.socket.remoteAddress, path },
    'worker API request with a missing or wrong secret',
  );
  req.resume();
  throw new HttpError(401, invalidAuthorization('worker authentication failed: wrong or missing secret'));
}

async function jsonBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readBody(req, MAX_BODY);
  } catch (err) {
    if (err instanceof BodyTooLargeError)
      throw new HttpError(413, new PgError({ code: '54000', message: err.message }));
    throw err;
  }
  return parseJsonObject(text);
}

function parseId(body: Record<string, unknown>): string {
  onlyKeys(body, ['id']);
  if (typeof body.id !== 'string' || !ID.test(body.id)) {
    throw invalidParameter('"id" must be a worker id (letters, digits and . _ : @ -, at most 128)');
  }
  return body.id;
}

/**
 * Validates a registration body; the URL is reduced to its origin (chunks go to `<origin>/v1/chunk`).
 *
 * @example
 *   parseRegistration({ url: 'http://10.0.0.7:7000/', pid: 12 }); // { url: 'http://10.0.0.7:7000', pid: 12 }
 */
export function parseRegistration(body: Record<string, unknown>): Registration {
  onlyKeys(body, ['id', 'url', 'pid', 'concurrency']);
  let url: URL | null = null;
  try {
    url = typeof body.url === 'string' ? new URL(body.url) : null;
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw invalidParameter('"url" must be the http:// URL the coordinator reaches the worker at');
  }
  const reg: Registration = { url: url.origin };
  if (body.id !== undefined) reg.id = parseId({ id: body.id });
  if (body.pid !== undefined) {
    if (!Number.isSafeInteger(body.pid) || (body.pid as number) < 1) {
      throw invalidParameter('"pid" must be a positive integer');
    }
    reg.pid = body.pid as number;
  }
  if (body.concurrency !== undefined) {
    const c = body.concurrency;
    if (!Number.isSafeInteger(c) || (c as number) < 1 || (c as number) > 1024) {
      throw invalidParameter('"concurrency" must be an integer from 1 to 1024');
    }
    reg.concurrency = c as number;
  }
  return reg;
}

function onlyKeys(body: Record<string, unknown>, keys: string[]): void {
  for (const key of Object.keys(body)) {
    if (!keys.includes(key)) throw invalidParameter(`unrecognized field "${key}" in request body`);
  }
}
