import { beforeAll, describe, expect, it } from 'vitest';
import type { CatalogView, TableInfo } from '../catalog/types.ts';
import { initParser, parseSql } from '../sql/parser.ts';
import { planStatement } from './planner.ts';

const col = (name: string, typname: string, typeOid: number, notNull = false) => ({
  name,
  typeOid,
  typeName: ['pg_catalog', typname] as [string, string],
  notNull,
});

const tables: Record<string, TableInfo> = {
  big: {
    oid: 1,
    schema: 'public',
    name: 'big',
    relkind: 'r',
    hasSubclass: false,
    persistence: 'p',
    pages: 1000,
    rows: 100000,
    primaryKey: 'id',
    tableSelect: true,
    columns: [
      col('id', 'int4', 23, true),
      col('g', 'int4', 23),
      col('x', 'numeric', 1700),
      col('f', 'float8', 701),
    ],
  },
  small: {
    oid: 2,
    schema: 'public',
    name: 'small',
    relkind: 'r',
    hasSubclass: false,
    persistence: 'p',
    pages: 1,
    rows: 10,
    primaryKey: 'id',
    tableSelect: true,
    columns: [col('id', 'int4', 23, true), col('name', 'text', 25)],
  },
  part: {
    oid: 3,
    schema: 'public',
    name: 'part',
    relkind: 'p',
    hasSubclass: true,
    persistence: 'p',
    pages: 50,
    rows: 5000,
    primaryKey: 'id',
    tableSelect: true,
    columns: [col('id', 'int8', 20, true)],
  },
  pg_class: {
    oid: 1259,
    schema: 'pg_catalog',
    name: 'pg_class',
    relkind: 'r',
    hasSubclass: false,
    persistence: 'p',
    pages: 1000,
    rows: 100000,
    primaryKey: 'oid',
    tableSelect: true,
    columns: [col('oid', 'oid', 26, true)],
  },
  scratch: {
    oid: 4,
    schema: 'pg_temp_3',
    name: 'scratch',
    relkind: 'r',
    hasSubclass: false,
    persistence: 't',
    pages: 1000,
    rows: 100000,
    primaryKey: 'id',
    tableSelect: true,
    columns: [col('id', 'int4', 23, true)],
  },
};

const aggregates = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'stddev',
  'var_pop',
  'string_agg',
  'percentile_cont',
]);
const catalog: CatalogView = {
  table: (names) => tables[names[names.length - 1] as string],
  func: (name) => ({
    name,
    isAggregate: aggregates.has(name),
    isWindow: name === 'row_number',
    isVolatile: name === 'random' || name === 'nextval',
  }),
  bounds: (oid, column) =>
    oid === 1 && column === 'g'
      ? { points: ['1', '10', '20', '30', '40'], sorted: true }
      : oid === 1 && column === 'id'
        ? { points: ['1', '25000', '50000', '75000', '100000'], sorted: true }
        : oid === 3
          ? { points: ['100', '1'], sorted: false }
          : undefined,
  typeName: () => ['pg_catalog', 'int4'],
};

function plan(sql: string, chunks = 4) {
  const stmt = (parseSql(sql)[0] as { stmt: unknown }).stmt;
  return planStatement({ stmt, catalog, resultTypes: [], paramTypes: [], chunks });
}

beforeAll(async () => {
  await initParser();
});

