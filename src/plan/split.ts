// Chooses the table to split, the strategy (ctid blocks or key ranges) and builds the chunk ranges.

import { type CatalogView, RANGEABLE_TYPES } from '../catalog/types.ts';
import { type Ast, colRef, columnRefNames } from '../sql/ast.ts';
import { blockRanges, keyRanges } from './ranges.ts';
import { resolveColumn, type Scope, type TableRef } from './scope.ts';
import type { ChunkRange, SplitStrategy } from './types.ts';

export interface SplitChoice {
  table: TableRef;
  strategy: SplitStrategy;
  key: string;
  keyType: [string, string];
  nullable: boolean;
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
  distinctArg: Ast | undefined,
): SplitChoice | string {
  if (distinctArg !== undefined) {
    const hit = columnRefNames(distinctArg) ? resolveColumn(distinctArg, scope) : undefined;
    if (!hit) return 'DISTINCT aggregate over an expression that is not a column of a splittable table';
    if (!hit.table.splittable) return 'DISTINCT aggregate over a table on the nullable side of an outer join';
    return (
      keySplit(hit.table, hit.column.name, catalog, chunks) ??
      `no statistics for ${hit.column.name} (run ANALYZE)`
    );
  }
  const candidates = scope.tables.filter((t) => t.splittable);
  if (candidates.length === 0) {
    return scope.tables.length === 0
      ? 'no base table in FROM to split'
      : 'every table sits on the nullable side of an outer join';
  }
  const best = [...candidates].sort((a, b) => b.info.pages - a.info.pages)[0] as TableRef;
  const { info } = best;
  if (info.relkind === 'r' && !info.hasSubclass) {
    return {
      table: best,
      strategy: 'ctid-range',
      key: 'ctid',
      keyType: ['pg_catalog', 'tid'],
      nullable: false,
      column: colRef(...best.ref, 'ctid'),
      chunks: blockRanges(info.pages, chunks),
      boundsFrom: 'pages',
    };
  }
  if (info.primaryKey) {
    const s = keySplit(best, info.primaryKey, catalog, chunks);
    if (s) return s;
  }
  return `cannot split ${info.schema}.${info.name}: not a plain table and no single-column primary key with statistics`;
}

function keySplit(
  t: TableRef,
  column: string,
  catalog: CatalogView,
  chunks: number,
): SplitChoice | undefined {
  const col = t.info.columns.find((c) => c.name === column);
  if (!col || !RANGEABLE_TYPES.has(col.typeName[1])) return undefined;
  const points = catalog.bounds(t.info.oid, column);
  if (!points && t.info.pages > 0) return undefined;
  return {
    table: t,
    strategy: 'key-range',
    key: column,
    keyType: col.typeName,
    nullable: !col.notNull,
    column: colRef(...t.ref, column),
    chunks: keyRanges(points ?? [], chunks),
    boundsFrom: points ? 'histogram' : 'empty table',
  };
}
