// The local fleet spawns real worker processes, lists the live ones, restarts the dead, and stops them all.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runChunk } from '../exec/worker-client.ts';
import { HealthChecker } from './health.ts';
import { type LocalFleet, startLocalFleet } from './local-fleet.ts';
import { WorkerRegistry } from './registry.ts';

const databaseUrl = inject('databaseUrl');
const secret = randomBytes(16).toString('hex');
let fleet: LocalFleet;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  fleet = await startLocalFleet({
    count: 3,
    databaseUrl,
    secret,
    logger: pino({ level: 'silent' }),
    restartDelayMs: null,
  });
});

afterAll(async () => {
  await fleet?.stop();
});

describe('startLocalFleet', () => {
  it('starts w1..wN, each listening on loopback with its pid', async () => {
    const workers = fleet.workers();
    expect(workers.map((w) => w.id)).toEqual(['w1', 'w2', 'w3']);
    for (const w of workers) {
      expect(w.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(alive(w.pid)).toBe(true);
      expect((await fetch(`${w.url}/readyz`)).status).toBe(200);
    }
  });

  it('passes the secret through the environment, not argv', async () => {
    for (const w of fleet.workers()) {
      const argv = await readFile(`/proc/${w.pid}/cmdline`, 'utf8');
      expect(argv).toContain('worker');
      expect(argv).not.toContain(secret);
    }
  });

  it('every worker runs chunks with the shared secret', async () => {
    for (const w of fleet.workers()) {
      const out = await runChunk(w, secret, {
        id: 'fleet/0',
        sql: 'SELECT $1::text',
        params: [w.id],
        snapshot: null,
        role: null,
        settings: {},
      });
      expect(out.rows).toEqual([[w.id]]);
    }
  });

  it('drops a worker that died from the list', async () => {
    const victim = fleet.workers()[1]!;
    process.kill(victim.pid, 'SIGKILL');
    const deadline = Date.now() + 5000;
    while (fleet.workers().some((w) => w.id === victim.id) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(fleet.workers().map((w) => w.id)).toEqual(['w1', 'w3']);
  });

  it('stop() ends every worker process', async () => {
    const pids = fleet.workers().map((w) => w.pid);
    await fleet.stop();
    expect(pids.filter(alive)).toEqual([]);
    expect(fleet.workers()).toEqual([]);
  });

  it('fails clearly when workers cannot start', async () => {
    const bad = startLocalFleet({ count: 2, databaseUrl, secret: '', logger: pino({ level: 'silent' }) });
    await expect(bad).rejects.toThrow(/worker w\d exited before listening/);
  });
});

describe('restarts', () => {
  it('a SIGKILLed worker leaves the rotation at once, restarts under its id and rejoins', async () => {
    const logger = pino({ level: 'silent' });
    const registry = new WorkerRegistry({ logger });
    const local = await startLocalFleet({ count: 2, databaseUrl, secret, logger, registry, concurrency: 3 });
    const health = new HealthChecker({ registry, logger, intervalMs: 200 });
    try {
      expect(registry.list().map((w) => [w.id, w.source, w.state, w.concurrency])).toEqual([
        ['w1', 'local', 'unhealthy', 3],
        ['w2', 'local', 'unhealthy', 3],
      ]);
      await health.checkAll();
      health.start();
      expect(registry.available().map((w) => w.id)).toEqual(['w1', 'w2']);
      const before = registry.get('w1')!;
      const killedAt = performance.now();
      process.kill(before.pid!, 'SIGKILL');
      while (registry.get('w1')?.state === 'healthy') await new Promise((r) => setTimeout(r, 5));
      const outMs = performance.now() - killedAt;
      expect(outMs).toBeLessThan(1000);
      expect(registry.available().map((w) => w.id)).toEqual(['w2']);
      while (registry.get('w1')?.state !== 'healthy') {
        if (performance.now() - killedAt > 20_000) throw new Error('w1 did not rejoin within 20 s');
        await new Promise((r) => setTimeout(r, 20));
      }
      const after = registry.get('w1')!;
      expect(after.pid).not.toBe(before.pid);
      expect(after.url).not.toBe(before.url);
      expect(alive(after.pid!)).toBe(true);
      expect(registry.available().map((w) => w.id)).toEqual(['w1', 'w2']);
      expect(local.workers().map((w) => [w.id, w.pid])).toEqual([
        ['w1', after.pid],
        ['w2', registry.get('w2')?.pid],
      ]);
      const out = await runChunk(after, secret, {
        id: 'respawned/0',
        sql: 'SELECT 1::text',
        params: [],
        snapshot: null,
        role: null,
        settings: {},
      });
      expect(out.rows).toEqual([['1']]);
    } finally {
      await health.stop();
      await local.stop();
    }
    expect(registry.list().map((w) => w.state)).toEqual(['draining', 'draining']);
    expect(local.workers()).toEqual([]);
  });

  it('stop() cancels a pending restart', async () => {
    const logger = pino({ level: 'silent' });
    const local = await startLocalFleet({ count: 1, databaseUrl, secret, logger, restartDelayMs: 300 });
    const pid = local.workers()[0]!.pid;
    process.kill(pid, 'SIGKILL');
    while (local.workers().length > 0) await new Promise((r) => setTimeout(r, 5));
    await local.stop();
    await new Promise((r) => setTimeout(r, 600));
    expect(local.workers()).toEqual([]);
  });
});
