// The gateway's TLS, connection limit, authentication timeout and the cancel of a split statement, with real
// clients over real sockets against the suite's PostgreSQL.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServer } from '../cli/serve.ts';
import { RAW_TEXT } from '../pg/raw-text.ts';
import { MessageReader } from './message-reader.ts';

const run = promisify(execFile);
const databaseUrl = inject('databaseUrl');
const AUTH_TIMEOUT_MS = 400;
const MAX_CONNECTIONS = 3;

let server: RunningServer;
let dir: string;
let gatewayUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mb-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  try {
    await run('openssl', [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost'],
      ...['-keyout', key, '-out', cert],
    ]);
  } catch (err) {
    throw new Error(`openssl is needed to make a test certificate (apt-get install openssl): ${err}`);
  }
  server = await startServer({
    databaseUrl,
    workers: 2,
    httpPort: 0,
    pgPort: 0,
    restartDelayMs: null,
    logger: pino({ level: 'silent' }),
    gateway: {
      tls: { cert: await readFile(cert), key: await readFile(key) },
      maxConnections: MAX_CONNECTIONS,
      authTimeoutMs: AUTH_TIMEOUT_MS,
    },
  });
  const u = new URL(databaseUrl);
  u.hostname = '127.0.0.1';
  u.port = String(server.pgPort);
  gatewayUrl = u.toString();
});

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const AGGREGATE = 'SELECT l_returnflag, count(*), sum(l_quantity) FROM lineitem GROUP BY 1 ORDER BY 1';

describe('TLS between client and gateway', () => {
  it('node-postgres with ssl: encrypted, and answers equal the direct ones', async () => {
    const client = new pg.Client({
      connectionString: gatewayUrl,
      ssl: { rejectUnauthorized: false },
      types: RAW_TEXT,
    });
    const direct = new pg.Client({ connectionString: databaseUrl, types: RAW_TEXT });
    await Promise.all([client.connect(), direct.connect()]);
    try {
      const stream = (client as unknown as { connection: { stream: net.Socket } }).connection.stream;
      expect(stream).toBeInstanceOf(tls.TLSSocket);
      expect((stream as tls.TLSSocket).encrypted).toBe(true);
      const via = await client.query({ text: AGGREGATE, rowMode: 'array' });
      const straight = await direct.query({ text: AGGREGATE, rowMode: 'array' });
      expect(via.rows).toEqual(straight.rows);
    } finally {
      await Promise.all([client.end(), direct.end()]);
    }
  });

  it('psql with sslmode=require', async () => {
    const { stdout } = await run('/usr/bin/psql', [`${gatewayUrl}?sslmode=require`, '-XAtc', AGGREGATE], {
      env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
    });
    const { stdout: straight } = await run('/usr/bin/psql', [databaseUrl, '-XAtc', AGGREGATE]);
    expect(stdout).toBe(straight);
    expect(stdout.length).toBeGreaterThan(0);
  });
});

/** Opens a raw connection and collects what comes back until the gateway closes it. */
function untilClosed(send: Buffer | null): Promise<{ data: Buffer; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.pgPort as number, '127.0.0.1');
    const got: Buffer[] = [];
    socket.on('data', (d) => got.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve({ data: Buffer.concat(got), ms: Date.now() - started }));
    if (send) socket.write(send);
  });
}

function errorCode(data: Buffer): string | undefined {
  const reader = new MessageReader();
  reader.push(data);
  const err = reader.drain().find((m) => m.type === 'E');
  return err?.body.toString('latin1').match(/C([0-9A-Z]{5})\0/)?.[1];
}

describe('connections that never authenticate, and too many connections', () => {
  it('a client that sends nothing is disconnected after the authentication timeout with 57014', async () => {
    const { data, ms } = await untilClosed(null);
    expect(errorCode(data)).toBe('57014');
    expect(ms).toBeGreaterThanOrEqual(AUTH_TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(AUTH_TIMEOUT_MS + 5000);
  });

  it('a client stuck half way through its startup packet is disconnected too', async () => {
    const partial = Buffer.alloc(6);
    partial.writeInt32BE(40);
    const { data } = await untilClosed(partial);
    expect(errorCode(data)).toBe('57014');
  });

  it(`beyond ${MAX_CONNECTIONS} connections the next client gets 53300; the others go on`, async () => {
    const clients = Array.from(
      { length: MAX_CONNECTIONS },
      () => new pg.Client({ connectionString: gatewayUrl }),
    );
    try {
      await Promise.all(clients.map((c) => c.connect()));
      const extra = new pg.Client({ connectionString: gatewayUrl });
      extra.on('error', () => {});
      await expect(extra.connect()).rejects.toMatchObject({ code: '53300' });
      expect((await clients[0]?.query('SELECT 1 AS one'))?.rows).toEqual([{ one: 1 }]);
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
    }
    // Room again once they are gone.
    const later = new pg.Client({ connectionString: gatewayUrl });
    await later.connect();
    await later.end();
  });
});

describe('CancelRequest during a split statement', () => {
  it('answers 57014, leaves no chunk running, and the session goes on', async () => {
    const client = new pg.Client({ connectionString: gatewayUrl, types: RAW_TEXT });
    const watcher = new pg.Client({ connectionString: databaseUrl });
    await Promise.all([client.connect(), watcher.connect()]);
    const marker = 'mb_cancel_marker';
    try {
      const slow = client.query(
        `SELECT count(*) FROM lineitem a CROSS JOIN orders b WHERE a.l_orderkey + b.o_orderkey < 0 AND a.l_comment <> '${marker}'`,
      );
      const running = async () =>
        Number(
          (
            await watcher.query({
              text: "SELECT count(*) FROM pg_stat_activity WHERE query LIKE $1 AND state = 'active' AND pid <> pg_backend_pid()",
              values: [`%<> '${marker}'%`],
              rowMode: 'array',
            })
          ).rows[0]?.[0],
        );
      const deadline = Date.now() + 10_000;
      while ((await running()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await running()).toBeGreaterThan(0); // the shards are running on the workers
      const key = client as unknown as { processID: number; secretKey: number };
      const cancel = Buffer.alloc(16);
      cancel.writeInt32BE(16);
      cancel.writeInt32BE(80877102, 4);
      cancel.writeInt32BE(key.processID, 8);
      cancel.writeInt32BE(key.secretKey, 12);
      net.connect(server.pgPort as number, '127.0.0.1').end(cancel);
      await expect(slow).rejects.toMatchObject({ code: '57014' });
      const gone = Date.now() + 3000;
      while ((await running()) > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
      expect(await running()).toBe(0);
      expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: '2' }]);
    } finally {
      await Promise.all([client.end(), watcher.end()]);
    }
  });
});
