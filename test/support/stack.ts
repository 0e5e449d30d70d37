// A whole Mini-Balancer (workers, coordinator, HTTP API) on the suite's PostgreSQL, for end-to-end tests.
import { pino } from 'pino';
import { inject } from 'vitest';
import { type RunningServer, startServer } from '../../src/cli/serve.ts';

export interface QueryBody {
  sql: string;
  params?: (string | null)[];
  mode?: 'auto' | 'parallel' | 'passthrough';
  chunks?: number;
}

export interface TestStack {
  databaseUrl: string;
  httpUrl: string;
  /** The PostgreSQL protocol gateway's port on 127.0.0.1 (connect as the suite database's user). */
  pgPort: number;
  /** The running server (coordinator, workers), for spies. */
  server: RunningServer;
  // biome-ignore lint/suspicious/noExplicitAny: answers are JSON whose shape each test asserts on
  query(body: QueryBody): Promise<{ status: number; body: any }>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  explain(body: QueryBody): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/**
 * Starts workers (3 by default), the coordinator and the HTTP API on a free port, against the database
 * that test/support/global-setup.ts provides. Stop it in `afterAll`.
 *
 * @example
 *   const stack = await startTestStack();
 *   const { status, body } = await stack.query({ sql: 'SELECT count(*) FROM lineitem', mode: 'parallel' });
 *   await stack.stop();
 */
export async function startTestStack(
  opts: { workers?: number; costThreshold?: number; splitUnordered?: boolean } = {},
): Promise<TestStack> {
  const databaseUrl = inject('databaseUrl');
  const logger = pino(
    { level: process.env.MB_LOG_LEVEL ?? 'warn' },
    pino.destination({ dest: 2, sync: true }),
  );
  const server = await startServer({
    databaseUrl,
    workers: opts.workers ?? 3,
    httpPort: 0,
    pgPort: 0,
    gateway: { splitUnordered: opts.splitUnordered ?? false },
    logger,
    ...(opts.costThreshold !== undefined ? { costThreshold: opts.costThreshold } : {}),
  });
  const post = async (path: string, body: QueryBody) => {
    const res = await fetch(server.httpUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed };
  };
  return {
    databaseUrl,
    httpUrl: server.httpUrl,
    pgPort: server.pgPort as number,
    server,
    query: (body) => post('/api/query', body),
    explain: (body) => post('/api/explain', body),
    stop: () => server.stop(),
  };
}
