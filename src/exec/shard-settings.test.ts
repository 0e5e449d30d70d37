import { describe, expect, it } from 'vitest';
import type { ParallelPlan } from '../plan/types.ts';
import { SHARD_LOCK_TIMEOUT, shardSettings } from './shard-settings.ts';

const plan = (final: boolean): ParallelPlan =>
  ({
    kind: 'parallel',
    merge: {
      kind: 'rows',
      columns: [],
      targets: 0,
      final: final ? {} : null,
      limit: null,
      offset: 0,
      steps: [],
    },
  }) as unknown as ParallelPlan;

describe('shardSettings', () => {
  it.each([
    ['no session settings, merged', {}, true, { extra_float_digits: '3' }],
    ['no session settings, streamed', {}, false, { extra_float_digits: '3' }],
    [
      'session keeps rounded floats, streamed',
      { extra_float_digits: '0' },
      false,
      { extra_float_digits: '0' },
    ],
    ['session keeps rounded floats, merged', { extra_float_digits: '0' }, true, { extra_float_digits: '3' }],
    [
      'session settings are kept',
      { TimeZone: 'UTC', work_mem: '64MB' },
      true,
      { TimeZone: 'UTC', work_mem: '64MB' },
    ],
    // The chunks are the parallelism: a session's own parallel setting does not reach the shards.
    ['session parallel workers are overridden', { max_parallel_workers_per_gather: '4' }, true, {}],
    ['session lock_timeout is overridden', { lock_timeout: '0' }, true, {}],
  ])('%s', (_name, session, merged, expected) => {
    expect(shardSettings(session, plan(merged))).toEqual({
      extra_float_digits: '3',
      ...session,
      ...expected,
      lock_timeout: SHARD_LOCK_TIMEOUT,
      max_parallel_workers_per_gather: '0',
    });
  });
});
