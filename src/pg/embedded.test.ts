import { describe, expect, it } from 'vitest';
import { recommendedSharedBuffers } from './embedded.ts';

const GiB = 2 ** 30;

describe('recommendedSharedBuffers', () => {
  it.each([
    [0.25 * GiB, '128MB'],
    [1 * GiB, '256MB'],
    [24 * GiB, '6144MB'],
    [64 * GiB, '8192MB'],
  ])('%d bytes of memory → %s', (total, expected) => {
    expect(recommendedSharedBuffers(total)).toBe(expected);
  });
});
