// The scheduler against scripted workers: slots, fairness, retries, timeouts, speculation, cancellation.
import { afterEach, describe, expect, it } from 'vitest';
import { rangePlan } from '../../test/support/plans.ts';
import { TestFleet } from '../../test/support/test-fleet.ts';
import { queryCanceled, workerUnavailable } from '../errors/codes.ts';
import { PgError } from '../errors/pg-error.ts';
import { type RunChunkFn, Scheduler, type SchedulerOptions, type StatementInput } from './scheduler.ts';
import type { ChunkOutcome, WorkerRef } from './worker-client.ts';

/** What a scripted worker does with one attempt: answer after `ms`, fail after `ms`, or never answer. */
type Behaviour = { ms: number } | { ms: number; error: PgError } | 'hang';

interface Call {
  worker: string;
  chunk: number;
  started: number;
  ended?: number;
  aborted: boolean;
}

/** A runChunk that follows `script` and records every call; chunk i answers the single row [i]. */
function scripted(script: (worker: string, chunk: number, nth: number) => Behaviour) {
  const calls: Call[] = [];
  const perChunk = new Map<number, number>();
  const run: RunChunkFn = (worker: WorkerRef, _secret, req, opts = {}) => {
    const chunk = Number(req.id.split('/')[1]);
    const nth = (perChunk.get(chunk) ?? 0) + 1;
    perChunk.set(chunk, nth);
    const call: Call = { worker: worker.id, chunk, started: performance.now(), aborted: false };
    calls.push(call);
    const b = script(worker.id, chunk, nth);
    return new Promise<ChunkOutcome>((resolve, reject) => {
      const timer =
        b === 'hang'
          ? undefined
          : setTimeout(() => {
              call.ended = performance.now();
              if ('error' in b) reject(b.error);
              else
                resolve({
                  fields: [{ name: 'chunk', typeOid: 23, typmod: -1 }],
                  rows: [[String(chunk)]],
                  rowCount: 1,
                  ms: b.ms,
                  wallMs: b.ms,
                });
            }, b.ms);
      opts.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        call.aborted = true;
        call.ended = performance.now();
        reject(queryCanceled());
      });
    });
  };
  return { run, calls };
}

const schedulers: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.close()));
});

function setup(
  workers: [string, number][],
  script: (worker: string, chunk: number, nth: number) => Behaviour,
  opts: Partial<SchedulerOptions> & { faultRemoves?: boolean } = {},
) {
  const { faultRemoves, ...rest } = opts;
  const fleet = new TestFleet({ faultRemoves: faultRemoves ?? false });
  for (const [id, concurrency] of workers) fleet.add({ id, url: `http://${id}.invalid` }, concurrency);
  const { run, calls } = scripted(script);
  const scheduler = new Scheduler({ fleet, runChunk: run, speculation: false, ...rest });
  schedulers.push(scheduler);
  return { fleet, calls, scheduler };
}

let seq = 0;
const input = (chunks: number, extra: Partial<StatementInput> = {}): StatementInput => ({
  plan: rangePlan('scripted', chunks),
  statementId: `s${++seq}`,
  secret: 'x',
  snapshot: '00000003-00000002-1',
  settings: {},
  role: null,
  userValues: [],
  ...extra,
});

async function rejection(p: Promise<unknown>): Promise<PgError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PgError);
  return err as PgError;
}

const chunksOf = (rows: (string | null)[][]) => rows.map((r) => Number(r[0]));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const lost = workerUnavailable('worker w1 failed while running chunk: ECONNRESET');

