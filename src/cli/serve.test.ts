// `serve` / `demo` flags: workers, static worker URLs, health interval and concurrency, with env fallbacks.
import { afterEach, describe, expect, it } from 'vitest';
import { type Flags, UsageError } from './command.ts';
import { serverFlags } from './serve.ts';

const ENV = [
  'MB_WORKERS',
  'MB_WORKER_URLS',
  'MB_HEALTH_INTERVAL_MS',
  'MB_WORKER_CONCURRENCY',
  'MB_HTTP_HOST',
  'MB_HTTP_PORT',
  'MB_WORKER_SECRET',
];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

afterEach(() => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('serverFlags', () => {
  it.each<[string, Flags, Record<string, string>, Record<string, unknown>]>([
    [
      'defaults',
      {},
      {},
      { workers: 4, workerUrls: [], healthIntervalMs: 2000, workerConcurrency: 4, httpPort: 8080 },
    ],
    ['registration only', { workers: '0' }, {}, { workers: 0, workerUrls: [] }],
    [
      'static workers, reduced to their origin',
      { 'worker-url': ['http://10.0.0.7:7000/', 'https://w.example:7443'] },
      {},
      { workerUrls: ['http://10.0.0.7:7000', 'https://w.example:7443'] },
    ],
    [
      'static workers from the environment',
      {},
      { MB_WORKER_URLS: 'http://a:1, http://b:2' },
      { workerUrls: ['http://a:1', 'http://b:2'] },
    ],
    [
      'health interval and concurrency',
      { 'health-interval-ms': '250', 'worker-concurrency': '16' },
      {},
      { healthIntervalMs: 250, workerConcurrency: 16 },
    ],
    [
      'flags win over the environment',
      { 'worker-concurrency': '2' },
      { MB_WORKER_CONCURRENCY: '9', MB_HEALTH_INTERVAL_MS: '500' },
      { workerConcurrency: 2, healthIntervalMs: 500 },
    ],
  ])('%s', (_name, flags, env, expected) => {
    for (const k of ENV) delete process.env[k];
    Object.assign(process.env, env);
    expect(serverFlags(flags, 'postgres://x')).toMatchObject({ databaseUrl: 'postgres://x', ...expected });
  });

  it.each<[Flags, RegExp]>([
    [{ workers: '-1' }, /--workers must be an integer from 0/],
    [{ 'worker-url': ['ftp://x'] }, /--worker-url must be an http/],
    [{ 'worker-url': ['nope'] }, /--worker-url must be an http/],
    [{ 'health-interval-ms': '10' }, /--health-interval-ms must be an integer from 50/],
    [{ 'worker-concurrency': '0' }, /--worker-concurrency must be an integer from 1/],
  ])('%j is a usage error', (flags, message) => {
    for (const k of ENV) delete process.env[k];
    expect(() => serverFlags(flags, 'postgres://x')).toThrow(UsageError);
    expect(() => serverFlags(flags, 'postgres://x')).toThrow(message);
  });
});
