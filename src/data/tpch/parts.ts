// PART and PARTSUPP rows (spec 4.2.3): names from five distinct colors, brand from manufacturer, 4 suppliers a part.
import type { CopyBatch } from '../copy.ts';
import { scratchWriter } from '../copy-writer.ts';
import { mixSeed, Random } from '../random.ts';
import { COLORS, CONTAINERS, PART_TYPES } from './distributions.ts';
import { partSupplier, retailCents, STREAM, type TpchContext } from './scale.ts';
import { writeComment } from './text.ts';

/** Five distinct colors separated by spaces (rejection sampling: collisions are rare among 92). */
function partName(rng: Random): string {
  const picked: number[] = [];
  let name = '';
  while (picked.length < 5) {
    const index = rng.int(0, COLORS.length - 1);
    if (picked.includes(index)) continue;
    picked.push(index);
    name += name === '' ? COLORS[index] : ` ${COLORS[index]}`;
  }
  return name;
}

/**
 * PART rows for keys from+1..to: p_partkey, p_name, p_mfgr, p_brand, p_type, p_size, p_container,
 * p_retailprice, p_comment.
 */
export function renderParts(ctx: TpchContext, from: number, to: number): CopyBatch {
  const rng = new Random(0);
  const w = scratchWriter();
  for (let key = from + 1; key <= to; key++) {
    rng.reseed(mixSeed(ctx.seed, STREAM.part, key));
    const name = partName(rng);
    const mfgr = rng.int(1, 5);
    const brand = mfgr * 10 + rng.int(1, 5);
    const type = rng.pick(PART_TYPES);
    const size = rng.int(1, 50);
    const container = rng.pick(CONTAINERS);
    w.int(key)
      .tab()
      .ascii(name)
      .tab()
      .ascii('Manufacturer#')
      .int(mfgr)
      .tab()
      .ascii('Brand#')
      .int(brand)
      .tab();
    w.ascii(type).tab().int(size).tab().ascii(container).tab().cents(retailCents(key)).tab();
    writeComment(ctx, rng, w, 5, 22).end();
  }
  return { data: w.take(), rows: to - from };
}

/**
 * PARTSUPP rows for parts from+1..to, four per part: ps_partkey, ps_suppkey, ps_availqty, ps_supplycost,
 * ps_comment.
 */
export function renderPartSupps(ctx: TpchContext, from: number, to: number): CopyBatch {
  const rng = new Random(0);
  const w = scratchWriter();
  for (let key = from + 1; key <= to; key++) {
    rng.reseed(mixSeed(ctx.seed, STREAM.partsupp, key));
    for (let i = 0; i < 4; i++) {
      w.int(key)
        .tab()
        .int(partSupplier(ctx, key, i))
        .tab()
        .int(rng.int(1, 9_999))
        .tab();
      w.cents(rng.int(100, 100_000)).tab();
      writeComment(ctx, rng, w, 49, 198).end();
    }
  }
  return { data: w.take(), rows: (to - from) * 4 };
}
