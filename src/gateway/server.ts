// The PostgreSQL protocol 3.0 server: any Postgres client connects here, each session gets its own backend.
import net from 'node:net';
import type { Logger } from 'pino';
import { Session, type SessionContext } from './session.ts';
import type { GatewayCoordinator } from './split-query.ts';

export interface GatewayOptions {
  /** The PostgreSQL to relay to, as the coordinator's URL (host, port, user and database are used). */
  databaseUrl: string;
  coordinator: GatewayCoordinator;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
}

export interface GatewayServer {
  host: string;
  port: number;
  /** Closes the listener and every session. */
  close(): Promise<void>;
}

/**
 * Starts the gateway. Clients authenticate against PostgreSQL itself over their own backend connection;
 * single SELECTs of idle sessions with default settings may be split by the coordinator.
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
    coordinator: opts.coordinator,
    user: decodeURIComponent(url.username),
    database: decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username),
    logger: opts.logger,
    byKey: new Map(),
  };
  const sessions = new Set<Session>();
  const server = net.createServer((socket) => {
    try {
      const session = new Session(socket, ctx);
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sessions) s.close();
      }),
  };
}
