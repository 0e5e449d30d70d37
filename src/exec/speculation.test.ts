// Which stragglers get a duplicate, and when: at least minMs and multiplier x the statement's median chunk time.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SPECULATION, median, type RunningChunk, stragglers } from './speculation.ts';

const run = (index: number, startedAt: number, attempts = 1): RunningChunk => ({
  index,
  startedAt,
  attempts,
});

describe('median', () => {
  it.each([
    [[], null],
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
  ])('median(%j) = %j', (xs, expected) => {
    expect(median(xs)).toBe(expected);
  });
});

describe('stragglers', () => {
  it.each<[string, RunningChunk[], number[], number, number[], number | null]>([
    ['nothing finished yet: no median, nothing due', [run(0, 0)], [], 10_000, [], null],
    ['short chunks: the 200 ms floor applies', [run(3, 0)], [10, 20, 30], 199, [], 200],
    ['past the floor', [run(3, 0)], [10, 20, 30], 200, [3], null],
    ['long chunks: twice the median', [run(3, 0)], [400, 500, 600], 999, [], 1000],
    ['past twice the median', [run(3, 0)], [400, 500, 600], 1000, [3], null],
    ['longest-running first', [run(5, 50), run(2, 0), run(7, 400)], [100], 500, [2, 5], 600],
    ['a chunk already running twice gets no third', [run(1, 0, 2), run(2, 100)], [50], 400, [2], null],
  ])('%s', (_name, running, finished, now, due, wakeAt) => {
    expect(stragglers(running, finished, now, DEFAULT_SPECULATION)).toEqual({ due, wakeAt });
  });

  it('honours other settings', () => {
    expect(stragglers([run(0, 0)], [100], 250, { multiplier: 3, minMs: 0 })).toEqual({
      due: [],
      wakeAt: 300,
    });
    expect(stragglers([run(0, 0)], [100], 300, { multiplier: 3, minMs: 0 }).due).toEqual([0]);
  });
});