describe('planStatement: passthrough with a reason', () => {
  it.each([
    ['SELECT g, row_number() OVER () FROM big', /window function/],
    ['SELECT * FROM big FOR UPDATE', /FOR UPDATE/],
    ['SELECT random() FROM big', /volatile function random/],
    ['SELECT g, count(*) FROM big GROUP BY ROLLUP (g)', /GROUPING SETS/],
    [
      'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r',
      /recursive/,
    ],
    ['WITH d AS (DELETE FROM big RETURNING *) SELECT count(*) FROM d', /data-modifying/],
    ['SELECT g FROM big UNION SELECT id FROM small', /set operation UNION/],
    ['SELECT 1', /no FROM clause/],
    ['SELECT count(*) FROM big WHERE g < extract(epoch from now())', /now\(\) differs/],
    ["SELECT count(*) FROM big WHERE current_date > date '2020-01-01'", /CURRENT_DATE/],
    ["SELECT string_agg(x::text, ',') FROM big", /string_agg\(\) without ORDER BY/],
    ["SELECT string_agg(x::text, ',' ORDER BY x + 1) FROM big", /not a column of a splittable table/],
    ['SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM big', /cannot be combined|ordered-set/],
    [
      'SELECT count(*) FROM small s RIGHT JOIN big b ON b.id = s.id FULL JOIN small t ON true',
      /nullable side/,
    ],
    ['SELECT count(DISTINCT x + 1) FROM big', /DISTINCT or ordered aggregate over an expression/],
    ['SELECT id, g FROM big LIMIT $1 + 1', /LIMIT\/OFFSET given by an expression/],
    ['INSERT INTO big VALUES (1)', /not a SELECT/],
    ['SELECT (SELECT max(b.x) FROM (SELECT 1) AS one) FROM big b', /aggregate the outer query/],
    ['SELECT (SELECT sum(g) FROM small) FROM big', /aggregate the outer query/],
    ['SELECT pg_backend_pid(), count(*) FROM big', /depends on the session/],
    ['SELECT count(*) FROM scratch', /temporary relation/],
    ['SELECT count(*) FROM pg_class', /system catalog/],
    ['SELECT txid_current(), count(*) FROM big', /depends on the session/],
    ["SELECT pg_stat_get_xact_tuples_inserted('big'::regclass) FROM big", /regclass|depends on the session/],
    ["SELECT count(*) FROM big WHERE id::oid = 'small'::regclass", /regclass value/],
    ['SELECT pg_table_is_visible(id::oid) FROM big', /depends on the session/],
    ['SELECT count(*) FROM big WHERE id IN (SELECT id FROM scratch)', /temporary relation/],
    ["SELECT current_setting('application_name'), count(*) FROM big", /may not share/],
    [
      'SELECT count(*) FROM big WHERE g IN (SELECT id FROM small LIMIT 3)',
      /LIMIT without ORDER BY in a subquery/,
    ],
  ])('%s', (sql, reason) => {
    const p = plan(sql);
    expect(p.kind).toBe('passthrough');
    expect(p.kind === 'passthrough' && p.reason).toMatch(reason);
  });
});

