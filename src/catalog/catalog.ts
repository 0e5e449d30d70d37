// Reads tables, keys, functions, types and statistics from PostgreSQL's system catalogs, with a short-lived cache.
import type { SqlClient } from '../pg/sql-client.ts';
import type { CatalogView, ColumnInfo, FunctionInfo, TableInfo } from './types.ts';

const TTL_MS = 5_000;
/** Above this many cached tables, stale entries are dropped. */
const MAX_CACHED = 10_000;

interface Cached<T> {
  at: number;
  value: T;
}

/** A table as loaded, with the version of its definition (`TABLE_VERSION`) and the oid its name resolved to. */
interface CachedTable extends Cached<TableInfo | null> {
  version: string | null;
}

/**
 * What changes when a table's definition does (per pg_class row `c`): the system column `xmin` of its
 * pg_class row and of its columns' pg_attribute rows (types, NOT NULL, added or dropped columns). A cached
 * table whose version, or whose name's resolution, differs is loaded again before a statement is planned
 * with it.
 */
const TABLE_VERSION = `(c.xmin::text || '/' ||
   (SELECT coalesce(array_agg(a.xmin::text ORDER BY a.attnum)::text, '') FROM pg_attribute a
     WHERE a.attrelid = c.oid AND a.attnum > 0))`;
const CHECK_TABLES = `SELECT r.i, c.oid::int AS oid, ${TABLE_VERSION} AS version
    FROM unnest($1::text[]) WITH ORDINALITY AS r(name, i)
    LEFT JOIN pg_class c ON c.oid = to_regclass(r.name)`;

const quoteName = (parts: string[]): string => parts.map((p) => `"${p.replace(/"/g, '""')}"`).join('.');

/** What a statement needs prefetched before it can be planned. */
export interface CatalogRequest {
  tables: string[][];
  functions: string[];
}

/**
 * The only place that queries system catalogs. Lookups are cached for a few seconds per search_path, so DDL
 * is seen quickly; `invalidate()` drops everything (called after DDL passes through).
 */
export class Catalog {
  private tables = new Map<string, CachedTable>();
  private functions = new Map<string, Cached<FunctionInfo | null>>();
  private bounds = new Map<string, Cached<{ points: string[]; sorted: boolean } | null>>();
  private types = new Map<number, [string, string]>();

  /** [schema, name] of a type, from the types loaded by `view()`. */
  typeNameOf(oid: number): [string, string] | undefined {
    return this.types.get(oid);
  }

  /** Drops stale entries (many sessions with their own scopes would otherwise grow the maps). */
  private evict(now: number): void {
    for (const map of [this.tables, this.functions, this.bounds] as Map<string, Cached<unknown>>[]) {
      for (const [k, v] of map) if (now - v.at >= TTL_MS) map.delete(k);
    }
  }

  invalidate(): void {
    this.tables.clear();
    this.functions.clear();
    this.bounds.clear();
  }

  /**
   * Fetches what `req` names (through `client`, in its transaction and search_path) and returns a view.
   * Table lookups are cached per `scope` and search_path: the scope names whatever else changes what a name
   * means or may do (the role, a session's own temporary schema).
   */
  async view(
    client: SqlClient,
    req: CatalogRequest & { types?: number[] },
    searchPath = '',
    scope = '',
  ): Promise<CatalogView> {
    const now = Date.now();
    const fresh = <T>(c: Cached<T> | undefined): c is Cached<T> => c !== undefined && now - c.at < TTL_MS;
    if (this.tables.size > MAX_CACHED) this.evict(now);
    const tableKey = (names: string[]) => `${scope}\u0000${searchPath}\u0000${names.join('\u0000')}`;
    const missingTables = req.tables.filter((t) => !fresh(this.tables.get(tableKey(t))));
    // Cached tables are checked against the catalog as this transaction sees it (one cheap query): a
    // definition changed by any client since (DROP NOT NULL, say) must not be planned with.
    const cachedTables = req.tables.filter((t) => !missingTables.includes(t));
    if (cachedTables.length > 0) missingTables.push(...(await this.changed(client, cachedTables, tableKey)));
    if (missingTables.length > 0) await this.loadTables(client, missingTables, (t) => tableKey(t), now);
    const missingFuncs = [...new Set(req.functions)].filter((f) => !fresh(this.functions.get(f)));
    if (missingFuncs.length > 0) await this.loadFunctions(client, missingFuncs, now);
    // Types created since the last load (result or parameter types of this statement) reload the list.
    if (this.types.size === 0 || req.types?.some((oid) => !this.types.has(oid))) await this.loadTypes(client);
    const tablesSeen: TableInfo[] = [];
    for (const t of req.tables) {
      const info = this.tables.get(tableKey(t))?.value;
      if (info) tablesSeen.push(info);
    }
    await this.loadBounds(client, tablesSeen, now);
    return {
      table: (names) => this.tables.get(tableKey(names))?.value ?? undefined,
      func: (name) => this.functions.get(name)?.value ?? undefined,
      bounds: (oid, column) => this.bounds.get(`${oid}.${column}`)?.value ?? undefined,
      typeName: (oid) => this.types.get(oid),
    };
  }

