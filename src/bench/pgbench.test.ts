import { describe, expect, it } from 'vitest';
import { parsePgbenchLog, parsePgbenchSummary, percentile, targetOf } from './pgbench.ts';

/** pgbench 15.18 against PostgreSQL 18, as printed. */
const PGBENCH_15 = `pgbench (15.18 (Debian 15.18-0+deb12u1), server 18.4)
transaction type: <builtin: select only>
scaling factor: 10
query mode: simple
number of clients: 2
number of threads: 2
maximum number of tries: 1
duration: 1 s
number of transactions actually processed: 2944
number of failed transactions: 0 (0.000%)
latency average = 0.665 ms
initial connection time = 22.501 ms
tps = 3007.660134 (without initial connection time)
`;

/** pgbench 13 wording: two tps lines, no failed-transaction count. */
const PGBENCH_13 = `number of transactions actually processed: 100
latency average = 1.250 ms
tps = 790.1 (including connections establishing)
tps = 800.5 (excluding connections establishing)
`;

describe('parsePgbenchSummary', () => {
  it.each([
    ['pgbench 15', PGBENCH_15, { tps: 3007.660134, latencyMs: 0.665, transactions: 2944, failed: 0 }],
    ['pgbench 13', PGBENCH_13, { tps: 800.5, latencyMs: 1.25, transactions: 100, failed: 0 }],
    [
      'failed transactions',
      PGBENCH_15.replace('failed transactions: 0 (0.000%)', 'failed transactions: 7 (0.2%)'),
      { tps: 3007.660134, latencyMs: 0.665, transactions: 2944, failed: 7 },
    ],
  ])('%s', (_name, text, want) => {
    expect(parsePgbenchSummary(text)).toEqual(want);
  });

  it('an output without a tps line is an error that shows the output', () => {
    expect(() => parsePgbenchSummary('pgbench: error: connection refused')).toThrow(
      /no tps.*connection refused/s,
    );
  });
});

describe('parsePgbenchLog', () => {
  it.each([
    [
      'one line per transaction, time in µs',
      '0 1 1523 0 1795781662 338644\n0 2 2692 0 1795781662 341355\n',
      [1523, 2692],
    ],
    ['schedule lag column', '3 10 412 0 1700000000 1 55\n', [412]],
    [
      'failed and skipped transactions are left out',
      '0 1 failed 0 1 2\n0 2 skipped 0 1 2\n0 3 99 0 1 2\n',
      [99],
    ],
    ['empty', '', []],
  ])('%s', (_name, text, want) => {
    expect(parsePgbenchLog(text)).toEqual(want);
  });
});

describe('percentile (nearest rank)', () => {
  it.each([
    [[5], 50, 5],
    [[1, 2, 3, 4], 50, 2],
    [[4, 3, 2, 1], 95, 4],
    [[10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 95, 100],
    [[10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0, 10],
  ])('%j at p%d is %d', (values, p, want) => {
    expect(percentile(values, p)).toBe(want);
  });

  it('is NaN without values', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('targetOf', () => {
  it.each([
    [
      'postgres://postgres:p%40ss@127.0.0.1:5433/mb_pgbench',
      { host: '127.0.0.1', port: 5433, user: 'postgres', password: 'p@ss', database: 'mb_pgbench' },
    ],
    ['postgresql://u@[::1]/d', { host: '::1', port: 5432, user: 'u', password: '', database: 'd' }],
    ['postgres://h', { host: 'h', port: 5432, user: 'postgres', password: '', database: 'postgres' }],
  ])('%s', (url, want) => {
    expect(targetOf(url)).toEqual(want);
  });
});
