// Mini-Balancer's `serve` (coordinator, local workers, HTTP API, PostgreSQL-protocol gateway) as a child process.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { finished, freePort, onCleanup, startGroup, stopGroup } from './processes.ts';

export interface Gateway {
  /** The PostgreSQL-protocol port on 127.0.0.1. */
  pgPort: number;
  httpUrl: string;
  logFile: string;
  /** The Prometheus text of GET /metrics. */
  metrics(): Promise<string>;
  /** SIGTERM (graceful shutdown), SIGKILL after 15 s; idempotent. */
  stop(): Promise<void>;
}

export interface GatewayOptions {
  repoRoot: string;
  /** The coordinator's database URL: sessions of its user and database may be split. */
  databaseUrl: string;
  workers: number;
  costThreshold: number;
  /** More `serve` flags, e.g. ['--chunk-timeout-ms', '30000']. */
  extraArgs: string[];
  logFile: string;
}

/**
 * Starts `node bin/mini-balancer.js serve` on free ports and resolves once its HTTP API answers
 * /healthz and its gateway accepts connections.
 *
 * @example
 *   const gw = await startGateway({ repoRoot, databaseUrl, workers: 2, costThreshold: 10, logFile });
 *   // psql -h 127.0.0.1 -p ${gw.pgPort}
 *   await gw.stop();
 */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const [pgPort, httpPort] = [await freePort(), await freePort()];
  const args = [
    path.join(opts.repoRoot, 'bin', 'mini-balancer.js'),
    'serve',
    '--database-url',
    opts.databaseUrl,
    '--pg-port',
    String(pgPort),
    '--http-port',
    String(httpPort),
    '--workers',
    String(opts.workers),
    '--cost-threshold',
    String(opts.costThreshold),
    // The regression tables are small: auto mode's 8 MB floor would run every statement whole.
    '--min-split-pages',
    '0',
    ...opts.extraArgs,
  ];
  // Only our flags configure it: no MB_* settings leak in from the environment (the log level may).
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('MB_') || k === 'MB_LOG_LEVEL'),
  );
  const child = startGroup(process.execPath, args, { logFile: opts.logFile, env, cwd: opts.repoRoot });
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= stopGroup(child, 15_000);
    return stopping;
  };
  onCleanup(stop);
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const exited = finished(child).then((f) => {
    const tail = fs.readFileSync(opts.logFile, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
    throw new Error(
      `the gateway exited (code ${f.code}, signal ${f.signal}) before it was ready; log: ${opts.logFile}\n${tail}`,
    );
  });
  const ready = (async () => {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if ((await httpOk(`${httpUrl}/healthz`)) && (await accepts(pgPort))) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`the gateway was not ready within 90 s; log: ${opts.logFile}`);
  })();
  try {
    await Promise.race([ready, exited]);
  } catch (err) {
    await stop();
    throw err;
  }
  exited.catch(() => {}); // it exits when stopped
  return {
    pgPort,
    httpUrl,
    logFile: opts.logFile,
    metrics: async () => {
      const res = await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
      return res.text();
    },
    stop,
  };
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