describe('slots and order', () => {
  it.each([
    ['one worker, one slot', [['w1', 1]] as [string, number][], 6],
    [
      'two workers, two slots each',
      [
        ['w1', 2],
        ['w2', 2],
      ] as [string, number][],
      20,
    ],
    [
      'uneven slots',
      [
        ['w1', 1],
        ['w2', 3],
        ['w3', 2],
      ] as [string, number][],
      30,
    ],
  ])('%s: never more than the limit, all slots used, rows in chunk order', async (_n, workers, chunks) => {
    const { fleet, scheduler } = setup(workers, () => ({ ms: 5 }));
    const out = await scheduler.submit(input(chunks));
    expect(chunksOf(out.rows)).toEqual(range(chunks));
    expect(out.shards.map((s) => s.chunk)).toEqual(range(chunks));
    for (const [id, limit] of workers) expect(fleet.maxInFlight.get(id)).toBe(limit);
    expect(fleet.running()).toBe(0);
    expect(out.stats).toEqual({ attempts: chunks, retries: 0, speculative: 0, speculativeWins: 0 });
  });

  it('takes chunks round-robin across statements: a small one does not wait for a big one', async () => {
    const { scheduler, calls } = setup([['w1', 2]], () => ({ ms: 20 }));
    const t0 = performance.now();
    const big = scheduler.submit(input(64));
    await new Promise((r) => setTimeout(r, 50));
    const small = await scheduler.submit(input(1));
    const smallMs = performance.now() - t0;
    await big;
    const bigMs = performance.now() - t0;
    expect(smallMs).toBeLessThan(150);
    expect(bigMs).toBeGreaterThan(600);
    expect(chunksOf(small.rows)).toEqual([0]);
    expect(calls.length).toBe(65);
  });

  it('starts work as soon as a worker joins', async () => {
    const { fleet, scheduler } = setup([], () => ({ ms: 5 }));
    const p = scheduler.submit(input(3));
    await new Promise((r) => setTimeout(r, 30));
    const joined = performance.now();
    fleet.add({ id: 'w9', url: 'http://w9.invalid' }, 1);
    const out = await p;
    // Well under the 200 ms poll: the 'change' event did it.
    expect(performance.now() - joined).toBeLessThan(150);
    expect(out.shards.map((s) => s.worker)).toEqual(['w9', 'w9', 'w9']);
  });

  it('resolves a plan without chunks at once', async () => {
    const { scheduler } = setup([['w1', 1]], () => ({ ms: 5 }));
    expect(await scheduler.submit(input(0))).toMatchObject({ fields: [], rows: [], shards: [] });
  });
});