  /** The cached tables whose name now resolves to another table, or whose definition changed. */
  private async changed(
    client: SqlClient,
    names: string[][],
    key: (t: string[]) => string,
  ): Promise<string[][]> {
    // Prepared once per connection where the client can (~0.5 ms a statement instead of ~1 ms).
    const res = await client.query({
      name: 'mb_catalog_check',
      text: CHECK_TABLES,
      values: [names.map(quoteName)],
    });
    const current = new Map<number, { oid: number | null; version: string | null }>();
    for (const row of res.rows) {
      current.set(Number(row.i), {
        oid: row.oid === null ? null : Number(row.oid),
        version: row.version ?? null,
      });
    }
    return names.filter((t, i) => {
      const cached = this.tables.get(key(t));
      const seen = current.get(i + 1);
      return !cached || !seen || (cached.value?.oid ?? null) !== seen.oid || cached.version !== seen.version;
    });
  }

  private async loadTables(
    client: SqlClient,
    names: string[][],
    key: (t: string[]) => string,
    now: number,
  ): Promise<void> {
    const quoted = names.map(quoteName);
    const res = await client.query({
      text: `SELECT r.i, c.oid::int AS oid, ${TABLE_VERSION} AS version, n.nspname, c.relname, c.relkind,
                    c.relhassubclass, c.relpersistence,
                    (pg_relation_size(c.oid) / current_setting('block_size')::int)::int AS pages,
                    greatest(c.reltuples, 0)::float8 AS rows,
                    has_table_privilege(c.oid, 'SELECT') AS table_select,
                    (SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                      WHERE i.indrelid = c.oid AND i.indisprimary AND i.indnkeyatts = 1) AS pk,
                    (SELECT json_agg(u.cols) FROM (
                       SELECT array_agg(a.attname::text ORDER BY k.ord) AS cols
                         FROM pg_index i
                         CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                        WHERE i.indrelid = c.oid AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
                          AND k.ord <= i.indnkeyatts
                        GROUP BY i.indexrelid) u) AS uniques,
                    (SELECT json_agg(json_build_object('name', a.attname, 'typeOid', a.atttypid::int, 'nsp', tn.nspname,
                        'typname', t.typname,
                        -- PostgreSQL 18 sets attnotnull for NOT VALID not-null constraints too: old rows may be null.
                        'notNull', a.attnotnull AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                          WHERE k.conrelid = a.attrelid AND k.contype = 'n' AND NOT k.convalidated
                            AND a.attnum = ANY (k.conkey))) ORDER BY a.attnum)
                       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = t.typnamespace
                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
               FROM unnest($1::text[]) WITH ORDINALITY AS r(name, i)
               JOIN pg_class c ON c.oid = to_regclass(r.name)
               JOIN pg_namespace n ON n.oid = c.relnamespace`,
      values: [quoted],
    });
    const found = new Map<number, TableInfo>();
    const versions = new Map<number, string>();
    for (const row of res.rows) {
      versions.set(Number(row.i), String(row.version));
      const cols = (typeof row.columns === 'string' ? JSON.parse(row.columns) : (row.columns ?? [])) as {
        name: string;
        typeOid: number;
        nsp: string;
        typname: string;
        notNull: boolean;
      }[];
      found.set(Number(row.i), {
        oid: Number(row.oid),
        schema: row.nspname,
        name: row.relname,
        relkind: row.relkind,
        hasSubclass: row.relhassubclass === true || row.relhassubclass === 't',
        persistence: String(row.relpersistence ?? 'p'),
        pages: Number(row.pages),
        rows: Number(row.rows),
        primaryKey: row.pk ?? null,
        uniqueKeys: (typeof row.uniques === 'string'
          ? JSON.parse(row.uniques)
          : (row.uniques ?? [])) as string[][],
        tableSelect: isTrue(row.table_select),
        columns: cols.map(
          (c): ColumnInfo => ({
            name: c.name,
            typeOid: c.typeOid,
            typeName: [c.nsp, c.typname],
            notNull: c.notNull,
          }),
        ),
      });
    }
    names.forEach((t, i) => {
      this.tables.set(key(t), {
        at: now,
        value: found.get(i + 1) ?? null,
        version: versions.get(i + 1) ?? null,
      });
    });
  }

  private async loadFunctions(client: SqlClient, names: string[], now: number): Promise<void> {
    const res = await client.query({
      text: `SELECT proname, bool_or(prokind = 'a') AS agg, bool_or(prokind = 'w') AS win, bool_or(provolatile = 'v') AS vol, bool_or(proretset) AS srf
               FROM pg_proc WHERE proname = ANY($1::text[]) GROUP BY proname`,
      values: [names],
    });
    const byName = new Map<string, FunctionInfo>();
    for (const r of res.rows) {
      byName.set(r.proname, {
        name: r.proname,
        isAggregate: isTrue(r.agg),
        isWindow: isTrue(r.win),
        returnsSet: isTrue(r.srf),
        isVolatile: isTrue(r.vol),
      });
    }
    for (const n of names) this.functions.set(n, { at: now, value: byName.get(n) ?? null });
  }

