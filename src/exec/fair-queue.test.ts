// The fair queue: round-robin interleaving of statements, retries first, worker preferences, slot limits.
import { describe, expect, it } from 'vitest';
import { assignSlots, FairQueue, mayRunOn, type QueuedTask, type WorkerSlots } from './fair-queue.ts';

interface Item extends QueuedTask {
  name: string;
}

const item = (name: string, avoid: string[] = [], strict = false): Item => ({
  name,
  avoid: new Set(avoid),
  strict,
});

/** `{ A: 3, B: 1 }` queues A0 A1 A2 for A and B0 for B, owners in key order. */
function queueOf(counts: Record<string, number>): FairQueue<Item> {
  const q = new FairQueue<Item>();
  for (const [owner, n] of Object.entries(counts)) {
    for (let i = 0; i < n; i++) q.add(owner, item(`${owner}${i}`));
  }
  return q;
}

function drain(q: FairQueue<Item>): string[] {
  const out: string[] = [];
  for (let t = q.take(() => true); t; t = q.take(() => true)) out.push(t.name);
  return out;
}

describe('FairQueue.take', () => {
  it.each([
    ['one statement keeps its order', { A: 3 }, 'A0 A1 A2'],
    ['a small statement gets the second turn', { A: 4, B: 1 }, 'A0 B0 A1 A2 A3'],
    ['three statements alternate', { A: 2, B: 2, C: 1 }, 'A0 B0 C0 A1 B1'],
    ['empty statements are skipped', { A: 0, B: 2, C: 1 }, 'B0 C0 B1'],
    ['nothing queued', {}, ''],
  ])('%s', (_name, counts, expected) => {
    expect(drain(queueOf(counts)).join(' ')).toBe(expected);
  });

  it('serves a statement submitted later at its turn, not after the big one', () => {
    const q = queueOf({ big: 64 });
    expect([q.take(() => true), q.take(() => true)].map((t) => t?.name)).toEqual(['big0', 'big1']);
    q.add('small', item('small0'));
    expect(q.take(() => true)?.name).toBe('small0');
    expect(q.size()).toBe(62);
  });

  it('puts retries in front of their own statement only', () => {
    const q = queueOf({ A: 2, B: 1 });
    q.add('A', item('A-retry'), true);
    expect(drain(q).join(' ')).toBe('A-retry B0 A0 A1');
  });

  it('skips tasks the worker may not take, keeping their place', () => {
    const q = new FairQueue<Item>();
    q.add('A', item('A0', ['w1'], true));
    q.add('A', item('A1'));
    q.add('B', item('B0', ['w1'], true));
    expect(q.take((t) => !t.avoid.has('w1'))?.name).toBe('A1');
    expect(q.take((t) => !t.avoid.has('w1'))).toBeUndefined();
    expect(drain(q).join(' ')).toBe('B0 A0');
  });

  it('removes a statement and its tasks, and deletes single tasks', () => {
    const q = queueOf({ A: 2, B: 2, C: 2 });
    expect(q.take(() => true)?.name).toBe('A0');
    expect(q.remove('B').map((t) => t.name)).toEqual(['B0', 'B1']);
    expect(q.remove('B')).toEqual([]);
    const c1 = q.take(() => true);
    expect(c1?.name).toBe('C0');
    q.add('C', item('Cx'));
    expect(q.size('C')).toBe(2);
    expect(q.delete('C', c1 as Item)).toBe(false);
    expect(drain(q).join(' ')).toBe('A1 C1 Cx');
    expect(q.size()).toBe(0);
  });
});

describe('mayRunOn', () => {
  it.each([
    ['a fresh task anywhere', [], false, 'w1', ['w1', 'w2'], true],
    ['a retry prefers another worker', ['w1'], false, 'w1', ['w1', 'w2'], false],
    ['a retry goes back when nobody else is there', ['w1'], false, 'w1', ['w1'], true],
    ['a retry goes back when all others failed it too', ['w1', 'w2'], false, 'w1', ['w1', 'w2'], true],
    ['a duplicate never runs where its original runs', ['w1'], true, 'w1', ['w1'], false],
    ['a duplicate runs on another worker', ['w1'], true, 'w2', ['w1', 'w2'], true],
  ])('%s', (_name, avoid, strict, worker, available, expected) => {
    expect(mayRunOn(item('x', avoid, strict), worker, available)).toBe(expected);
  });
});

describe('assignSlots', () => {
  it.each<[string, Record<string, number>, WorkerSlots[], string]>([
    ['spreads one statement over workers', { A: 5 }, [s('w1', 2), s('w2', 2)], 'w1:A0 w2:A1 w1:A2 w2:A3'],
    [
      'never exceeds a worker’s free slots',
      { A: 9 },
      [s('w1', 1), s('w2', 0), s('w3', 2)],
      'w3:A0 w1:A1 w3:A2',
    ],
    ['the freest worker first', { A: 3, B: 3 }, [s('w1', 1), s('w2', 3)], 'w2:A0 w1:B0 w2:A1 w2:B1'],
    [
      'interleaves statements across slots',
      { A: 4, B: 1, C: 1 },
      [s('w1', 3), s('w2', 3)],
      'w1:A0 w2:B0 w1:C0 w2:A1 w1:A2 w2:A3',
    ],
    ['no free slot, no assignment', { A: 3 }, [s('w1', 0)], ''],
    ['no workers, no assignment', { A: 3 }, [], ''],
    ['fewer chunks than slots', { A: 1 }, [s('w1', 4), s('w2', 4)], 'w1:A0'],
  ])('%s', (_name, counts, slots, expected) => {
    const q = queueOf(counts);
    const out = assignSlots(q, slots).map((a) => `${a.worker}:${a.item.name}`);
    expect(out.join(' ')).toBe(expected);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    expect(q.size()).toBe(total - out.length);
  });

  it('sends a retry to another worker, and back to the failing one only when alone', () => {
    const q = new FairQueue<Item>();
    q.add('A', item('A0-retry', ['w1']));
    expect(assignSlots(q, [s('w1', 4), s('w2', 1)]).map((a) => a.worker)).toEqual(['w2']);
    q.add('A', item('A1-retry', ['w1']));
    expect(assignSlots(q, [s('w1', 4), s('w2', 0)]).map((a) => a.worker)).toEqual([]);
    expect(assignSlots(q, [s('w1', 4)]).map((a) => a.worker)).toEqual(['w1']);
  });
});

function s(id: string, free: number): WorkerSlots {
  return { id, free };
}
