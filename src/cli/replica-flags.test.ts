// `serve` / `demo` read-replica flags: --replica-url, --max-replica-lag, --consistency, with env fallbacks.
import { afterEach, describe, expect, it } from 'vitest';
import { redactArg } from './bench.ts';
import { type Flags, UsageError } from './command.ts';
import { replicaFlags } from './serve.ts';

const ENV = ['MB_REPLICA_URLS', 'MB_MAX_REPLICA_LAG', 'MB_CONSISTENCY'];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

afterEach(() => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('replicaFlags', () => {
  it.each<[string, Flags, Record<string, string>, Record<string, unknown>]>([
    ['defaults', {}, {}, { replicaUrls: [], maxReplicaLagMs: 5000, consistency: 'snapshot' }],
    [
      'repeatable --replica-url, lag in seconds, spread',
      {
        'replica-url': ['postgres://u:p@r1:5432/db', 'postgresql://r2/db'],
        'max-replica-lag': '0.5',
        consistency: 'spread',
      },
      {},
      {
        replicaUrls: ['postgres://u:p@r1:5432/db', 'postgresql://r2/db'],
        maxReplicaLagMs: 500,
        consistency: 'spread',
      },
    ],
    [
      'from the environment',
      {},
      {
        MB_REPLICA_URLS: 'postgres://a/db, postgres://b/db',
        MB_MAX_REPLICA_LAG: '2',
        MB_CONSISTENCY: 'spread',
      },
      { replicaUrls: ['postgres://a/db', 'postgres://b/db'], maxReplicaLagMs: 2000, consistency: 'spread' },
    ],
    [
      'flags win over the environment',
      { consistency: 'snapshot', 'max-replica-lag': '10' },
      { MB_CONSISTENCY: 'spread', MB_MAX_REPLICA_LAG: '1' },
      { consistency: 'snapshot', maxReplicaLagMs: 10_000 },
    ],
  ])('%s', (_name, flags, env, expected) => {
    for (const k of ENV) delete process.env[k];
    Object.assign(process.env, env);
    expect(replicaFlags(flags)).toMatchObject(expected);
  });

  it.each<[Flags, RegExp]>([
    [{ 'replica-url': ['http://r1:5432'] }, /--replica-url must be a postgres:\/\/ URL/],
    [{ 'max-replica-lag': 'soon' }, /--max-replica-lag must be a number of seconds/],
    [{ 'max-replica-lag': '-1' }, /--max-replica-lag must be a number of seconds/],
    [{ consistency: 'eventual' }, /--consistency must be snapshot or spread/],
  ])('%j is a usage error', (flags, message) => {
    for (const k of ENV) delete process.env[k];
    expect(() => replicaFlags(flags)).toThrow(UsageError);
    expect(() => replicaFlags(flags)).toThrow(message);
  });

  it('never prints a password in its usage error', () => {
    expect(() => replicaFlags({ 'replica-url': ['mysql://u:hunter2@h/db'] })).toThrow(/u:\*\*\*@h/);
  });
});

describe('redactArg (the bench records its command line)', () => {
  it.each([
    ['postgres://u:pw@h:5432/db', 'postgres://u:***@h:5432/db'],
    ['--replica-url=postgresql://u:p%40ss@h/db', '--replica-url=postgresql://u:***@h/db'],
    ['postgres://h/db', 'postgres://h/db'],
    ['--sf', '--sf'],
  ])('%s', (arg, want) => {
    expect(redactArg(arg)).toBe(want);
  });
});
