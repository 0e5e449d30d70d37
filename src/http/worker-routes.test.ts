// The worker registration routes: the shared secret, request validation, conflicts, and what each call changes.
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WorkerRegistry } from '../cluster/registry.ts';
import type { QueryService } from './server.ts';
import { type HttpServerHandle, startHttpServer } from './server.ts';
import { parseRegistration } from './worker-routes.ts';

const SECRET = 'route-secret';
const idle: QueryService = {
  query: () => Promise.reject(new Error('not used')),
  explain: () => Promise.reject(new Error('not used')),
};
let registry: WorkerRegistry;
let api: HttpServerHandle;

async function post(path: string, body: unknown, auth: string | null = `Bearer ${SECRET}`) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth !== null) headers.authorization = auth;
  const res = await fetch(api.url + path, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { error?: { code: string } },
  };
}

beforeAll(async () => {
  registry = new WorkerRegistry({ concurrency: 4 });
  api = await startHttpServer({
    coordinator: idle,
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'silent' }),
    fleet: { list: () => registry.list() },
    workerApi: { registry, secret: SECRET, logger: pino({ level: 'silent' }) },
  });
});

beforeEach(() => {
  for (const w of registry.list()) registry.remove(w.id, 'test');
  registry.add({ id: 'w1', url: 'http://127.0.0.1:7001', source: 'local', pid: 11 });
});

afterAll(async () => {
  await api?.close();
});

describe('authentication', () => {
  it.each([
    ['no Authorization header', null],
    ['a wrong secret', 'Bearer nope'],
    ['an empty bearer', 'Bearer '],
    ['another scheme', `Basic ${SECRET}`],
  ])('%s → 401 28000 on every route, nothing changes', async (_name, auth) => {
    for (const [path, body] of [
      ['/api/workers/register', { url: 'http://127.0.0.1:7009' }],
      ['/api/workers/drain', { id: 'w1' }],
      ['/api/workers/deregister', { id: 'w1' }],
    ] as const) {
      const res = await post(path, body, auth);
      expect(res.status).toBe(401);
      expect(res.body.error?.code).toBe('28000');
    }
    expect(registry.list().map((w) => [w.id, w.state])).toEqual([['w1', 'unhealthy']]);
  });
});

describe('validation', () => {
  it.each([
    ['/api/workers/register', '{"url":', '08P01'],
    ['/api/workers/register', '[]', '08P01'],
    ['/api/workers/register', {}, '22023'],
    ['/api/workers/register', { url: 'ftp://x' }, '22023'],
    ['/api/workers/register', { url: 'not a url' }, '22023'],
    ['/api/workers/register', { url: 'http://h:1', pid: -1 }, '22023'],
    ['/api/workers/register', { url: 'http://h:1', pid: 1.5 }, '22023'],
    ['/api/workers/register', { url: 'http://h:1', concurrency: 0 }, '22023'],
    ['/api/workers/register', { url: 'http://h:1', concurrency: 5000 }, '22023'],
    ['/api/workers/register', { url: 'http://h:1', id: 'has space' }, '22023'],
    ['/api/workers/register', { url: 'http://h:1', port: 1 }, '22023'],
    ['/api/workers/drain', {}, '22023'],
    ['/api/workers/deregister', { id: 7 }, '22023'],
  ])('%s %j → 400 %s', async (path, body, code) => {
    const res = await post(path, body);
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe(code);
    expect(registry.list().map((w) => w.id)).toEqual(['w1']);
  });

  it.each([
    [{ url: 'http://10.0.0.7:7000/' }, { url: 'http://10.0.0.7:7000' }],
    [
      { url: 'http://pod-3.workers:7000/x', id: 'pod-3', pid: 7, concurrency: 8 },
      { url: 'http://pod-3.workers:7000', id: 'pod-3', pid: 7, concurrency: 8 },
    ],
  ])('parseRegistration(%j)', (body, expected) => {
    expect(parseRegistration(body)).toEqual(expected);
  });
});

describe('register, drain, deregister', () => {
  it('registers (201), heartbeats (200), drains and deregisters', async () => {
    const first = await post('/api/workers/register', {
      url: 'http://127.0.0.1:7002',
      pid: 22,
      concurrency: 2,
    });
    expect(first).toMatchObject({
      status: 201,
      body: { id: '127.0.0.1:7002', state: 'healthy', source: 'registered', pid: 22, concurrency: 2 },
    });
    const beat = await post('/api/workers/register', {
      url: 'http://127.0.0.1:7002',
      pid: 22,
      concurrency: 2,
    });
    expect(beat.status).toBe(200);
    expect(registry.available().map((w) => w.id)).toEqual(['127.0.0.1:7002']);
    const drained = await post('/api/workers/drain', { id: '127.0.0.1:7002' });
    expect(drained).toMatchObject({ status: 200, body: { state: 'draining' } });
    expect(registry.available()).toEqual([]);
    const gone = await post('/api/workers/deregister', { id: '127.0.0.1:7002' });
    expect(gone).toMatchObject({ status: 200, body: { removed: true } });
    expect(registry.list().map((w) => w.id)).toEqual(['w1']);
  });

  it.each([
    [
      'register with a local worker id',
      '/api/workers/register',
      { id: 'w1', url: 'http://h:1' },
      409,
      '42710',
    ],
    ['deregister a local worker', '/api/workers/deregister', { id: 'w1' }, 409, '55000'],
    ['drain an unknown worker', '/api/workers/drain', { id: 'nobody' }, 404, '42704'],
    ['deregister an unknown worker', '/api/workers/deregister', { id: 'nobody' }, 404, '42704'],
  ])('%s → %i %s', async (_name, path, body, status, code) => {
    const res = await post(path, body);
    expect(res.status).toBe(status);
    expect(res.body.error?.code).toBe(code);
    expect(registry.get('w1')).toMatchObject({ url: 'http://127.0.0.1:7001', source: 'local' });
  });

  it('GET /api/workers lists every figure of every worker', async () => {
    await post('/api/workers/register', { id: 'r1', url: 'http://127.0.0.1:7003' });
    const list = (await (await fetch(`${api.url}/api/workers`)).json()) as unknown[];
    expect(list).toEqual([
      expect.objectContaining({
        id: 'w1',
        pid: 11,
        source: 'local',
        state: 'unhealthy',
        lastHeartbeat: null,
      }),
      {
        id: 'r1',
        url: 'http://127.0.0.1:7003',
        source: 'registered',
        state: 'healthy',
        concurrency: 4,
        inFlight: 0,
        completed: 0,
        failed: 0,
        rows: 0,
        busyMs: 0,
        lastHeartbeat: expect.any(String),
        consecutiveFailures: 0,
      },
    ]);
  });
});
