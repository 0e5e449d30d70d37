// GET /api/servers: the primary and each read replica with its role, state, lag, replay position and load.
import type { ServerInfo } from '../cluster/server-info.ts';
import { type Routes, sendJson } from './respond.ts';

/** What the HTTP layer shows of the database servers (the `ServerSet` satisfies it). */
export interface ServerView {
  list(): ServerInfo[];
}

/**
 * @example
 *   const routes = { ...serverRoutes(servers) }; // GET /api/servers → ServerInfo[]
 */
export function serverRoutes(servers: ServerView | undefined): Routes {
  return { '/api/servers': { GET: async (_req, res) => sendJson(res, 200, servers?.list() ?? []) } };
}
