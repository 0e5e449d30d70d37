// What the planner knows about the database: tables, columns, keys, functions and key statistics (plain data).

export interface ColumnInfo {
  name: string;
  typeOid: number;
  /** [schema, type name], usable as a qualified TypeName. */
  typeName: [string, string];
  notNull: boolean;
}

export interface TableInfo {
  oid: number;
  schema: string;
  name: string;
  /** pg_class.relkind: r table, p partitioned, m materialized view, v view, f foreign ... */
  relkind: string;
  hasSubclass: boolean;
  /** pg_class.relpersistence: p permanent, u unlogged, t temporary (visible to one session only). */
  persistence: string;
  pages: number;
  rows: number;
  columns: ColumnInfo[];
  /** Single-column primary key, if any. */
  primaryKey: string | null;
  /** Column lists of unique indexes without predicate or expressions (the primary key among them). */
  uniqueKeys?: string[][];
  /** SELECT on the whole table (system columns such as ctid need it; column GRANTs are not enough). */
  tableSelect: boolean;
}

export interface FunctionInfo {
  name: string;
  isAggregate: boolean;
  isWindow: boolean;
  /** Some function of this name returns a set (rows multiply in plan order). */
  returnsSet?: boolean;
  isVolatile: boolean;
}

/** A synchronous, prefetched view of the catalog for one statement (the planner is pure). */
export interface CatalogView {
  /** Resolves a RangeVar name (as written, 1–3 parts) with the session's search_path. */
  table(names: string[]): TableInfo | undefined;
  func(name: string): FunctionInfo | undefined;
  /**
   * Split points for a column from pg_stats: the histogram bounds (sorted by the column's own ordering,
   * `sorted: true`), or else the most common values (unsorted).
   */
  bounds(tableOid: number, column: string): { points: string[]; sorted: boolean } | undefined;
  /** [schema, name] of a type OID. */
  typeName(oid: number): [string, string] | undefined;
}

/** Types a key range can be computed on (ordered, with a total order matching their text bounds from pg_stats). */
export const RANGEABLE_TYPES = new Set([
  'int2',
  'int4',
  'int8',
  'numeric',
  'date',
  'timestamp',
  'timestamptz',
  'oid',
]);
