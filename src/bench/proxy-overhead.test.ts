import { describe, expect, it } from 'vitest';
import { median, renderLatency, renderThroughput, throughputVerdict } from './proxy-overhead.ts';

const rows = [
  { target: 'PostgreSQL direct', tps: [1000, 1200], latencyMs: [0.5, 0.4] },
  { target: 'Mini-Balancer gateway', tps: [850, 810, 830], latencyMs: [0.9, 1, 0.95] },
  { target: 'PgBouncer (session mode)', tps: [1000, 1000], latencyMs: [0.6, 0.6] },
];

describe('median', () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[7], 7],
  ])('%j → %d', (xs, want) => {
    expect(median(xs)).toBe(want);
  });
});

describe('renderThroughput', () => {
  it('one line per target: median TPS, each round, median latency, share of PgBouncer', () => {
    expect(renderThroughput(rows).split('\n')).toEqual([
      '| target | TPS (median) | TPS per round | latency avg (ms) | vs PgBouncer |',
      '|---|---:|---|---:|---:|',
      '| PostgreSQL direct | 1100 | 1000, 1200 | 0.450 | 110% |',
      '| Mini-Balancer gateway | 830 | 850, 810, 830 | 0.950 | 83% |',
      '| PgBouncer (session mode) | 1000 | 1000, 1000 | 0.600 | 100% |',
    ]);
  });

  it('without PgBouncer the ratio is n/a', () => {
    expect(renderThroughput(rows.slice(0, 2))).toContain('| 830 | 850, 810, 830 | 0.950 | n/a |');
  });
});

describe('throughputVerdict', () => {
  it.each([
    ['at 83%', rows, '**met** (83%)'],
    ['at 79%', [rows[1]!, { ...rows[2]!, tps: [1050] }], '**not met** (79%)'],
    ['without PgBouncer', rows.slice(0, 2), 'not measured'],
  ])('%s', (_name, given, want) => {
    expect(throughputVerdict(given)).toContain(want);
  });
});

describe('renderLatency', () => {
  const parse = { p50Us: 23, p95Us: 27, n: 5000 };
  const latency = (gatewayP50: number) => [
    { target: 'PostgreSQL direct', p50Us: 150, p95Us: 190, transactions: 9000 },
    { target: 'Plain relay', p50Us: 250, p95Us: 300, transactions: 7000 },
    { target: 'Mini-Balancer gateway', p50Us: gatewayP50, p95Us: 900, transactions: 5000 },
  ];

  it.each([
    [400, '0.250 ms at p50 over PostgreSQL direct', '0.150 ms. Target (< 1 ms at p50): **met**'],
    [1250, '1.100 ms at p50 over PostgreSQL direct', '1.000 ms. Target (< 1 ms at p50): **not met**'],
  ])('gateway p50 %d µs', (p50, overDirect, verdict) => {
    const text = renderLatency(latency(p50), 'Plain relay', parse);
    expect(text).toContain(`| Mini-Balancer gateway | ${p50} | 900 | 5000 |`);
    expect(text).toContain(overDirect);
    expect(text).toContain(verdict);
    expect(text).toContain('p50 23 µs, p95 27 µs (5000 parses)');
  });
});
