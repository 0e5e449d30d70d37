// The local fleet spawns real worker processes, lists the live ones, and stops them all.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runChunk } from '../exec/worker-client.ts';
import { type LocalFleet, startLocalFleet } from './local-fleet.ts';

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
  fleet = await startLocalFleet({ count: 3, databaseUrl, secret, logger: pino({ level: 'silent' }) });
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
