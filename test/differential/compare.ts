// Compares a direct PostgreSQL result with Mini-Balancer's: names, type OIDs and rows exactly; floats within rounding.

/** A result as the suite sees it: column names, type OIDs and values in PostgreSQL's text output format. */
export interface Result {
  columns: { name: string; typeOid: number }[];
  rows: (string | null)[][];
}

const FLOAT4 = 700;
const FLOAT8 = 701;
/** Relative tolerance per float type: partial sums combined in another order differ in the last bits. */
const TOLERANCE: Record<number, number> = { [FLOAT4]: 1e-6, [FLOAT8]: 1e-12 };
/** Significant digits kept of a float in the canonical sort key, so both sides sort alike. */
const KEY_DIGITS = 10;

function parseFloatText(v: string): number {
  // PostgreSQL spells them 'NaN', 'Infinity', '-Infinity'; Number() reads all three and every finite form.
  return Number(v);
}

/** True when two float texts are equal within the column type's relative tolerance (NaN equals NaN). */
export function floatsEqual(a: string, b: string, typeOid: number): boolean {
  if (a === b) return true;
  const x = parseFloatText(a);
  const y = parseFloatText(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  if (x === y) return true; // 0 and -0, or two spellings of one value
  if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
  const tol = TOLERANCE[typeOid] ?? 0;
  return Math.abs(x - y) <= tol * Math.max(Math.abs(x), Math.abs(y));
}

type KeyPart = null | string | number;

function canonicalKey(row: (string | null)[], floatCols: boolean[]): KeyPart[] {
  return row.map((v, i) => {
    if (v === null) return null;
    if (!floatCols[i]) return v;
    const x = parseFloatText(v);
    if (Number.isNaN(x)) return 'NaN';
    if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
    const rounded = Number(x.toPrecision(KEY_DIGITS));
    return rounded === 0 ? 0 : rounded; // -0 sorts with 0
  });
}

function comparePart(a: KeyPart, b: KeyPart): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1; // finite floats before 'NaN'/'Infinity' markers
  if (typeof b === 'number') return 1;
  return a < b ? -1 : 1;
}

function compareKeys(a: KeyPart[], b: KeyPart[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const c = comparePart(a[i] ?? null, b[i] ?? null);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function sortCanonically(rows: (string | null)[][], floatCols: boolean[]): (string | null)[][] {
  return rows
    .map((row) => ({ row, key: canonicalKey(row, floatCols) }))
    .sort((x, y) => compareKeys(x.key, y.key))
    .map((x) => x.row);
}

const show = (v: string | null | undefined): string =>
  v === null || v === undefined ? 'NULL' : JSON.stringify(v);

/**
 * Compares two results; returns null when they are equal, else a description of the first difference.
 * Column names and type OIDs must match exactly, and so must every value except in float4/float8
 * columns, which may differ by a relative 1e-6 / 1e-12. Unordered results are compared as multisets.
 *
 * @example
 *   compareResults(direct, viaGateway, { ordered: false }); // null, or 'row 3 (sorted), column "sum": ...'
 */
export function compareResults(direct: Result, mb: Result, opts: { ordered: boolean }): string | null {
  const names = (r: Result) => r.columns.map((c) => `${c.name}:${c.typeOid}`).join(', ');
  if (direct.columns.length !== mb.columns.length) {
    return `column count differs: direct has ${direct.columns.length} (${names(direct)}), mini-balancer ${mb.columns.length} (${names(mb)})`;
  }
  for (const [i, d] of direct.columns.entries()) {
    const m = mb.columns[i]!;
    if (d.name !== m.name)
      return `column ${i + 1} name differs: direct "${d.name}", mini-balancer "${m.name}"`;
    if (d.typeOid !== m.typeOid) {
      return `column ${i + 1} ("${d.name}") type OID differs: direct ${d.typeOid}, mini-balancer ${m.typeOid}`;
    }
  }
  if (direct.rows.length !== mb.rows.length) {
    return `row count differs: direct ${direct.rows.length}, mini-balancer ${mb.rows.length}`;
  }
  const floatCols = direct.columns.map((c) => c.typeOid === FLOAT4 || c.typeOid === FLOAT8);
  const left = opts.ordered ? direct.rows : sortCanonically(direct.rows, floatCols);
  const right = opts.ordered ? mb.rows : sortCanonically(mb.rows, floatCols);
  const where = opts.ordered ? '' : ' (after sorting both sides)';
  for (const [r, dRow] of left.entries()) {
    const mRow = right[r]!;
    if (dRow.length !== mRow.length) {
      return `row ${r + 1}${where} has ${dRow.length} values directly, ${mRow.length} through mini-balancer`;
    }
    for (const [c, col] of direct.columns.entries()) {
      const a = dRow[c] ?? null;
      const b = mRow[c] ?? null;
      const equal =
        a === null || b === null ? a === b : floatCols[c] ? floatsEqual(a, b, col.typeOid) : a === b;
      if (!equal) {
        return `row ${r + 1}${where}, column "${col.name}": direct ${show(a)}, mini-balancer ${show(b)}\n  direct row: ${JSON.stringify(dRow)}\n  mini-balancer row: ${JSON.stringify(mRow)}`;
      }
    }
  }
  return null;
}
