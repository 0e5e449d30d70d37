// The gateway's connection to PostgreSQL over TLS (PostgreSQL with ssl=on): relayed and split statements
// give the direct answers, and --backend-tls disable stays in plain TCP.
import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../cli/serve.ts';
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from '../pg/embedded.ts';
import { RAW_TEXT } from '../pg/raw-text.ts';

const run = promisify(execFile);

let dir: string;
let postgres: EmbeddedPostgresHandle;
const servers: RunningServer[] = [];

/** A certificate PostgreSQL accepts: as root the key must belong to the postgres user, mode 0600. */
async function makeCertificate(into: string): Promise<{ cert: string; key: string }> {
  const key = path.join(into, 'server.key');
  const cert = path.join(into, 'server.crt');
  await run('openssl', [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost'],
    ...['-keyout', key, '-out', cert],
  ]);
  await chmod(key, 0o600);
  await chmod(into, 0o755);
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    for (const f of [key, cert]) await chown(f, Number(stdout), Number(gid));
  }
  return { cert, key };
}

async function gatewayOn(backendTls: 'prefer' | 'disable'): Promise<string> {
  const server = await startServer({
    databaseUrl: postgres.url,
    workers: 2,
    httpPort: 0,
    pgPort: 0,
    costThreshold: 1,
    minSplitPages: 0,
    restartDelayMs: null,
    logger: pino({ level: 'silent' }),
    gateway: { backendTls },
  });
  servers.push(server);
  const u = new URL(postgres.url);
  u.port = String(server.pgPort);
  return u.toString();
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mb-backend-tls-'));
  const { cert, key } = await makeCertificate(dir);
  postgres = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'pgdata'),
    settings: { ssl: 'on', ssl_cert_file: cert, ssl_key_file: key },
  });
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(
    'CREATE TABLE facts AS SELECT g AS id, g % 7 AS k, md5(g::text) AS note FROM generate_series(1, 50000) g',
  );
  await admin.query('ANALYZE facts');
  await admin.end();
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
  await postgres?.stop();
  await rm(dir, { recursive: true, force: true });
});

const SSL_IN_USE = 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()';
const AGGREGATE = 'SELECT k, count(*), sum(id), min(note) FROM facts GROUP BY k ORDER BY k';
const MANY_ROWS = 'SELECT id, note FROM facts ORDER BY id';

describe.each(['prefer', 'disable'] as const)('backend TLS %s', (mode) => {
  it('answers relayed and split statements as PostgreSQL does directly', async () => {
    const url = await gatewayOn(mode);
    const via = new pg.Client({ connectionString: url, types: RAW_TEXT });
    const direct = new pg.Client({ connectionString: postgres.url, types: RAW_TEXT });
    await Promise.all([via.connect(), direct.connect()]);
    try {
      const ssl = await via.query({ text: SSL_IN_USE, rowMode: 'array' });
      expect(ssl.rows).toEqual([[mode === 'prefer' ? 't' : 'f']]);
      for (const sql of [AGGREGATE, MANY_ROWS]) {
        const a = await via.query({ text: sql, rowMode: 'array' });
        const b = await direct.query({ text: sql, rowMode: 'array' });
        expect(a.rows).toEqual(b.rows);
      }
      const plan = await via.query({ text: `EXPLAIN ${AGGREGATE}`, rowMode: 'array' });
      expect(plan.rows.map((r) => r[0]).join('\n')).toMatch(/Split public\.facts into \d+ chunks/);
    } finally {
      await Promise.all([via.end(), direct.end()]);
    }
  });
});