describe('planStatement: parallel plans', () => {
  it.each([
    ['SELECT count(*), sum(x) FROM big', 'big', 'ctid-range', 'aggregate'],
    [
      'SELECT s.name, avg(b.x) FROM big b JOIN small s ON s.id = b.g GROUP BY s.name ORDER BY 1',
      'big',
      'ctid-range',
      'aggregate',
    ],
    ['SELECT count(*) FROM small s LEFT JOIN big b ON b.g = s.id', 'small', 'ctid-range', 'aggregate'],
    ['SELECT count(DISTINCT g) FROM big', 'big', 'key-range', 'aggregate'],
    ["SELECT string_agg(x::text, ',' ORDER BY g DESC) FROM big", 'big', 'key-range', 'aggregate'],
    ['SELECT id FROM part WHERE id > 5', 'part', 'key-range', 'rows'],
    ['SELECT id, x FROM big ORDER BY x DESC NULLS LAST, id LIMIT 10', 'big', 'ctid-range', 'rows'],
    ['SELECT DISTINCT g FROM big', 'big', 'ctid-range', 'rows'],
    [
      'WITH s AS (SELECT id FROM small) SELECT count(*) FROM big WHERE g IN (SELECT id FROM s)',
      'big',
      'ctid-range',
      'aggregate',
    ],
    [
      'SELECT g, count(*) FROM (SELECT g FROM big WHERE x > 0) t GROUP BY g',
      'big',
      'ctid-range',
      'aggregate',
    ],
  ])('%s', (sql, table, strategy, merge) => {
    const p = plan(sql);
    if (p.kind !== 'parallel') throw new Error(`not split: ${JSON.stringify(p)}`);
    expect(p.split.table.name).toBe(table);
    expect(p.split.strategy).toBe(strategy);
    expect(p.merge.kind).toBe(merge);
    expect(Object.isFrozen(p)).toBe(true);
  });

  it('records every helper column of avg(): a partial sum and a partial count', () => {
    const p = plan('SELECT g, avg(x) FROM big GROUP BY g');
    if (p.kind !== 'parallel' || p.merge.kind !== 'aggregate') throw new Error('expected an aggregate plan');
    expect(p.merge.columns.map((c) => c.kind)).toEqual(['group', 'collation', 'partial', 'partial']);
    expect(p.shardSql).toMatch(/sum\(x\).*count\(x\)/);
  });

  it.each<[string, number[], string[]]>([
    // Output types known not collatable: no per-row pg_collation_for helper in the shards; keys that are
    // output columns are sorted by those columns, without a copy.
    ['SELECT x, g FROM big ORDER BY x DESC, g LIMIT 10', [1700, 23], ['target', 'target']],
    // Unknown output types (or a text key): the helper stays.
    ['SELECT x, g FROM big ORDER BY x LIMIT 10', [], ['target', 'target', 'collation']],
    ['SELECT name FROM small ORDER BY name LIMIT 3', [25], ['target', 'collation']],
    // A key that is no output column travels as a sort column of its own.
    ['SELECT x FROM big ORDER BY g DESC, x LIMIT 5', [1700], ['target', 'sort', 'collation']],
  ])('%s: sort keys get a collation helper only when their type may have one', (sql, resultTypes, kinds) => {
    const stmt = (parseSql(sql)[0] as { stmt: unknown }).stmt;
    const p = planStatement({ stmt, catalog, resultTypes, paramTypes: [], chunks: 2 });
    if (p.kind !== 'parallel') throw new Error(`expected parallel: ${JSON.stringify(p)}`);
    expect(p.merge.columns.map((c) => c.kind)).toEqual(kinds);
    expect(p.shardSql.includes('pg_collation_for')).toBe(kinds.includes('collation'));
  });

  it.each<[string, RegExp, RegExp | null]>([
    // A NOT NULL column of a table no outer join null-extends: its count is the row count.
    ['SELECT avg(id) FROM big', /sum\(id\) AS __mb_1, count\(\*\) AS __mb_2 FROM/, /count\(id\)/],
    ['SELECT count(id), count(*) FROM big', /SELECT count\(\*\) AS __mb_1 FROM/, /__mb_2/],
    ['SELECT count(b.id) FROM big b LEFT JOIN small s ON s.id = b.g', /count\(\*\)/, /count\(b\.id\)/],
    ['SELECT count(id) FILTER (WHERE g > 1) FROM big', /count\(\*\) FILTER \(WHERE g > 1\)/, /count\(id\)/],
    // Nullable, null-extended by the outer join, or DISTINCT: counted as written.
    ['SELECT avg(g) FROM big', /count\(g\)/, /count\(\*\)/],
    ['SELECT count(s.id) FROM big b LEFT JOIN small s ON s.id = b.g', /count\(s\.id\)/, /count\(\*\)/],
    ['SELECT count(DISTINCT id) FROM big', /count\(DISTINCT id\)/, /count\(\*\)/],
  ])('%s: shard counts %s', (sql, has, hasNot) => {
    const p = plan(sql);
    if (p.kind !== 'parallel') throw new Error(`expected parallel: ${JSON.stringify(p)}`);
    expect(p.shardSql).toMatch(has);
    if (hasNot) expect(p.shardSql).not.toMatch(hasNot);
  });

  it('count(DISTINCT g) splits on the value ranges of g from its histogram', () => {
    const p = plan('SELECT count(DISTINCT g) FROM big', 3);
    if (p.kind !== 'parallel') throw new Error('expected parallel');
    expect(p.split.key).toBe('g');
    expect(p.split.chunks.map((c) => [c.lo, c.hi])).toEqual([
      [null, '20'],
      ['20', '30'],
      ['30', null],
    ]);
  });

  it('puts user parameters first, then the chunk bounds', () => {
    const stmt = (
      parseSql('SELECT count(*) FROM big WHERE g > $2 HAVING count(*) > $1')[0] as { stmt: unknown }
    ).stmt;
    const p = planStatement({ stmt, catalog, resultTypes: [20], paramTypes: [20, 23], chunks: 2 });
    if (p.kind !== 'parallel') throw new Error('expected parallel');
    expect(p.shardParams.user).toEqual([2]);
    expect(p.shardSql).toContain('$1');
    expect(p.shardSql).toMatch(/ctid >= CAST\(\$2 AS pg_catalog\.tid\)/);
  });
});

