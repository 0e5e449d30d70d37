// The payoff rules on PostgreSQL's plan shapes (EXPLAIN JSON as PostgreSQL 18 writes it for the TPC-H set).
import { describe, expect, it } from 'vitest';
import { type ExplainNode, estimatedGroups, MAX_PARTIAL_GROUPS, splitPaysOff } from './payoff.ts';
import type { ParallelPlan } from './types.ts';

const scan = (type: string, relation: string, parent = 'Outer'): ExplainNode => ({
  'Node Type': type,
  'Relation Name': relation,
  'Parent Relationship': parent,
});

const agg = (rows: number, child: ExplainNode): ExplainNode => ({
  'Node Type': 'Aggregate',
  'Plan Rows': rows,
  Plans: [child],
});

const plan = (strategy: 'ctid-range' | 'key-range', merge: 'aggregate' | 'rows', chunks = 4): ParallelPlan =>
  ({
    kind: 'parallel',
    split: {
      table: { schema: 'public', name: 'lineitem' },
      strategy,
      chunks: Array.from({ length: chunks }, (_, index) => ({ index, lo: null, hi: null })),
    },
    merge: { kind: merge },
  }) as unknown as ParallelPlan;

const nestLoop = (outer: ExplainNode, inner: ExplainNode): ExplainNode => ({
  'Node Type': 'Nested Loop',
  Plans: [outer, { ...inner, 'Parent Relationship': 'Inner' }],
});

describe('splitPaysOff', () => {
  it.each<[string, ParallelPlan, ExplainNode, RegExp | null]>([
    [
      'Q1: few groups over a sequential scan',
      plan('ctid-range', 'aggregate'),
      agg(4, scan('Seq Scan', 'lineitem')),
      null,
    ],
    [
      'high-cardinality GROUP BY',
      plan('ctid-range', 'aggregate'),
      agg(MAX_PARTIAL_GROUPS / 4 + 1, scan('Seq Scan', 'lineitem')),
      /estimates 5001 groups: shipping and merging them from 4 chunks/,
    ],
    [
      'the same groups in fewer chunks',
      plan('ctid-range', 'aggregate', 2),
      agg(MAX_PARTIAL_GROUPS / 4 + 1, scan('Seq Scan', 'lineitem')),
      null,
    ],
    [
      'many groups do not matter to a rows merge',
      plan('ctid-range', 'rows'),
      agg(MAX_PARTIAL_GROUPS * 10, scan('Seq Scan', 'lineitem')),
      null,
    ],
    [
      'Q3/Q5: the split table is the inner side of an index nested loop',
      plan('ctid-range', 'aggregate'),
      agg(5, nestLoop(scan('Seq Scan', 'orders'), scan('Index Scan', 'lineitem'))),
      /reads lineitem only by index lookups from a nested loop \(Index Scan\)/,
    ],
    [
      'a whole-table index-only scan (count(*)) is not a lookup',
      plan('ctid-range', 'aggregate'),
      agg(1, scan('Index Only Scan', 'lineitem')),
      null,
    ],
    [
      'a lookup under a Memoize on the inner side',
      plan('ctid-range', 'aggregate'),
      agg(
        5,
        nestLoop(scan('Seq Scan', 'part'), {
          'Node Type': 'Memoize',
          Plans: [scan('Index Scan', 'lineitem')],
        }),
      ),
      /only by index lookups/,
    ],
    [
      'an index scan is fine for key-range chunks',
      plan('key-range', 'aggregate'),
      agg(5, nestLoop(scan('Seq Scan', 'orders'), scan('Index Scan', 'lineitem'))),
      null,
    ],
    [
      'a sequential scan of the split table somewhere: may pay',
      plan('ctid-range', 'aggregate'),
      agg(5, nestLoop(scan('Seq Scan', 'lineitem'), scan('Index Only Scan', 'lineitem'))),
      null,
    ],
  ])('%s', (_name, p, explained, reason) => {
    const got = splitPaysOff(p, explained);
    if (reason === null) expect(got).toBeNull();
    else expect(got).toMatch(reason);
  });
});

describe('estimatedGroups', () => {
  it('reads the outermost aggregate of the main flow, not one of an init plan', () => {
    const root: ExplainNode = {
      'Node Type': 'Limit',
      Plans: [
        { ...agg(99_999, scan('Seq Scan', 'part')), 'Parent Relationship': 'InitPlan' },
        {
          'Node Type': 'Sort',
          'Parent Relationship': 'Outer',
          Plans: [agg(7, scan('Seq Scan', 'lineitem'))],
        },
      ],
    };
    expect(estimatedGroups(root)).toBe(7);
  });

  it('is null without an aggregate', () => {
    expect(estimatedGroups(scan('Seq Scan', 'lineitem'))).toBeNull();
  });
});
