// Chunk ranges over the split table (ctid block ranges or key ranges from statistics) and the range predicate.
import { type Ast, and, cast, clone, colRef, nullTest, op, paramRef } from '../sql/ast.ts';
import type { ChunkRange } from './types.ts';

/** Placeholder parameter numbers for the chunk bounds; renumbered after the user's parameters. */
export const LO_PARAM = 100001;
export const HI_PARAM = 100002;

/** K block ranges over `pages` pages; the first starts unbounded and the last is open-ended (rows added later). */
export function blockRanges(pages: number, k: number): ChunkRange[] {
  const out: ChunkRange[] = [];
  for (let i = 0; i < k; i++) {
    const lo = i === 0 ? null : `(${Math.floor((i * pages) / k)},0)`;
    const hi = i === k - 1 ? null : `(${Math.floor(((i + 1) * pages) / k)},0)`;
    out.push({ index: i, lo, hi });
  }
  return out;
}

/**
 * K ranges from sorted split points (equi-depth histogram bounds, so skewed keys still give balanced chunks).
 * Fewer chunks come out when there are fewer distinct points than chunks.
 */
export function keyRanges(points: string[], k: number): ChunkRange[] {
  const cuts: string[] = [];
  if (points.length > 0) {
    for (let i = 1; i < k; i++) {
      const p = points[Math.min(points.length - 1, Math.round((i * points.length) / k))] as string;
      if (cuts[cuts.length - 1] !== p) cuts.push(p);
    }
  }
  const out: ChunkRange[] = [];
  for (let i = 0; i <= cuts.length; i++) {
    out.push({
      index: i,
      lo: i === 0 ? null : (cuts[i - 1] as string),
      hi: i === cuts.length ? null : (cuts[i] as string),
    });
  }
  return out;
}

/**
 * `(col >= $lo OR $lo IS NULL) AND (col < $hi OR $hi IS NULL)`, plus `OR (col IS NULL AND $lo IS NULL)` for a
 * nullable key so NULL keys land in the first chunk only. Shard statements are planned with the bound values
 * (custom plans), so PostgreSQL folds the IS NULL tests away and keeps a plain range (a TID range scan for ctid).
 */
export function rangePredicate(
  column: Ast,
  type: [string, string],
  nullable: boolean,
  nullsInFirstChunk = true,
): Ast {
  const lo = () => cast(paramRef(LO_PARAM), type);
  const hi = () => cast(paramRef(HI_PARAM), type);
  const or = (...args: Ast[]): Ast => ({ BoolExpr: { boolop: 'OR_EXPR', args } });
  const range = and(
    or(op('>=', clone(column), lo()), nullTest(lo(), true)),
    or(op('<', clone(column), hi()), nullTest(hi(), true)),
  );
  if (!nullable) return range;
  return or(range, and(nullTest(clone(column), true), nullTest(nullsInFirstChunk ? lo() : hi(), true)));
}

/** `$lo IS NULL`: true only in the first chunk; gates parts of a statement that must run exactly once. */
export function firstChunkOnly(type: [string, string]): Ast {
  return nullTest(cast(paramRef(LO_PARAM), type), true);
}

export const ctidColumn = (ref: string[]): Ast => colRef(...ref, 'ctid');
