// The scheduler with read replicas: per-attempt server targets, server faults retried elsewhere or failing a pinned statement.
import { afterEach, describe, expect, it } from 'vitest';
import { rangePlan } from '../../test/support/plans.ts';
import { TestFleet } from '../../test/support/test-fleet.ts';
import type { ChunkRequest } from '../worker/protocol.ts';
import { ServerFault } from './chunk-faults.ts';
import { type RunChunkFn, Scheduler, type StatementInput } from './scheduler.ts';
import type { ChunkPlacement, ChunkTarget } from './scheduler-state.ts';

const schedulers: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.close()));
});

/** Chunk i answers [i] after 5 ms, unless `fail` says its server fails it (then a ServerFault). */
function setup(fail: (req: ChunkRequest) => ServerFault | null) {
  const fleet = new TestFleet({ faultRemoves: true });
  fleet.add({ id: 'w1', url: 'http://w1.invalid' }, 4);
  fleet.add({ id: 'w2', url: 'http://w2.invalid' }, 4);
  const requests: ChunkRequest[] = [];
  const run: RunChunkFn = async (_worker, _secret, req) => {
    requests.push(req);
    await new Promise((r) => setTimeout(r, 5));
    const err = fail(req);
    if (err) throw err;
    const chunk = req.id.split('/')[1] ?? '';
    return {
      fields: [{ name: 'c', typeOid: 23, typmod: -1 }],
      rows: [[chunk]],
      rowCount: 1,
      ms: 5,
      wallMs: 5,
    };
  };
  const scheduler = new Scheduler({ fleet, runChunk: run, speculation: false });
  schedulers.push(scheduler);
  return { fleet, scheduler, requests };
}

/** Servers taken in turn, skipping avoided ones; records the accounting calls. */
function placement(servers: string[], pinned: boolean) {
  const log: string[] = [];
  let turn = 0;
  const target = (server: string): ChunkTarget => ({
    server,
    url: server === 'primary' ? null : `postgres://u:secret@${server}.invalid/db`,
    snapshot: server === 'primary' ? '00000003-0000001B-1' : null,
    minLsn: server === 'primary' ? null : '0/3000060',
  });
  const p: ChunkPlacement = {
    pinned,
    pick: (avoid) => {
      const free = servers.filter((s) => !avoid.has(s));
      return target(free[turn++ % free.length] ?? 'primary');
    },
    started: (s) => log.push(`start ${s}`),
    finished: (s, outcome) => log.push(`${outcome} ${s}`),
    fault: (s) => log.push(`fault ${s}`),
  };
  return { p, log };
}

let seq = 0;
const input = (chunks: number, p: ChunkPlacement): StatementInput => ({
  plan: rangePlan('scripted', chunks),
  statementId: `s${++seq}`,
  secret: 'x',
  snapshot: 'ignored-with-a-placement',
  settings: {},
  role: null,
  userValues: [],
  placement: p,
});

const fault = (server: string, reason: 'unavailable' | 'behind' | 'conflict') =>
  new ServerFault({ code: '08006', message: `server ${server} is gone` }, { server, reason });

describe('Scheduler with a placement', () => {
  it('sends each attempt its target: replica URL and minLsn, or the snapshot on the primary; stats name the server', async () => {
    const { scheduler, requests } = setup(() => null);
    const { p, log } = placement(['primary', 'r1', 'r2'], false);
    const out = await scheduler.submit(input(6, p));
    expect(out.rows.map((r) => r[0])).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(new Set(out.shards.map((s) => s.server))).toEqual(new Set(['primary', 'r1', 'r2']));
    for (const req of requests) {
      if (req.server) {
        expect(req.server.url).toMatch(/^postgres:\/\/u:secret@r[12]\.invalid/);
        expect(req.minLsn).toBe('0/3000060');
        expect(req.snapshot).toBeNull();
      } else {
        expect(req.snapshot).toBe('00000003-0000001B-1');
        expect(req.minLsn).toBeUndefined();
      }
    }
    expect(log.filter((l) => l.startsWith('start'))).toHaveLength(6);
    expect(log.filter((l) => l.startsWith('ok'))).toHaveLength(6);
  });

  it('spread: a chunk its replica fails runs again on another server; the worker is not blamed', async () => {
    const { scheduler, fleet } = setup((req) =>
      req.server?.id === 'r1' ? fault('r1', 'unavailable') : null,
    );
    const { p, log } = placement(['r1', 'r2', 'primary'], false);
    const out = await scheduler.submit(input(4, p));
    expect(out.rows.map((r) => r[0])).toEqual(['0', '1', '2', '3']);
    expect(out.shards.map((s) => s.server)).not.toContain('r1');
    expect(log).toContain('fault r1');
    expect(fleet.faults).toEqual([]);
    expect(fleet.available().map((w) => w.id)).toEqual(['w1', 'w2']);
  });

  it('spread: a replica that is merely behind is avoided for the chunk, not reported', async () => {
    const { scheduler } = setup((req) => (req.server?.id === 'r2' ? fault('r2', 'behind') : null));
    const { p, log } = placement(['r2', 'primary'], false);
    const out = await scheduler.submit(input(3, p));
    expect(out.shards.map((s) => s.server)).toEqual(['primary', 'primary', 'primary']);
    expect(log.some((l) => l.startsWith('fault'))).toBe(false);
  });

  it('snapshot: a server fault fails the pinned statement at once with that fault', async () => {
    const { scheduler, requests } = setup(() => fault('r1', 'unavailable'));
    const { p, log } = placement(['r1'], true);
    const err = await scheduler.submit(input(4, p)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerFault);
    expect((err as ServerFault).server).toBe('r1');
    expect(requests.length).toBeLessThanOrEqual(4);
    expect(log).toContain('fault r1');
  });
});
