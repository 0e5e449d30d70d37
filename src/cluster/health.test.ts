// Health checks against real worker processes: a stopped worker leaves the rotation after 2 misses and rejoins.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startWorker, type WorkerHandle } from '../worker/server.ts';
import { HealthChecker, probeReady } from './health.ts';
import { type LocalFleet, startLocalFleet } from './local-fleet.ts';
import { WorkerRegistry } from './registry.ts';
import type { WorkerState } from './types.ts';

const databaseUrl = inject('databaseUrl');
const logger = pino({ level: 'silent' });
const INTERVAL = 200;
let fleet: LocalFleet;
const checkers: HealthChecker[] = [];
const extraWorkers: WorkerHandle[] = [];

beforeAll(async () => {
  const secret = randomBytes(16).toString('hex');
  fleet = await startLocalFleet({ count: 2, databaseUrl, secret, logger, restartDelayMs: null });
});

afterEach(async () => {
  for (const w of fleet.workers()) process.kill(w.pid, 'SIGCONT');
  await Promise.all(checkers.splice(0).map((c) => c.stop()));
  await Promise.all(extraWorkers.splice(0).map((w) => w.close()));
});

afterAll(async () => {
  await fleet?.stop();
});

function watch(): { registry: WorkerRegistry; health: HealthChecker } {
  const registry = new WorkerRegistry({ logger });
  for (const w of fleet.workers()) registry.add({ id: w.id, url: w.url, pid: w.pid, source: 'local' });
  const health = new HealthChecker({ registry, logger, intervalMs: INTERVAL });
  checkers.push(health);
  return { registry, health };
}

/** Polls until the worker is in `state`; resolves with the ms it took. */
async function until(registry: WorkerRegistry, id: string, state: WorkerState, limitMs = 5000) {
  const started = performance.now();
  while (registry.get(id)?.state !== state) {
    if (performance.now() - started > limitMs) {
      throw new Error(`${id} not ${state} within ${limitMs} ms: ${JSON.stringify(registry.get(id))}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now() - started;
}

describe('HealthChecker', () => {
  it('brings new workers into the rotation on their first passed check', async () => {
    const { registry, health } = watch();
    expect(registry.available()).toEqual([]);
    await health.checkAll();
    expect(registry.available().map((w) => w.id)).toEqual(['w1', 'w2']);
    for (const w of registry.list()) {
      expect(w.state).toBe('healthy');
      expect(Date.now() - Date.parse(w.lastHeartbeat ?? '')).toBeLessThan(2000);
    }
  });

  it('a stopped worker (SIGSTOP) leaves after 2 missed checks and rejoins after SIGCONT', async () => {
    const { registry, health } = watch();
    await health.checkAll();
    health.start();
    const victim = fleet.workers()[1]!;
    process.kill(victim.pid, 'SIGSTOP');
    const outMs = await until(registry, victim.id, 'unhealthy');
    expect(registry.get(victim.id)?.consecutiveFailures).toBeGreaterThanOrEqual(2);
    // Two checks 200 ms apart, each given 100 ms: never sooner than one interval, rarely much later than two.
    expect(outMs).toBeGreaterThan(INTERVAL);
    expect(outMs).toBeLessThan(4 * INTERVAL + 1000);
    expect(registry.available().map((w) => w.id)).toEqual(['w1']);
    process.kill(victim.pid, 'SIGCONT');
    const backMs = await until(registry, victim.id, 'healthy');
    expect(backMs).toBeLessThan(2 * INTERVAL + 1000);
    expect(registry.available().map((w) => w.id)).toEqual(['w1', 'w2']);
    expect(registry.get('w1')?.state).toBe('healthy');
  });

  it('a draining worker stays draining while it answers, and while it does not', async () => {
    const { registry, health } = watch();
    await health.checkAll();
    registry.drain('w2');
    health.start();
    process.kill(fleet.workers()[1]!.pid, 'SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 4 * INTERVAL));
    expect(registry.get('w2')).toMatchObject({ state: 'draining' });
    expect(registry.get('w2')?.consecutiveFailures).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['nobody listens at the address', async () => 'http://127.0.0.1:1'],
    [
      "the worker's PostgreSQL is unreachable (readyz 503)",
      async () => {
        const w = await startWorker({
          databaseUrl: 'postgres://nobody@127.0.0.1:1/none',
          host: '127.0.0.1',
          port: 0,
          secret: 'x',
          poolSize: 1,
          logger,
        });
        extraWorkers.push(w);
        return w.url;
      },
    ],
  ])('a worker never joins when %s', async (_name, url) => {
    const registry = new WorkerRegistry({ logger });
    registry.add({ id: 'x', url: await url(), source: 'static' });
    const health = new HealthChecker({ registry, logger, intervalMs: INTERVAL });
    checkers.push(health);
    health.start();
    await new Promise((resolve) => setTimeout(resolve, 3 * INTERVAL + 100));
    expect(registry.get('x')).toMatchObject({ state: 'unhealthy', lastHeartbeat: null });
    expect(registry.get('x')?.consecutiveFailures).toBeGreaterThanOrEqual(2);
  });

  it('checks a joining worker at once, without waiting for the next round', async () => {
    const registry = new WorkerRegistry({ logger });
    const health = new HealthChecker({ registry, logger, intervalMs: 60_000 });
    checkers.push(health);
    health.start();
    const w = fleet.workers()[0]!;
    registry.add({ id: w.id, url: w.url, source: 'local' });
    expect(await until(registry, w.id, 'healthy', 2000)).toBeLessThan(2000);
  });

  it('stop() ends the rounds: nothing is checked afterwards', async () => {
    const registry = new WorkerRegistry({ logger });
    registry.add({ id: 'x', url: 'http://127.0.0.1:1', source: 'static' });
    const health = new HealthChecker({ registry, logger, intervalMs: 50 });
    health.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await health.stop();
    const misses = registry.get('x')?.consecutiveFailures ?? 0;
    expect(misses).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(registry.get('x')?.consecutiveFailures).toBe(misses);
  });

  it.each([
    ['a live worker', () => fleet.workers()[0]!.url, null],
    ['a closed port', () => 'http://127.0.0.1:1', 'ECONNREFUSED'],
  ])('probeReady: %s', async (_name, url, expected) => {
    expect(await probeReady(url(), 1000)).toBe(expected);
  });
});
