// The PostgreSQL protocol 3.0 server: any Postgres client connects here, each session gets its own backend.
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import type { QueryRequest, QueryResult } from '../exec/api.ts';
import { adoptClientSocket } from './client-socket.ts';
import type { GatewayCoordinator } from './intercept.ts';
import { Session, type SessionContext } from './session.ts';
import { ShapeCache } from './shape-cache.ts';

export interface GatewayOptions {
  /** The PostgreSQL to relay to, as the coordinator's URL (host, port and database are used). */
  databaseUrl: string;
  coordinator: GatewayCoordinator;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** PEM certificate and key: clients may then use TLS (SSLRequest is answered 'S'). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** TLS to PostgreSQL when it offers it (default), or never. */
  backendTls?: 'prefer' | 'disable';
  /** Client connections at once; more are answered 53300 (default 1000). */
  maxConnections?: number;
  /** A client must have authenticated within this time (default 60 s, as PostgreSQL's authentication_timeout). */
  authTimeoutMs?: number;
  /**
   * Also split statements whose row order PostgreSQL leaves to its plan (no ORDER BY over every column):
   * the rows are the same, their order may differ. Off by default: clients see PostgreSQL's order.
   */
  splitUnordered?: boolean;
  /** Called for every statement the gateway split (history, metrics). */
  onSplit?: (request: QueryRequest, result: QueryResult, ms: number) => void;
  logger: Logger;
}

export interface GatewayServer {
  host: string;
  port: number;
  /** Client connections open now. */
  connections(): number;
  /** Closes the listener and every session. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_CONNECTIONS = 1000;
export const DEFAULT_AUTH_TIMEOUT_MS = 60_000;

/**
 * Starts the gateway. Clients authenticate against PostgreSQL itself over their own backend connection;
 * single SELECTs are planned on that connection and split when it pays.
 *
 * @example
 *   const gw = await startGatewayServer({ databaseUrl, coordinator, port: 6432, logger });
 *   // psql "postgresql://user@127.0.0.1:6432/db"
 *   await gw.close();
 */
export async function startGatewayServer(opts: GatewayOptions): Promise<GatewayServer> {
  const url = new URL(opts.databaseUrl);
  const ctx: SessionContext = {
    backend: {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
      port: Number(url.port || 5432),
    },
    backendTls: opts.backendTls ?? 'prefer',
    tls: opts.tls ? tls.createSecureContext({ cert: opts.tls.cert, key: opts.tls.key }) : undefined,
    coordinator: opts.coordinator,
    database: decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username),
    authTimeoutMs: opts.authTimeoutMs ?? DEFAULT_AUTH_TIMEOUT_MS,
    splitUnordered: opts.splitUnordered ?? false,
    logger: opts.logger,
    byKey: new Map(),
    shapes: new ShapeCache(),
    onSplit: opts.onSplit,
  };
  const limit = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const sessions = new Set<Session>();
  // Accepted paused: adoptClientSocket moves each connection to a socket that reads into a shared buffer.
  const server = net.createServer({ pauseOnConnect: true }, (accepted) => {
    const socket = adoptClientSocket(accepted);
    try {
      const session = new Session(socket, ctx, sessions.size >= limit);
      sessions.add(session);
      socket.on('close', () => sessions.delete(session));
    } catch (err) {
      opts.logger.error({ err }, 'gateway session failed to start');
      socket.destroy();
    }
  });
  server.on('error', (err) => opts.logger.error({ err: err.message }, 'gateway listener error'));
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  return {
    host,
    port: address.port,
    connections: () => sessions.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sessions) s.close();
      }),
  };
}