describe('faults', () => {
  it('retries a chunk whose worker failed on another worker, keeping only the retry’s rows', async () => {
    const { fleet, scheduler, calls } = setup(
      [
        ['w1', 2],
        ['w2', 2],
      ],
      (w) => (w === 'w1' ? { ms: 5, error: lost } : { ms: 5 }),
    );
    const out = await scheduler.submit(input(8));
    expect(chunksOf(out.rows)).toEqual(range(8));
    expect(new Set(out.shards.map((s) => s.worker))).toEqual(new Set(['w2']));
    const retried = out.shards.filter((s) => s.attempts === 2).length;
    expect(retried).toBe(calls.filter((c) => c.worker === 'w1').length);
    expect(out.stats.retries).toBe(retried);
    expect(fleet.faults.every((f) => f.id === 'w1')).toBe(true);
    expect(fleet.faults.length).toBe(retried);
    expect(fleet.finished.filter((f) => f.outcome.workerFault).length).toBe(retried);
  });

  it.each([
    ['57P01 admin shutdown', '57P01', false],
    ['53300 too many connections', '53300', false],
    ['08006 connection failure', '08006', true],
  ])('retries %s (reporting the worker only for class 08)', async (_n, code, reported) => {
    const { fleet, scheduler } = setup(
      [
        ['w1', 1],
        ['w2', 1],
      ],
      (_w, _c, nth) => (nth === 1 ? { ms: 5, error: new PgError({ code, message: 'boom' }) } : { ms: 5 }),
    );
    const out = await scheduler.submit(input(2));
    expect(chunksOf(out.rows)).toEqual([0, 1]);
    expect(out.stats.retries).toBe(2);
    expect(fleet.faults.length).toBe(reported ? 2 : 0);
  });

  it.each([
    ['division by zero', '22012'],
    ['permission denied', '42501'],
    ['syntax error', '42601'],
    ['statement timeout inside PostgreSQL', '57014'],
  ])('fails at once on a user error (%s), unchanged, and cancels the other chunks', async (_n, code) => {
    const userError = new PgError({ code, message: 'from postgres', position: '8', hint: 'h' });
    const { fleet, scheduler, calls } = setup([['w1', 4]], (_w, chunk) =>
      chunk === 2 ? { ms: 10, error: userError } : 'hang',
    );
    const err = await rejection(scheduler.submit(input(4)));
    expect(err).toBe(userError);
    expect(calls.filter((c) => c.chunk === 2).length).toBe(1);
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.filter((c) => c.chunk !== 2).every((c) => c.aborted)).toBe(true);
    expect(fleet.faults).toEqual([]);
    expect(fleet.running()).toBe(0);
  });

  it('fails with 08006 naming chunk, workers and cause when attempts run out', async () => {
    const { scheduler, calls } = setup(
      [
        ['w1', 1],
        ['w2', 1],
        ['w3', 1],
      ],
      (w) => ({
        ms: 5,
        error: workerUnavailable(`worker ${w} failed while running chunk: ECONNREFUSED`),
      }),
    );
    const s = input(1);
    const err = await rejection(scheduler.submit(s));
    expect(err.code).toBe('08006');
    expect(err.message).toBe(
      `chunk 0 of statement ${s.statementId} failed on workers w1, w2, w3: worker w3 failed while running chunk: ECONNREFUSED`,
    );
    expect(err.detail).toMatch(/^attempt 1 on w1: .*; attempt 2 on w2: .*; attempt 3 on w3: /);
    expect(calls.map((c) => c.worker)).toEqual(['w1', 'w2', 'w3']);
  });

  it('aborts an attempt past the chunk timeout and retries it elsewhere', async () => {
    const { fleet, scheduler, calls } = setup(
      [
        ['w1', 1],
        ['w2', 1],
      ],
      (w) => (w === 'w1' ? 'hang' : { ms: 5 }),
      {
        chunkTimeoutMs: 50,
      },
    );
    const out = await scheduler.submit(input(2));
    expect(chunksOf(out.rows)).toEqual([0, 1]);
    expect(calls.filter((c) => c.worker === 'w1').every((c) => c.aborted)).toBe(true);
    expect(fleet.faults[0]).toEqual({
      id: 'w1',
      reason: 'worker w1 stopped responding (chunk timeout 50 ms)',
    });
  });

  it('fails with 57014 when every attempt timed out', async () => {
    const { scheduler } = setup(
      [
        ['w1', 1],
        ['w2', 1],
      ],
      () => 'hang',
      { chunkTimeoutMs: 30, maxAttempts: 2 },
    );
    const t0 = performance.now();
    const err = await rejection(scheduler.submit(input(1)));
    expect(err.code).toBe('57014');
    expect(err.message).toMatch(
      /^chunk 0 of statement s\d+ failed on workers w1, w2: worker w2 stopped responding \(chunk timeout 30 ms\)$/,
    );
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('fails with 08006 when no worker is available for noWorkerTimeoutMs', async () => {
    const { scheduler } = setup([], () => ({ ms: 5 }), { noWorkerTimeoutMs: 100 });
    const t0 = performance.now();
    const err = await rejection(scheduler.submit(input(3)));
    expect(err.code).toBe('08006');
    expect(err.message).toMatch(/^no healthy worker available for \d+ ms$/);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    expect(performance.now() - t0).toBeLessThan(400);
  });

  it('fails when every worker left the rotation after faults, within noWorkerTimeoutMs', async () => {
    const { fleet, scheduler } = setup(
      [
        ['w1', 1],
        ['w2', 1],
      ],
      () => 'hang',
      {
        chunkTimeoutMs: 40,
        noWorkerTimeoutMs: 100,
        faultRemoves: true,
      },
    );
    const err = await rejection(scheduler.submit(input(2)));
    expect(err.code).toBe('08006');
    expect(err.message).toMatch(/^no healthy worker available/);
    expect(fleet.available()).toEqual([]);
    expect(fleet.running()).toBe(0);
  });

  it('duplicates a chunk at once when its worker leaves the rotation unhealthy, not when draining', async () => {
    const { fleet, scheduler, calls } = setup(
      [
        ['w1', 2],
        ['w2', 2],
      ],
      (w) => (w === 'w1' ? 'hang' : { ms: 5 }),
    );
    const p = scheduler.submit(input(2));
    await new Promise((r) => setTimeout(r, 20));
    expect(calls.map((c) => c.worker)).toEqual(['w1', 'w2']);
    fleet.setState('w1', 'draining');
    await new Promise((r) => setTimeout(r, 20));
    expect(calls.length).toBe(2);
    fleet.setState('w1', 'unhealthy');
    const out = await p;
    expect(out.shards[0]).toMatchObject({ worker: 'w2', attempts: 2, speculative: true });
    expect(calls.find((c) => c.worker === 'w1')?.aborted).toBe(true);
  });
});

describe('cancellation', () => {
  it.each([
    ['abort signal', 'canceling statement due to user request'],
    ['deadline', 'canceling statement due to statement timeout'],
  ])('%s: every running attempt is aborted at once', async (how, message) => {
    const { fleet, scheduler, calls } = setup(
      [
        ['w1', 2],
        ['w2', 2],
      ],
      () => 'hang',
    );
    const aborter = new AbortController();
    const extra = how === 'deadline' ? { deadline: Date.now() + 80 } : { signal: aborter.signal };
    const p = scheduler.submit(input(10, extra));
    setTimeout(() => aborter.abort(), 80);
    const t0 = performance.now();
    const err = await rejection(p);
    expect(err.code).toBe('57014');
    expect(err.message).toBe(message);
    expect(performance.now() - t0).toBeLessThan(150);
    expect(calls.length).toBe(4);
    expect(calls.every((c) => c.aborted && (c.ended ?? 0) - t0 < 150)).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(fleet.running()).toBe(0);
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 0, inFlight: 0 });
  });

  it('rejects at once when already aborted or past the deadline', async () => {
    const { scheduler, calls } = setup([['w1', 1]], () => ({ ms: 5 }));
    expect((await rejection(scheduler.submit(input(1, { signal: AbortSignal.abort() })))).code).toBe('57014');
    expect((await rejection(scheduler.submit(input(1, { deadline: Date.now() - 1 })))).message).toBe(
      'canceling statement due to statement timeout',
    );
    expect(calls).toEqual([]);
  });

  it('close() fails running statements with 57P01 and stops listening to the fleet', async () => {
    const { fleet, scheduler } = setup([['w1', 1]], () => 'hang');
    const p = scheduler.submit(input(2));
    expect(fleet.listenerCount()).toBe(1);
    await scheduler.close();
    expect((await rejection(p)).code).toBe('57P01');
    expect(fleet.listenerCount()).toBe(0);
    expect((await rejection(scheduler.submit(input(1)))).code).toBe('57P01');
  });
});

