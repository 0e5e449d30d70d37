// The payoff rules on PostgreSQL's plan shapes (EXPLAIN JSON as PostgreSQL 18 writes it for the TPC-H set).
import { describe, expect, it } from 'vitest';
import {
  chunkPlanPays,
  type ExplainNode,
  estimatedGroups,
  MAX_PARTIAL_GROUPS,
  MIN_SPLIT_PAGES,
  splitPaysOff,
} from './payoff.ts';
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

const plan = (
  strategy: 'ctid-range' | 'key-range',
  merge: 'aggregate' | 'rows',
  chunks = 4,
  pages?: number,
): ParallelPlan =>
  ({
    kind: 'parallel',
    split: {
      table: { schema: 'public', name: 'lineitem', ...(pages === undefined ? {} : { pages }) },
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
    const got = splitPaysOff(p, explained)?.reason ?? null;
    if (reason === null) expect(got).toBeNull();
    else expect(got).toMatch(reason);
  });
});

describe('splitPaysOff: table size', () => {
  const seq = agg(1, scan('Seq Scan', 'lineitem'));
  it.each([
    ['no page count: judged on the plan alone', undefined, null],
    ['a table below 8 MB runs whole', MIN_SPLIT_PAGES - 1, /fewer than 1024/],
    ['an empty table runs whole', 0, /has 0 pages/],
    ['a table of 8 MB may split', MIN_SPLIT_PAGES, null],
    ['a floor of 0 (--min-split-pages 0) lets an empty table split', 0, null],
  ])('%s', (name, pages, reason) => {
    const floor = name.includes('floor of 0') ? 0 : MIN_SPLIT_PAGES;
    const got = splitPaysOff(plan('ctid-range', 'aggregate', 4, pages), seq, floor)?.reason ?? null;
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

describe('chunkPlanPays: a chunk of a group-key split pays', () => {
  const at = (type: string, relation: string, cost: number, alias = relation): ExplainNode => ({
    ...scan(type, relation),
    Alias: alias,
    'Total Cost': cost,
  });
  const node = (type: string, ...plans: ExplainNode[]): ExplainNode => ({ 'Node Type': type, Plans: plans });
  it.each<[string, ExplainNode, boolean]>([
    // GROUP BY l_orderkey ... LIMIT 20 over one key range: the primary key's index reads just the range.
    [
      'the range through the index, nothing else',
      node('Limit', node('Sort', agg(1, at('Index Scan', 'lineitem', 228_275)))),
      true,
    ],
    ['a bitmap scan of the range', agg(1, at('Bitmap Heap Scan', 'lineitem', 90_000)), true],
    // PostgreSQL scans the range sequentially: every chunk reads the whole table.
    ['the range by a sequential scan', agg(1, at('Seq Scan', 'lineitem', 200_000)), false],
    [
      'a small table read whole beside the range',
      agg(
        1,
        node('Hash Join', at('Index Scan', 'orders', 7_000), node('Hash', at('Seq Scan', 'customer', 5_000))),
      ),
      true,
    ],
    // TPC-H Q18 split on o_orderkey: its IN subquery aggregates all of lineitem in every chunk.
    [
      'a whole table aggregated in every chunk',
      node(
        'Nested Loop',
        node(
          'Merge Join',
          at('Index Scan', 'orders', 7_665),
          agg(129_996, at('Index Scan', 'lineitem', 415_986, 'lineitem_1')),
        ),
        { ...at('Index Scan', 'lineitem', 3.4), 'Parent Relationship': 'Inner' },
      ),
      false,
    ],
    // Index lookups per row of the range scale with the range: they do not count against it.
    [
      'index lookups from the range',
      node('Nested Loop', at('Index Scan', 'orders', 7_665), {
        ...at('Index Scan', 'lineitem', 50),
        'Parent Relationship': 'Inner',
      }),
      true,
    ],
    [
      'the split table under another alias only',
      agg(1, at('Index Scan', 'orders', 7_000, 'orders_1')),
      false,
    ],
  ])('%s', (_name, chunkPlan, pays) => {
    const relation = JSON.stringify(chunkPlan).includes('"orders"') ? 'orders' : 'lineitem';
    expect(chunkPlanPays(chunkPlan, relation, relation)).toBe(pays);
  });
});