describe('planStatement: groups whole per chunk (groupKeySplit)', () => {
  const grouped = (sql: string, groupKeySplit = true) => {
    const stmt = (parseSql(sql)[0] as { stmt: unknown }).stmt;
    return planStatement({ stmt, catalog, resultTypes: [], paramTypes: [], chunks: 4, groupKeySplit });
  };

  it.each<[string, string | null]>([
    // A primary-key group column: key ranges on it, the shards run the statement as it is.
    ['SELECT id, count(*) FROM big GROUP BY id ORDER BY count(*) DESC, id LIMIT 5', 'id'],
    ['SELECT b.id, sum(b.x) FROM big b JOIN small s ON s.id = b.g GROUP BY b.id HAVING sum(b.x) > 0', 'id'],
    // Aggregates no partial state can carry are fine: each group is computed whole.
    ['SELECT id, percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM big GROUP BY id', 'id'],
    ['SELECT id, count(DISTINCT g), count(DISTINCT x) FROM big GROUP BY id', 'id'],
    // The group column of the largest table is chosen; small has no statistics to range over anyway.
    ['SELECT s.id, b.id, count(*) FROM big b JOIN small s ON s.id = b.g GROUP BY s.id, b.id', 'id'],
    // No index leads with g: partial aggregates over block ranges as usual.
    ['SELECT g, count(*) FROM big GROUP BY g', null],
    // One group in all: nothing to keep whole.
    ['SELECT count(*) FROM big', null],
  ])('%s', (sql, key) => {
    const p = grouped(sql);
    if (p.kind !== 'parallel') throw new Error(`not split: ${JSON.stringify(p)}`);
    if (key === null) {
      expect(p.split.strategy).toBe('ctid-range');
      expect(p.merge.kind).toBe('aggregate');
      return;
    }
    expect(p.split).toMatchObject({ table: { name: 'big' }, strategy: 'key-range', key });
    expect(p.merge.kind).toBe('rows');
    expect(p.merge.steps[0]).toBe(`groups whole per chunk (split on group key ${key})`);
    expect(p.shardSql).toMatch(/GROUP BY/);
  });

  it('pushes HAVING, ORDER BY and LIMIT into every chunk and sorts and limits again in the merge', () => {
    const p = grouped(
      'SELECT id, sum(x) AS s FROM big GROUP BY id HAVING count(*) > 1 ORDER BY s DESC LIMIT 3 OFFSET 2',
    );
    if (p.kind !== 'parallel' || p.merge.kind !== 'rows') throw new Error('expected a rows merge');
    expect(p.shardSql).toMatch(/HAVING count\(\*\) > 1 ORDER BY .* DESC LIMIT 3 \+ 2/);
    expect(p.merge.final).not.toBeNull();
    expect(p.merge.steps).toContain('LIMIT');
  });

  it('is not used unless asked for', () => {
    const p = grouped('SELECT id, count(*) FROM big GROUP BY id', false);
    if (p.kind !== 'parallel') throw new Error('expected parallel');
    expect(p.merge.kind).toBe('aggregate');
    expect(
      grouped('SELECT id, percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM big GROUP BY id', false).kind,
    ).toBe('passthrough');
  });

  it('still refuses what no split can do', () => {
    expect(grouped('SELECT id, count(*) FROM big GROUP BY ROLLUP (id)')).toMatchObject({
      kind: 'passthrough',
    });
    expect(grouped('SELECT id, random() FROM big GROUP BY id')).toMatchObject({ kind: 'passthrough' });
  });
});
