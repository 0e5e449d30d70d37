// Chooses the table to split, the strategy (ctid blocks or key ranges) and builds the chunk ranges.

import { type CatalogView, RANGEABLE_TYPES } from '../catalog/types.ts';
import { type Ast, colRef, columnRefNames } from '../sql/ast.ts';
import type { SplitRequirement } from './aggregate.ts';
import { blockRanges, keyRanges } from './ranges.ts';
import { resolveColumn, type Scope, type TableRef } from './scope.ts';
import type { ChunkRange, SplitStrategy } from './types.ts';

export interface SplitChoice {
  table: TableRef;
  strategy: SplitStrategy;
  key: string;
  keyType: [string, string];
  nullable: boolean;
  /** Rows with a NULL key go to the first chunk (else the last). */
  nullsInFirstChunk?: boolean;
  column: Ast;
  chunks: ChunkRange[];
  boundsFrom: string;
}

/**
 * Picks the split: when DISTINCT aggregates need chunks disjoint in their argument, key ranges on that
 * column; otherwise the largest splittable table, by ctid block ranges (no index needed) or by its
 * primary key when ctid cannot be used (partitioned or inherited tables).
 */
export function chooseSplit(
  scope: Scope,
  catalog: CatalogView,
  chunks: number,
  required: SplitRequirement | undefined,
  owner: Ast,
): SplitChoice | string {
  if (required !== undefined) {
    const distinctArg = required.column;
    const hit = columnRefNames(distinctArg) ? resolveColumn(distinctArg, scope, owner) : undefined;
    if (!hit)
      return 'DISTINCT or ordered aggregate over an expression that is not a column of a splittable table';
    if (!hit.table.splittable)
      return 'DISTINCT or ordered aggregate over a table on the nullable side of an outer join';
    const s = keySplit(hit.table, hit.column.name, catalog, chunks);
    return s
      ? { ...s, nullsInFirstChunk: required.nullsInFirstChunk }
      : `no usable statistics for ${hit.column.name} (run ANALYZE)`;
  }
  const candidates = scope.tables.filter((t) => t.splittable);
  if (candidates.length === 0) {
    return scope.tables.length === 0
      ? 'no base table in FROM to split'
      : 'every table sits on the nullable side of an outer join';
  }
  // Largest first; a table feeding a grouped derived table can only be split on its group column.
  const ordered = [...candidates].sort((a, b) => b.info.pages - a.info.pages);
  let why = '';
  for (const t of ordered) {
    const { info } = t;
    if (t.requiredKey) {
      const s = keySplit(t, t.requiredKey, catalog, chunks);
      if (s) return s;
      why ||= `no usable statistics for ${info.name}.${t.requiredKey}, the group column of a derived table`;
      continue;
    }
    if (info.relkind === 'r' && !info.hasSubclass && info.tableSelect) {
      return {
        table: t,
        strategy: 'ctid-range',
        key: 'ctid',
        keyType: ['pg_catalog', 'tid'],
        nullable: false,
        column: colRef(...t.ref, 'ctid'),
        chunks: blockRanges(info.pages, chunks),
        boundsFrom: 'pages',
      };
    }
    const s = info.primaryKey ? keySplit(t, info.primaryKey, catalog, chunks) : undefined;
    if (s) return s;
    why ||= `cannot split ${info.schema}.${info.name}: no ctid ranges (not a plain table, or no table-level SELECT) and no single-column primary key with statistics`;
  }
  return why;
}

/** Whether a unique index (the primary key among them) leads with `column`, so a key range is an index range. */
function leadsAnIndex(t: TableRef, column: string): boolean {
  return t.info.primaryKey === column || (t.info.uniqueKeys ?? []).some((k) => k[0] === column);
}

/**
 * Key ranges on a GROUP BY column of a table the SELECT itself reads: rows of one group share that column's
 * value, so every group lies whole in one chunk and each chunk can finish its groups (HAVING, ORDER BY,
 * LIMIT included); the merge only concatenates, sorts and limits rows. Only columns a unique index leads
 * with: a chunk then reads its range through the index instead of scanning the whole table.
 *
 * @example
 *   // SELECT l_orderkey, sum(l_quantity) FROM lineitem GROUP BY l_orderkey ORDER BY 2 DESC LIMIT 20
 *   groupKeySplit(groups, scope, catalog, 8, sel) // → key ranges on lineitem.l_orderkey (primary key)
 */
export function groupKeySplit(
  groups: Ast[],
  scope: Scope,
  catalog: CatalogView,
  chunks: number,
  owner: Ast,
): SplitChoice | undefined {
  const hits = groups
    .map((g) => (columnRefNames(g) ? resolveColumn(g, scope, owner) : undefined))
    .filter((h) => h !== undefined)
    .filter((h) => h.table.splittable && leadsAnIndex(h.table, h.column.name))
    .filter((h) => h.table.requiredKey === undefined || h.table.requiredKey === h.column.name)
    // The largest table first: the chunks divide its reading, every other table is read by each chunk.
    .sort((a, b) => b.table.info.pages - a.table.info.pages);
  for (const hit of hits) {
    const s = keySplit(hit.table, hit.column.name, catalog, chunks);
    if (s && s.chunks.length > 1) return s;
  }
  return undefined;
}

/**
 * Key ranges on `column`. Histogram bounds come sorted by the column's own ordering (collation included),
 * the same ordering the range predicate uses, so ranges are disjoint and cover every value. Most common
 * values are sorted here, only for integer, numeric and ISO date/time types where that order is exact.
 */
function keySplit(
  t: TableRef,
  column: string,
  catalog: CatalogView,
  chunks: number,
): SplitChoice | undefined {
  const col = t.info.columns.find((c) => c.name === column);
  if (!col) return undefined;
  const stats = catalog.bounds(t.info.oid, column);
  let points: string[] | undefined;
  if (stats?.sorted) points = stats.points;
  else if (stats && RANGEABLE_TYPES.has(col.typeName[1])) points = sortLoose(stats.points);
  if (!points && t.info.pages > 0) return undefined;
  return {
    table: t,
    strategy: 'key-range',
    key: column,
    keyType: col.typeName,
    nullable: !col.notNull,
    column: colRef(...t.ref, column),
    chunks: keyRanges(points ?? [], chunks),
    boundsFrom: stats?.sorted ? 'histogram' : points ? 'most common values' : 'empty table',
  };
}

/** Sorts most-common values of an integer, numeric or ISO date/time column (the rangeable types). */
export function sortLoose(values: string[]): string[] {
  const numeric = values.every((v) => /^-?\d+(\.\d+)?$/.test(v));
  return [...values].sort((a, b) => (numeric ? compareDecimal(a, b) : a < b ? -1 : a > b ? 1 : 0));
}

function compareDecimal(a: string, b: string): number {
  const [ai, af = ''] = a.split('.');
  const [bi, bf = ''] = b.split('.');
  const scale = Math.max(af.length, bf.length);
  const x = BigInt(ai + af.padEnd(scale, '0'));
  const y = BigInt(bi + bf.padEnd(scale, '0'));
  return x < y ? -1 : x > y ? 1 : 0;
}
