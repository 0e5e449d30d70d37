// Fixed-rate rounds and time limits.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FixedRate, withTimeout } from './periodic.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('FixedRate', () => {
  it('starts a round every interval, never two at once, and stops', async () => {
    vi.useFakeTimers();
    let running = 0;
    let most = 0;
    let rounds = 0;
    const overruns: number[] = [];
    const loop = new FixedRate(
      100,
      async () => {
        rounds++;
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, rounds === 2 ? 250 : 10));
        running--;
      },
      (ms) => overruns.push(ms),
    );
    loop.start();
    await vi.advanceTimersByTimeAsync(99);
    expect(rounds).toBe(0);
    await vi.advanceTimersByTimeAsync(1); // t=100: round 1 (10 ms)
    await vi.advanceTimersByTimeAsync(100); // t=200: round 2 (250 ms, overruns)
    expect(rounds).toBe(2);
    await vi.advanceTimersByTimeAsync(251); // t=450: round 2 ends; round 3 starts at once (no wait)
    expect(rounds).toBe(3);
    expect(overruns).toHaveLength(1);
    expect(most).toBe(1);
    loop.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(rounds).toBe(3);
  });

  it('keeps going after a failed round', async () => {
    vi.useFakeTimers();
    let rounds = 0;
    const loop = new FixedRate(50, async () => {
      rounds++;
      throw new Error('boom');
    });
    loop.start(0);
    await vi.advanceTimersByTimeAsync(120);
    expect(rounds).toBe(3);
    loop.stop();
  });
});

describe('withTimeout', () => {
  it.each([
    ['answers in time', 10, 'ok'],
    ['too slow', 1000, 'late'],
  ])('%s', async (_name, takes, want) => {
    const work = new Promise<string>((r) => setTimeout(() => r('ok'), takes));
    const got = await withTimeout(work, 100, 'late').catch((e: Error) => e.message);
    expect(got).toBe(want);
  });
});