  private async loadTypes(client: SqlClient): Promise<void> {
    const res = await client.query(
      'SELECT t.oid::int AS oid, n.nspname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace',
    );
    for (const r of res.rows) this.types.set(Number(r.oid), [r.nspname, r.typname]);
  }

  /** Split points for every rangeable key-ish column of the tables (primary key and indexed columns are cheap to keep). */
  private async loadBounds(client: SqlClient, tables: TableInfo[], now: number): Promise<void> {
    const want = tables.filter(
      (t) => !this.bounds.has(`${t.oid}.*`) || now - this.bounds.get(`${t.oid}.*`)!.at >= TTL_MS,
    );
    if (want.length === 0) return;
    // pg_stats filtered by its own name columns: joining it to pg_class by oid took 3x as long (~8 ms for
    // lineitem), paid by every statement whose tables' statistics had expired.
    const res = await client.query({
      text: `SELECT s.schemaname, s.tablename, s.attname, s.histogram_bounds::text AS hist,
                    s.most_common_vals::text AS mcv
               FROM pg_stats s
              WHERE s.schemaname = ANY($1::name[]) AND s.tablename = ANY($2::name[]) AND NOT s.inherited`,
      values: [[...new Set(want.map((t) => t.schema))], [...new Set(want.map((t) => t.name))]],
    });
    const oidOf = new Map(want.map((t) => [`${t.schema}\u0000${t.name}`, t.oid]));
    for (const t of want) this.bounds.set(`${t.oid}.*`, { at: now, value: null });
    for (const row of res.rows) {
      const oid = oidOf.get(`${row.schemaname}\u0000${row.tablename}`);
      if (oid === undefined) continue;
      const hist = parseTextArray(row.hist);
      const mcv = parseTextArray(row.mcv);
      const value =
        hist.length > 0
          ? { points: hist, sorted: true }
          : mcv.length > 0
            ? { points: mcv, sorted: false }
            : null;
      this.bounds.set(`${oid}.${row.attname}`, { at: now, value });
    }
    // No statistics (never analyzed, or hidden: pg_stats shows none for tables under row-level security):
    // for an integer primary key, evenly spaced points between min and max, read as the statement's role.
    for (const t of want) {
      const pk = t.primaryKey;
      const col = t.columns.find((c) => c.name === pk);
      if (!pk || !col || !INTEGER_TYPES.has(col.typeName[1]) || this.bounds.get(`${t.oid}.${pk}`)?.value)
        continue;
      const points = await minMaxPoints(client, t, pk);
      if (points) this.bounds.set(`${t.oid}.${pk}`, { at: now, value: { points, sorted: true } });
    }
  }
}

const INTEGER_TYPES = new Set(['int2', 'int4', 'int8']);
const quoteIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

async function minMaxPoints(client: SqlClient, t: TableInfo, column: string): Promise<string[] | undefined> {
  await client.query('SAVEPOINT mb_minmax');
  try {
    const res = await client.query({
      text: `SELECT min(${quoteIdent(column)})::text AS lo, max(${quoteIdent(column)})::text AS hi FROM ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`,
      rowMode: 'array',
    });
    await client.query('RELEASE SAVEPOINT mb_minmax');
    const [lo, hi] = (res.rows[0] ?? []) as (string | null)[];
    if (lo == null || hi == null) return undefined;
    const a = BigInt(lo);
    const b = BigInt(hi);
    const n = 100n;
    const out: string[] = [];
    for (let i = 0n; i <= n; i++) {
      const p = (a + ((b - a) * i) / n).toString();
      if (out[out.length - 1] !== p) out.push(p);
    }
    return out;
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT mb_minmax');
    return undefined;
  }
}

function isTrue(v: unknown): boolean {
  return v === true || v === 't';
}

/** Parses a one-dimensional PostgreSQL array literal (`{a,"b c",NULL}`) into its text elements (NULLs dropped). */
export function parseTextArray(lit: string | null | undefined): string[] {
  if (!lit) return [];
  const out: string[] = [];
  let i = lit.indexOf('{') + 1;
  while (i < lit.length && lit[i] !== '}') {
    if (lit[i] === ',') {
      i++;
      continue;
    }
    if (lit[i] === '"') {
      let s = '';
      i++;
      while (i < lit.length && lit[i] !== '"') {
        if (lit[i] === '\\') i++;
        s += lit[i];
        i++;
      }
      i++;
      out.push(s);
    } else {
      let j = i;
      while (j < lit.length && lit[j] !== ',' && lit[j] !== '}') j++;
      const s = lit.slice(i, j);
      if (s !== 'NULL') out.push(s);
      i = j;
    }
  }
  return out;
}
