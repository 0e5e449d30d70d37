// Worker registry: state transitions, rotation, accounting, registration and forgetting, on a fake clock.
import { describe, expect, it } from 'vitest';
import { WorkerIdTaken, WorkerRegistry } from './registry.ts';
import type { WorkerInfo } from './types.ts';

type Step =
  | ['add', WorkerInfo['source']]
  | ['register']
  | ['pass']
  | ['miss']
  | ['fault']
  | ['drain']
  | ['respawn'];

const URL1 = 'http://127.0.0.1:7001';

function apply(r: WorkerRegistry, step: Step): void {
  switch (step[0]) {
    case 'add':
      r.add({ id: 'a', url: URL1, source: step[1] });
      return;
    case 'register':
      r.register({ id: 'a', url: URL1, pid: 10 });
      return;
    case 'pass':
      r.checkPassed('a');
      return;
    case 'miss':
      r.checkFailed('a', 'no answer', 2);
      return;
    case 'fault':
      r.reportFault('a', 'connection reset while running a chunk');
      return;
    case 'drain':
      r.drain('a');
      return;
    case 'respawn':
      r.add({ id: 'a', url: 'http://127.0.0.1:7002', source: 'local', pid: 99 });
      return;
  }
}

describe('state transitions', () => {
  it.each<[string, Step[], WorkerInfo['state'], number]>([
    ['a new worker waits for its first check', [['add', 'local']], 'unhealthy', 0],
    ['a passed first check brings it in', [['add', 'static'], ['pass']], 'healthy', 0],
    ['a registration brings it in at once', [['register']], 'healthy', 0],
    ['one miss keeps it in', [['add', 'local'], ['pass'], ['miss']], 'healthy', 1],
    ['two misses in a row take it out', [['add', 'local'], ['pass'], ['miss'], ['miss']], 'unhealthy', 2],
    [
      'a pass between misses resets the count',
      [['add', 'local'], ['pass'], ['miss'], ['pass'], ['miss']],
      'healthy',
      1,
    ],
    [
      'it rejoins after answering again',
      [['add', 'local'], ['pass'], ['miss'], ['miss'], ['pass']],
      'healthy',
      0,
    ],
    ['a reported fault takes it out at once', [['add', 'local'], ['pass'], ['fault']], 'unhealthy', 0],
    [
      'after a fault a passed check brings it back',
      [['add', 'local'], ['pass'], ['fault'], ['pass']],
      'healthy',
      0,
    ],
    ['a heartbeat does not undo a fault', [['register'], ['fault'], ['register']], 'unhealthy', 0],
    ['draining survives passed checks', [['register'], ['drain'], ['pass']], 'draining', 0],
    [
      'draining survives misses and faults',
      [['register'], ['drain'], ['miss'], ['miss'], ['fault']],
      'draining',
      2,
    ],
    ['a respawned worker waits for a check again', [['add', 'local'], ['pass'], ['respawn']], 'unhealthy', 0],
    [
      'a respawned worker rejoins on its check',
      [['add', 'local'], ['pass'], ['respawn'], ['pass']],
      'healthy',
      0,
    ],
  ])('%s', (_name, steps, state, misses) => {
    const r = new WorkerRegistry();
    for (const step of steps) apply(r, step);
    expect(r.get('a')).toMatchObject({ state, consecutiveFailures: misses });
    expect(r.available().map((w) => w.id)).toEqual(state === 'healthy' ? ['a'] : []);
  });

  it("emits 'change' on joins, state changes and removals only", () => {
    const r = new WorkerRegistry();
    let changes = 0;
    const joined: string[] = [];
    r.on('change', () => changes++);
    r.on('joined', (id) => joined.push(id));
    r.add({ id: 'a', url: URL1, source: 'local' }); // joins: 1
    r.checkPassed('a'); // healthy: 2
    r.checkPassed('a'); // no change
    r.chunkStarted('a');
    r.chunkFinished('a', { ok: true, rows: 1, ms: 1, workerFault: false });
    r.checkFailed('a', 'x'); // 1 miss: no change
    r.reportFault('a', 'x'); // unhealthy: 3
    r.add({ id: 'a', url: 'http://127.0.0.1:7002', source: 'local' }); // new address, still unhealthy
    r.remove('a', 'test'); // 4
    expect(changes).toBe(4);
    expect(joined).toEqual(['a', 'a']);
  });
});

