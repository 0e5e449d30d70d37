// SUPPLIER and CUSTOMER rows (spec 4.2.3), one random stream per row keyed by the row's key.
import type { CopyBatch } from '../copy.ts';
import { scratchWriter } from '../copy-writer.ts';
import { mixSeed, padNumber, Random } from '../random.ts';
import { SEGMENTS } from './distributions.ts';
import { phone, vstring } from './fields.ts';
import { STREAM, type TpchContext } from './scale.ts';
import { comment } from './text.ts';

const PRESS_PREFIX = 'Customer ';
const PRESS_LENGTH = PRESS_PREFIX.length + 'Complaints'.length;

/**
 * Overwrites part of a comment with `Customer <noise> Complaints|Recommends`, keeping its length
 * (dbgen's "Better Business Bureau" comments that Q16 filters on).
 */
function withPress(rng: Random, text: string, word: 'Complaints' | 'Recommends'): string {
  const noise = rng.int(0, text.length - PRESS_LENGTH);
  const offset = rng.int(0, text.length - PRESS_LENGTH - noise);
  const gapStart = offset + PRESS_PREFIX.length;
  return (
    text.slice(0, offset) +
    PRESS_PREFIX +
    text.slice(gapStart, gapStart + noise) +
    word +
    text.slice(gapStart + noise + word.length)
  );
}

/**
 * SUPPLIER rows for keys from+1..to: s_suppkey, s_name, s_address, s_nationkey, s_phone, s_acctbal, s_comment.
 */
export function renderSuppliers(ctx: TpchContext, from: number, to: number): CopyBatch {
  const rng = new Random(0);
  const w = scratchWriter();
  for (let key = from + 1; key <= to; key++) {
    rng.reseed(mixSeed(ctx.seed, STREAM.supplier, key));
    const address = vstring(rng, 10, 40);
    const nation = rng.int(0, 24);
    const phoneNumber = phone(rng, nation);
    const balance = rng.int(-99_999, 999_999);
    let note = comment(rng, ctx.pool, 25, 100);
    if (ctx.complaints.has(key)) note = withPress(rng, note, 'Complaints');
    else if (ctx.recommends.has(key)) note = withPress(rng, note, 'Recommends');
    w.int(key).tab().ascii('Supplier#').ascii(padNumber(key, 9)).tab().ascii(address).tab().int(nation).tab();
    w.ascii(phoneNumber).tab().cents(balance).tab().ascii(note).end();
  }
  return { data: w.take(), rows: to - from };
}

/**
 * CUSTOMER rows for keys from+1..to: c_custkey, c_name, c_address, c_nationkey, c_phone, c_acctbal,
 * c_mktsegment, c_comment.
 */
export function renderCustomers(ctx: TpchContext, from: number, to: number): CopyBatch {
  const rng = new Random(0);
  const w = scratchWriter();
  for (let key = from + 1; key <= to; key++) {
    rng.reseed(mixSeed(ctx.seed, STREAM.customer, key));
    const address = vstring(rng, 10, 40);
    const nation = rng.int(0, 24);
    const phoneNumber = phone(rng, nation);
    const balance = rng.int(-99_999, 999_999);
    const segment = rng.pick(SEGMENTS);
    const note = comment(rng, ctx.pool, 29, 116);
    w.int(key).tab().ascii('Customer#').ascii(padNumber(key, 9)).tab().ascii(address).tab().int(nation).tab();
    w.ascii(phoneNumber).tab().cents(balance).tab().ascii(segment).tab().ascii(note).end();
  }
  return { data: w.take(), rows: to - from };
}
