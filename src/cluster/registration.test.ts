// Self-registration with real processes: `mini-balancer worker --coordinator` joins, takes chunks, drains on SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServer } from '../cli/serve.ts';
import { runChunk } from '../exec/worker-client.ts';
import type { WorkerInfo } from './types.ts';

const BIN = fileURLToPath(new URL('../../bin/mini-balancer.js', import.meta.url));
const databaseUrl = inject('databaseUrl');
const secret = randomBytes(16).toString('hex');
const logger = pino({ level: 'silent' });
const children: ChildProcess[] = [];
let server: RunningServer;

const serverOptions = { databaseUrl, workers: 0, secret, logger, healthIntervalMs: 200, forgetAfterMs: 1500 };

beforeAll(async () => {
  server = await startServer({ ...serverOptions, httpPort: 0 });
});

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
});

afterAll(async () => {
  await server?.stop();
});

/** Starts `mini-balancer worker --coordinator URL` and resolves once it listens, with its id. */
async function startRegisteringWorker(coordinator: string, extra: string[] = []) {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'worker',
      '--database-url',
      databaseUrl,
      '--coordinator',
      coordinator,
      '--heartbeat-ms',
      '200',
      ...extra,
    ],
    {
      env: {
        ...process.env,
        MB_WORKER_SECRET: secret,
        MB_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = /^(\{.*\})\n/.exec(out);
      if (line) resolve((JSON.parse(line[1]!) as { listening: string }).listening);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}:\n${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return { child, url, id: new URL(url).host, exited, stderr: () => stderr };
}

async function listed(httpUrl: string): Promise<WorkerInfo[]> {
  return (await (await fetch(`${httpUrl}/api/workers`)).json()) as WorkerInfo[];
}

/** Polls `/api/workers` until `test` holds for the worker (undefined: not listed); resolves with ms waited. */
async function until(
  httpUrl: string,
  id: string,
  test: (w: WorkerInfo | undefined) => boolean,
  limitMs = 10_000,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    const w = (await listed(httpUrl)).find((x) => x.id === id);
    if (test(w)) return performance.now() - started;
    if (performance.now() - started > limitMs)
      throw new Error(`not within ${limitMs} ms: ${JSON.stringify(w)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('mini-balancer worker --coordinator', () => {
  it('registers, takes chunks, and on SIGTERM drains, finishes its chunk, deregisters and exits 0', async () => {
    const w = await startRegisteringWorker(server.httpUrl, ['--concurrency', '2']);
    await until(server.httpUrl, w.id, (x) => x?.state === 'healthy');
    expect((await listed(server.httpUrl)).find((x) => x.id === w.id)).toMatchObject({
      url: w.url,
      pid: w.child.pid,
      source: 'registered',
      concurrency: 2,
      lastHeartbeat: expect.any(String),
    });

    const res = await fetch(`${server.httpUrl}/api/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'SELECT count(*) FROM lineitem', mode: 'parallel', chunks: 4 }),
    });
    const answer = (await res.json()) as { rows: string[][]; stats: { shards: { worker: string }[] } };
    const direct = new pg.Client({ connectionString: databaseUrl });
    await direct.connect();
    const expected = (await direct.query<{ n: string }>('SELECT count(*)::text AS n FROM lineitem')).rows[0]
      ?.n;
    await direct.end();
    expect(answer.rows).toEqual([[expected]]);
    expect(answer.stats.shards.map((s) => s.worker)).toEqual([w.id, w.id, w.id, w.id]);

    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(metrics).toContain(`mb_worker_state{worker="${w.id}",state="healthy"} 1`);
    expect(metrics).toContain(`mb_worker_chunks_completed_total{worker="${w.id}"} 4`);
    const figures = (await listed(server.httpUrl)).find((x) => x.id === w.id);
    expect(figures).toMatchObject({ inFlight: 0, completed: 4, failed: 0, rows: 4 });
    expect(figures?.busyMs).toBeGreaterThan(0);
    expect(metrics).toMatch(/mb_queries_total\{mode="parallel",outcome="ok"\} [1-9]/);

    // A chunk in flight when SIGTERM arrives: the worker drains (no new chunks), finishes it, then leaves.
    const slow = runChunk(w, secret, {
      id: 'drain/0',
      sql: 'SELECT 42::text FROM pg_sleep(1)',
      params: [],
      snapshot: null,
      role: null,
      settings: {},
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const termAt = performance.now();
    w.child.kill('SIGTERM');
    const drainingMs = await until(server.httpUrl, w.id, (x) => x?.state === 'draining');
    expect(server.registry.available()).toEqual([]);
    expect((await slow).rows).toEqual([['42']]);
    await until(server.httpUrl, w.id, (x) => x === undefined);
    const goneMs = performance.now() - termAt;
    expect(await w.exited).toBe(0);
    expect(drainingMs).toBeLessThan(1000);
    expect(goneMs).toBeGreaterThan(700); // it waited for the chunk (about 800 ms left of its second)
  });

  it('a worker that stops answering is listed unhealthy, forgotten later, and is back once it heartbeats', async () => {
    const w = await startRegisteringWorker(server.httpUrl);
    await until(server.httpUrl, w.id, (x) => x?.state === 'healthy');
    w.child.kill('SIGSTOP');
    await until(server.httpUrl, w.id, (x) => x?.state === 'unhealthy');
    await until(server.httpUrl, w.id, (x) => x === undefined); // forgetAfterMs: 1500
    w.child.kill('SIGCONT');
    await until(server.httpUrl, w.id, (x) => x?.state === 'healthy');
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    await until(server.httpUrl, w.id, (x) => x === undefined);
  });

  it('a restarted coordinator learns the worker again from its heartbeats', async () => {
    const first = await startServer({ ...serverOptions, httpPort: 0 });
    const port = Number(new URL(first.httpUrl).port);
    const w = await startRegisteringWorker(first.httpUrl);
    await until(first.httpUrl, w.id, (x) => x?.state === 'healthy');
    await first.stop();
    const second = await startServer({ ...serverOptions, httpPort: port });
    try {
      const relearnMs = await until(second.httpUrl, w.id, (x) => x?.state === 'healthy');
      expect(relearnMs).toBeLessThan(3000);
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
      expect(second.registry.list()).toEqual([]);
    } finally {
      await second.stop();
    }
  });
});
