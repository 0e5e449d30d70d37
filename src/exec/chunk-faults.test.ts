// Chunk failures: which SQLSTATEs are the worker's or the server's (retried) and which the statement's; our errors.
import { describe, expect, it } from 'vitest';
import { PgError } from '../errors/pg-error.ts';
import { chunkExhausted, faultKind, noWorkers } from './chunk-faults.ts';

describe('faultKind', () => {
  it.each([
    ['08006', 'worker'],
    ['08001', 'worker'],
    ['08P01', 'worker'],
    ['57P01', 'server'],
    ['57P02', 'server'],
    ['57P03', 'server'],
    ['53300', 'server'],
    ['53200', 'server'],
    ['42501', 'statement'],
    ['42601', 'statement'],
    ['22012', 'statement'],
    ['57014', 'statement'],
    ['XX000', 'statement'],
  ])('%s is the %s’s', (code, kind) => {
    expect(faultKind(new PgError({ code, message: 'x' }))).toBe(kind);
  });

  it('anything that is not a PgError is the statement’s (a bug, not a worker fault)', () => {
    expect(faultKind(new TypeError('x'))).toBe('statement');
  });
});

describe('chunkExhausted', () => {
  it('names the chunk, the workers and the last cause; 08006 for faults', () => {
    const err = chunkExhausted('ab12', 3, [
      { worker: 'w1', message: 'worker w1 failed while running chunk ab12/3: ECONNRESET', timedOut: false },
      { worker: 'w2', message: 'worker w2 failed while running chunk ab12/3: ECONNREFUSED', timedOut: false },
    ]);
    expect(err.code).toBe('08006');
    expect(err.message).toBe(
      'chunk 3 of statement ab12 failed on workers w1, w2: worker w2 failed while running chunk ab12/3: ECONNREFUSED',
    );
    expect(err.detail).toMatch(/^attempt 1 on w1: .*ECONNRESET; attempt 2 on w2: .*ECONNREFUSED$/);
  });

  it('57014 when the last attempt hit the chunk timeout', () => {
    const timeout = {
      worker: 'w3',
      message: 'worker w3 stopped responding (chunk timeout 2000 ms)',
      timedOut: true,
    };
    const err = chunkExhausted('ab12', 3, [
      { ...timeout, worker: 'w1' },
      { ...timeout, worker: 'w2' },
      timeout,
    ]);
    expect(err.code).toBe('57014');
    expect(err.message).toContain(
      'failed on workers w1, w2, w3: worker w3 stopped responding (chunk timeout 2000 ms)',
    );
  });
});

describe('noWorkers', () => {
  it('is 08006 with the wait and the chunks waiting', () => {
    const err = noWorkers('ab12', 10_000.4, 5);
    expect(err.code).toBe('08006');
    expect(err.message).toBe('no healthy worker available for 10000 ms');
    expect(err.detail).toBe('statement ab12 had 5 chunks waiting for a worker');
  });
});