describe('speculation', () => {
  const slowW3 = (w: string): Behaviour => (w === 'w3' ? { ms: 2000 } : { ms: 10 });

  it('duplicates a straggler on an idle worker; the first result wins, the other is aborted', async () => {
    const { scheduler, calls } = setup(
      [
        ['w1', 1],
        ['w2', 1],
        ['w3', 1],
      ],
      slowW3,
      {
        speculation: { multiplier: 2, minMs: 50 },
      },
    );
    const t0 = performance.now();
    const out = await scheduler.submit(input(6));
    expect(performance.now() - t0).toBeLessThan(500);
    expect(chunksOf(out.rows)).toEqual(range(6));
    const won = out.shards.filter((s) => s.speculative);
    expect(won.length).toBeGreaterThan(0);
    expect(won.every((s) => s.worker !== 'w3' && s.attempts === 2)).toBe(true);
    expect(out.stats.speculative).toBe(won.length);
    expect(out.stats.speculativeWins).toBe(won.length);
    expect(calls.filter((c) => c.worker === 'w3').every((c) => c.aborted)).toBe(true);
    expect(scheduler.stats()).toMatchObject({ speculative: won.length, speculativeWins: won.length });
  });

  it('never duplicates on the worker running the chunk', async () => {
    const { scheduler, calls } = setup(
      [['w3', 3]],
      (_w, chunk) => (chunk === 0 ? { ms: 10 } : { ms: 2000 }),
      {
        speculation: { multiplier: 2, minMs: 50 },
      },
    );
    const p = scheduler.submit(input(3));
    await new Promise((r) => setTimeout(r, 150));
    expect(calls.length).toBe(3);
    await scheduler.close();
    await rejection(p);
  });

  it('is off with speculation: false', async () => {
    const { scheduler } = setup(
      [
        ['w1', 1],
        ['w3', 1],
      ],
      (w, chunk) => (w === 'w3' && chunk > 0 ? { ms: 300 } : { ms: 10 }),
    );
    const out = await scheduler.submit(input(3));
    expect(out.stats.speculative).toBe(0);
  });
});