describe('rotation and accounting', () => {
  it('lists available workers in the order they joined', () => {
    const r = new WorkerRegistry({ concurrency: 3 });
    for (const id of ['w1', 'w2', 'w3', 'w4']) {
      r.add({ id, url: `http://127.0.0.1:70${id.slice(1)}`, source: 'local' });
      r.checkPassed(id);
    }
    r.reportFault('w2', 'x');
    r.drain('w3');
    expect(r.available()).toEqual([
      { id: 'w1', url: 'http://127.0.0.1:701' },
      { id: 'w4', url: 'http://127.0.0.1:704' },
    ]);
    expect(r.list().map((w) => [w.id, w.state])).toEqual([
      ['w1', 'healthy'],
      ['w2', 'unhealthy'],
      ['w3', 'draining'],
      ['w4', 'healthy'],
    ]);
    expect(r.concurrencyOf('w1')).toBe(3);
    expect(r.concurrencyOf('nobody')).toBe(0);
  });

  it('counts in-flight, completed, failed, rows and busy time (wall time with a chunk in flight)', async () => {
    const r = new WorkerRegistry();
    r.add({ id: 'a', url: URL1, source: 'static', concurrency: 8 });
    r.chunkStarted('a');
    r.chunkStarted('a');
    expect(r.get('a')).toMatchObject({ inFlight: 2, concurrency: 8 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    r.chunkFinished('a', { ok: true, rows: 10, ms: 60, workerFault: false });
    r.chunkFinished('a', { ok: false, rows: 3, ms: 60, workerFault: true });
    const idle = r.get('a')!;
    expect(idle).toMatchObject({ inFlight: 0, completed: 1, failed: 1, rows: 13 });
    // Two overlapping chunks of ~60 ms are ~60 ms of busy time, not 120.
    expect(idle.busyMs).toBeGreaterThanOrEqual(55);
    expect(idle.busyMs).toBeLessThan(110);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(r.get('a')?.busyMs).toBe(idle.busyMs);
  });

  it('ignores accounting for unknown workers and never goes below zero in flight', () => {
    const r = new WorkerRegistry();
    r.chunkStarted('ghost');
    r.chunkFinished('ghost', { ok: true, rows: 1, ms: 1, workerFault: false });
    r.reportFault('ghost', 'x');
    r.add({ id: 'a', url: URL1, source: 'local' });
    r.chunkFinished('a', { ok: true, rows: 1, ms: 1, workerFault: false });
    expect(r.get('a')).toMatchObject({ inFlight: 0, completed: 1 });
    expect(r.list().map((w) => w.id)).toEqual(['a']);
  });
});

describe('registration', () => {
  it('names a worker without an id by its host:port, and a heartbeat keeps its figures', () => {
    let now = 1_000_000;
    const r = new WorkerRegistry({ now: () => now });
    const first = r.register({ url: 'http://10.0.0.7:7000', pid: 12, concurrency: 2 });
    expect(first.created).toBe(true);
    expect(first.info).toMatchObject({
      id: '10.0.0.7:7000',
      source: 'registered',
      state: 'healthy',
      pid: 12,
      concurrency: 2,
      lastHeartbeat: new Date(now).toISOString(),
    });
    r.chunkStarted('10.0.0.7:7000');
    r.chunkFinished('10.0.0.7:7000', { ok: true, rows: 5, ms: 1, workerFault: false });
    now += 3000;
    const beat = r.register({ url: 'http://10.0.0.7:7000', pid: 12, concurrency: 2 });
    expect(beat.created).toBe(false);
    expect(beat.info).toMatchObject({ completed: 1, rows: 5, lastHeartbeat: new Date(now).toISOString() });
  });

  it('a restarted process (new pid) replaces a draining entry and is healthy', () => {
    const r = new WorkerRegistry();
    r.register({ id: 'p', url: URL1, pid: 1 });
    r.drain('p');
    expect(r.register({ id: 'p', url: URL1, pid: 2 })).toMatchObject({
      created: true,
      info: { state: 'healthy', pid: 2 },
    });
  });

  it.each(['local', 'static'] as const)('refuses an id a %s worker has', (source) => {
    const r = new WorkerRegistry();
    r.add({ id: 'w1', url: URL1, source });
    expect(() => r.register({ id: 'w1', url: 'http://127.0.0.1:9' })).toThrow(WorkerIdTaken);
    expect(r.get('w1')?.url).toBe(URL1);
  });

  it('forgets registered workers absent too long, never local or static ones, nor healthy ones', () => {
    let now = 0;
    const r = new WorkerRegistry({ now: () => now });
    r.register({ id: 'gone', url: 'http://127.0.0.1:7001' });
    r.register({ id: 'fine', url: 'http://127.0.0.1:7002' });
    r.add({ id: 'w1', url: 'http://127.0.0.1:7003', source: 'local' });
    r.add({ id: 's1', url: 'http://127.0.0.1:7004', source: 'static' });
    now = 30_000;
    r.checkFailed('gone', 'x');
    r.checkFailed('gone', 'x');
    expect(r.removeAbsent(60_000)).toEqual([]);
    now = 61_000;
    r.checkPassed('fine');
    expect(r.removeAbsent(60_000)).toEqual(['gone']);
    expect(r.list().map((w) => w.id)).toEqual(['fine', 'w1', 's1']);
  });
});
