// Checks a result against the reference (PostgreSQL serial): text equality, floats within 1e-12 relative.

/** float4 and float8: the only types compared with a tolerance. */
const FLOAT_OIDS = new Set([700, 701]);
const REL_TOLERANCE = 1e-12;

export type Rows = readonly (readonly (string | null)[])[];

export interface Reference {
  /** Type OIDs of the columns, to know which are floats. */
  typeOids: readonly number[];
  rows: Rows;
  /** The statement's ORDER BY fixes the row order: compare in order; otherwise as a multiset. */
  ordered: boolean;
}

function sameCell(want: string | null, got: string | null, typeOid: number | undefined): boolean {
  if (want === got) return true;
  if (want === null || got === null || typeOid === undefined || !FLOAT_OIDS.has(typeOid)) return false;
  const a = Number(want);
  const b = Number(got);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= REL_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

const rowKey = (row: readonly (string | null)[]): string => JSON.stringify(row);

/**
 * Null when `rows` equals the reference, otherwise what differs (row count or the first differing row).
 * Unordered results are compared after sorting both sides by their text.
 *
 * @example
 *   compareRows({ typeOids: [701], rows: [['0.1']], ordered: false }, [['0.10000000000000001']]); // null
 */
export function compareRows(ref: Reference, rows: Rows): string | null {
  if (rows.length !== ref.rows.length) return `${rows.length} rows, expected ${ref.rows.length}`;
  const sorted = (rs: Rows) => (ref.ordered ? rs : [...rs].sort((x, y) => (rowKey(x) < rowKey(y) ? -1 : 1)));
  const want = sorted(ref.rows);
  const got = sorted(rows);
  for (const [i, w] of want.entries()) {
    const g = got[i] as readonly (string | null)[];
    const same = w.length === g.length && w.every((cell, c) => sameCell(cell, g[c] ?? null, ref.typeOids[c]));
    if (!same) return `row ${i + 1}: ${rowKey(g)}, expected ${rowKey(w)}`;
  }
  return null;
}
