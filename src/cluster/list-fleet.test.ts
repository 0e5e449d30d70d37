// The plain-list fleet: every listed worker healthy with a fixed concurrency, accounting counted, never an event.
import { describe, expect, it } from 'vitest';
import { LIST_FLEET_CONCURRENCY, listFleet } from './list-fleet.ts';

describe('listFleet', () => {
  it('lists whatever the function lists now, all healthy', () => {
    const refs = [{ id: 'w1', url: 'http://127.0.0.1:1' }];
    const fleet = listFleet(() => refs);
    expect(fleet.available()).toEqual(refs);
    refs.push({ id: 'w2', url: 'http://127.0.0.1:2' });
    expect(fleet.available().map((w) => w.id)).toEqual(['w1', 'w2']);
    expect(fleet.list().map((w) => [w.id, w.state, w.source, w.concurrency])).toEqual([
      ['w1', 'healthy', 'static', LIST_FLEET_CONCURRENCY],
      ['w2', 'healthy', 'static', LIST_FLEET_CONCURRENCY],
    ]);
  });

  it.each([
    [undefined, 4],
    [1, 1],
    [16, 16],
  ])('concurrency %s gives every worker %i slots', (concurrency, expected) => {
    const fleet = listFleet(() => [{ id: 'w1', url: 'x' }], concurrency);
    expect(fleet.concurrencyOf('w1')).toBe(expected);
  });

  it('counts chunks; a reported fault changes nothing', () => {
    const fleet = listFleet(() => [{ id: 'w1', url: 'x' }]);
    let events = 0;
    fleet.on('change', () => events++);
    fleet.chunkStarted('w1');
    fleet.chunkStarted('w1');
    expect(fleet.list()[0]?.inFlight).toBe(2);
    fleet.chunkFinished('w1', { ok: true, rows: 10, ms: 5, workerFault: false });
    fleet.chunkFinished('w1', { ok: false, rows: 0, ms: 7, workerFault: true });
    fleet.reportFault('w1', 'gone');
    expect(fleet.list()[0]).toMatchObject({ inFlight: 0, completed: 1, failed: 1, rows: 10, busyMs: 12 });
    expect(fleet.available().map((w) => w.id)).toEqual(['w1']);
    expect(events).toBe(0);
  });
});
