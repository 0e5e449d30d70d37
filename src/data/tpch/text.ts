// TPC-H comment text (spec clause 4.2.2.10/4.2.2.14): a pool of grammar sentences; comments are substrings of it.
import type { CopyWriter } from '../copy-writer.ts';
import { mixSeed, Random, type WeightedTable } from '../random.ts';
import type { TpchContext } from './scale.ts';
import {
  ADJECTIVES,
  ADVERBS,
  AUXILIARIES,
  NOUN_PHRASES,
  NOUNS,
  PREPOSITIONS,
  SENTENCES,
  TERMINATORS,
  VERB_PHRASES,
  VERBS,
} from './words.ts';

const WORDS: Record<string, WeightedTable<string>> = {
  N: NOUNS,
  V: VERBS,
  J: ADJECTIVES,
  D: ADVERBS,
  X: AUXILIARIES,
};

function phrase(rng: Random, shape: string): string {
  let out = '';
  for (const symbol of shape) {
    if (symbol === ',') {
      out += ',';
      continue;
    }
    const table = WORDS[symbol];
    if (table === undefined) throw new Error(`unknown grammar symbol ${symbol}`);
    out += out === '' ? rng.weighted(table) : ` ${rng.weighted(table)}`;
  }
  return out;
}

/** One sentence of the TPC-H grammar, e.g. `carefully regular requests sleep furiously.` */
export function sentence(rng: Random): string {
  const parts: string[] = [];
  for (const symbol of rng.weighted(SENTENCES)) {
    if (symbol === 'N') parts.push(phrase(rng, rng.weighted(NOUN_PHRASES)));
    else if (symbol === 'V') parts.push(phrase(rng, rng.weighted(VERB_PHRASES)));
    else parts.push(`${rng.weighted(PREPOSITIONS)} the ${phrase(rng, rng.weighted(NOUN_PHRASES))}`);
  }
  return parts.join(' ') + rng.weighted(TERMINATORS);
}

/** Size of the text pool. dbgen uses 300 MB; a few MB keeps comments varied at a fraction of the cost. */
export const TEXT_POOL_SIZE = 4 * 1024 * 1024;

const pools = new Map<number, string>();

/**
 * The text pool for a seed (built once per process and cached): sentences joined by spaces.
 * Contains only letters, spaces and `,.;:?!-`, so its substrings need no COPY escaping.
 */
export function textPool(seed: number): string {
  const cached = pools.get(seed);
  if (cached !== undefined) return cached;
  const rng = new Random(mixSeed(seed, 0x7e47));
  const sentences: string[] = [];
  let length = 0;
  while (length < TEXT_POOL_SIZE) {
    const s = sentence(rng);
    sentences.push(s);
    length += s.length + 1;
  }
  const pool = sentences.join(' ').slice(0, TEXT_POOL_SIZE);
  pools.set(seed, pool);
  return pool;
}

/**
 * A comment: a substring of the pool with a length uniform in [min, max] at a random offset (spec 4.2.2.10).
 *
 * @example
 *   comment(rng, textPool(42), 19, 78); // e.g. 'ly final packages. slyly regular deposits hag'
 */
export function comment(rng: Random, pool: string, min: number, max: number): string {
  const length = rng.int(min, max);
  const offset = rng.int(0, pool.length - length);
  return pool.slice(offset, offset + length);
}

/** Writes a comment like `comment` does (same draws, same text), copying bytes from the pool. */
export function writeComment(
  ctx: TpchContext,
  rng: Random,
  w: CopyWriter,
  min: number,
  max: number,
): CopyWriter {
  const length = rng.int(min, max);
  const offset = rng.int(0, ctx.poolBytes.length - length);
  return w.bytes(ctx.poolBytes, offset, offset + length);
}
