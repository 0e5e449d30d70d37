// REGION and NATION rows: the spec's fixed 5 regions and 25 nations, with generated comments.
import type { CopyBatch } from '../copy.ts';
import { scratchWriter } from '../copy-writer.ts';
import { mixSeed, Random } from '../random.ts';
import { NATIONS, REGIONS } from './distributions.ts';
import { STREAM, type TpchContext } from './scale.ts';
import { comment } from './text.ts';

/** All 5 REGION rows: r_regionkey, r_name, r_comment. */
export function renderRegions(ctx: TpchContext): CopyBatch {
  const rng = new Random(0);
  const w = scratchWriter();
  REGIONS.forEach((name, key) => {
    rng.reseed(mixSeed(ctx.seed, STREAM.region, key));
    w.int(key)
      .tab()
      .ascii(name)
      .tab()
      .ascii(comment(rng, ctx.pool, 31, 115))
      .end();
  });
  return { data: w.take(), rows: REGIONS.length };
}

/** All 25 NATION rows: n_nationkey, n_name, n_regionkey, n_comment. */
export function renderNations(ctx: TpchContext): CopyBatch {
  const rng = new Random(0);
  const w = scratchWriter();
  NATIONS.forEach(([name, regionKey], key) => {
    rng.reseed(mixSeed(ctx.seed, STREAM.nation, key));
    w.int(key)
      .tab()
      .ascii(name)
      .tab()
      .int(regionKey)
      .tab()
      .ascii(comment(rng, ctx.pool, 31, 114))
      .end();
  });
  return { data: w.take(), rows: NATIONS.length };
}
