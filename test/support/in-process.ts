// A coordinator with in-process workers on the suite's PostgreSQL, for tests of the planner and merger.
import pg from 'pg';
import pino from 'pino';
import { inject } from 'vitest';
import { Coordinator } from '../../src/exec/coordinator.ts';
import { RAW_TEXT } from '../../src/pg/raw-text.ts';
import { startWorker } from '../../src/worker/server.ts';

export interface InProcessStack {
  databaseUrl: string;
  coordinator: Coordinator;
  direct: pg.Client;
  /** Runs `sql` directly, values as PostgreSQL's text. */
  directQuery(
    sql: string,
    params?: (string | null)[],
  ): Promise<{ columns: { name: string; typeOid: number }[]; rows: (string | null)[][] }>;
  stop(): Promise<void>;
}

export async function startInProcessStack(workers = 3): Promise<InProcessStack> {
  const databaseUrl = inject('databaseUrl');
  const logger = pino({ level: 'silent' });
  const secret = 'test-secret';
  const handles = await Promise.all(
    Array.from({ length: workers }, () =>
      startWorker({ databaseUrl, host: '127.0.0.1', port: 0, secret, poolSize: 4, logger }),
    ),
  );
  const coordinator = new Coordinator({
    databaseUrl,
    workers: () => handles.map((h, i) => ({ id: `w${i + 1}`, url: h.url })),
    secret,
    logger,
  });
  await coordinator.init();
  const direct = new pg.Client({ connectionString: databaseUrl, types: RAW_TEXT });
  await direct.connect();
  return {
    databaseUrl,
    coordinator,
    direct,
    directQuery: async (sql, params = []) => {
      const res = await direct.query({ text: sql, values: params, rowMode: 'array' });
      return {
        columns: res.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID })),
        rows: res.rows as (string | null)[][],
      };
    },
    stop: async () => {
      await direct.end();
      await coordinator.close();
      await Promise.all(handles.map((h) => h.close()));
    },
  };
}
