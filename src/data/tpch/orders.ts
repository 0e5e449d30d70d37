// ORDERS and LINEITEM rows (spec 4.2.3), both drawn from one per-order random stream so the two tables agree.
import type { CopyBatch } from '../copy.ts';
import { scratchWriter } from '../copy-writer.ts';
import { formatDay, mixSeed, padNumber, Random } from '../random.ts';
import { INSTRUCTIONS, PRIORITIES, SHIP_MODES } from './distributions.ts';
import {
  CURRENT_DATE,
  LAST_ORDER_DATE,
  orderKey,
  partSupplier,
  retailCents,
  START_DATE,
  STREAM,
  type TpchContext,
} from './scale.ts';

const MAX_LINES = 7;

/** One order and its lines, in reused typed arrays (no allocation per order). */
class OrderDraft {
  key = 0;
  customer = 0;
  date = 0;
  priority = 0;
  clerk = 0;
  commentAt = 0;
  commentLength = 0;
  lines = 0;
  totalCents = 0;
  status = 'O';
  readonly part = new Int32Array(MAX_LINES);
  readonly supplier = new Int32Array(MAX_LINES);
  readonly quantity = new Int32Array(MAX_LINES);
  readonly extendedCents = new Float64Array(MAX_LINES);
  readonly discount = new Int32Array(MAX_LINES);
  readonly tax = new Int32Array(MAX_LINES);
  readonly shipDate = new Int32Array(MAX_LINES);
  readonly commitDate = new Int32Array(MAX_LINES);
  readonly receiptDate = new Int32Array(MAX_LINES);
  readonly returnFlag: string[] = new Array<string>(MAX_LINES).fill('N');
  readonly instruction = new Int32Array(MAX_LINES);
  readonly mode = new Int32Array(MAX_LINES);
  readonly lineCommentAt = new Int32Array(MAX_LINES);
  readonly lineCommentLength = new Int32Array(MAX_LINES);
}

/** Draws order `index` (0-based) into `draft`. The line count is the first draw, see `lineitemCount`. */
function draftOrder(ctx: TpchContext, rng: Random, index: number, draft: OrderDraft): void {
  const { counts, pool } = ctx;
  rng.reseed(mixSeed(ctx.seed, STREAM.orders, index));
  draft.lines = rng.int(1, MAX_LINES);
  draft.key = orderKey(index);
  // Customers whose key is a multiple of 3 place no orders. dbgen moves such a draw to a neighbour, so keys
  // 3k+1 get twice the orders of keys 3k+2; Q13's answer (orders per customer) depends on that spread.
  let customer = rng.int(1, counts.customers);
  for (let step = 1; customer % 3 === 0; step = -step) customer = Math.min(customer + step, counts.customers);
  draft.customer = customer;
  draft.date = rng.int(START_DATE, LAST_ORDER_DATE);
  draft.priority = rng.int(0, PRIORITIES.length - 1);
  draft.clerk = rng.int(1, counts.clerks);
  draft.commentLength = rng.int(19, 78);
  draft.commentAt = rng.int(0, pool.length - draft.commentLength);
  let total = 0;
  let shipped = 0;
  for (let line = 0; line < draft.lines; line++) {
    const part = rng.int(1, counts.parts);
    const quantity = rng.int(1, 50);
    const extended = quantity * retailCents(part);
    const discount = rng.int(0, 10);
    const tax = rng.int(0, 8);
    const shipDate = draft.date + rng.int(1, 121);
    const receiptDate = shipDate + rng.int(1, 30);
    draft.part[line] = part;
    draft.supplier[line] = partSupplier(ctx, part, rng.int(0, 3));
    draft.quantity[line] = quantity;
    draft.extendedCents[line] = extended;
    draft.discount[line] = discount;
    draft.tax[line] = tax;
    draft.shipDate[line] = shipDate;
    draft.commitDate[line] = draft.date + rng.int(30, 90);
    draft.receiptDate[line] = receiptDate;
    const returned = rng.int(0, 1) === 0 ? 'R' : 'A';
    draft.returnFlag[line] = receiptDate <= CURRENT_DATE ? returned : 'N';
    draft.instruction[line] = rng.int(0, INSTRUCTIONS.length - 1);
    draft.mode[line] = rng.int(0, SHIP_MODES.length - 1);
    const commentLength = rng.int(10, 43);
    draft.lineCommentLength[line] = commentLength;
    draft.lineCommentAt[line] = rng.int(0, pool.length - commentLength);
    // dbgen's integer arithmetic: truncate to cents after the discount and again after the tax.
    total += Math.floor((Math.floor((extended * (100 - discount)) / 100) * (100 + tax)) / 100);
    if (shipDate <= CURRENT_DATE) shipped++;
  }
  draft.totalCents = total;
  draft.status = shipped === draft.lines ? 'F' : shipped === 0 ? 'O' : 'P';
}

/** The number of LINEITEM rows (a cheap pass that draws only each order's line count). */
export function lineitemCount(ctx: TpchContext): number {
  const rng = new Random(0);
  let rows = 0;
  for (let index = 0; index < ctx.counts.orders; index++) {
    rng.reseed(mixSeed(ctx.seed, STREAM.orders, index));
    rows += rng.int(1, MAX_LINES);
  }
  return rows;
}

/**
 * ORDERS rows for orders from..to-1: o_orderkey, o_custkey, o_orderstatus, o_totalprice, o_orderdate,
 * o_orderpriority, o_clerk, o_shippriority, o_comment.
 */
export function renderOrders(ctx: TpchContext, from: number, to: number): CopyBatch {
  const rng = new Random(0);
  const draft = new OrderDraft();
  const w = scratchWriter();
  for (let index = from; index < to; index++) {
    draftOrder(ctx, rng, index, draft);
    w.int(draft.key).tab().int(draft.customer).tab().ascii(draft.status).tab().cents(draft.totalCents).tab();
    w.ascii(formatDay(draft.date))
      .tab()
      .ascii(PRIORITIES[draft.priority] ?? '')
      .tab();
    w.ascii('Clerk#').ascii(padNumber(draft.clerk, 9)).tab().int(0).tab();
    w.bytes(ctx.poolBytes, draft.commentAt, draft.commentAt + draft.commentLength).end();
  }
  return { data: w.take(), rows: to - from };
}

/**
 * LINEITEM rows for orders from..to-1: l_orderkey, l_partkey, l_suppkey, l_linenumber, l_quantity,
 * l_extendedprice, l_discount, l_tax, l_returnflag, l_linestatus, l_shipdate, l_commitdate, l_receiptdate,
 * l_shipinstruct, l_shipmode, l_comment.
 */
export function renderLineitems(ctx: TpchContext, from: number, to: number): CopyBatch {
  const rng = new Random(0);
  const draft = new OrderDraft();
  const w = scratchWriter();
  let rows = 0;
  for (let index = from; index < to; index++) {
    draftOrder(ctx, rng, index, draft);
    for (let line = 0; line < draft.lines; line++) {
      const shipDate = draft.shipDate[line] ?? 0;
      w.int(draft.key)
        .tab()
        .int(draft.part[line] ?? 0)
        .tab()
        .int(draft.supplier[line] ?? 0)
        .tab();
      w.int(line + 1)
        .tab()
        .int(draft.quantity[line] ?? 0)
        .tab()
        .cents(draft.extendedCents[line] ?? 0)
        .tab();
      w.cents(draft.discount[line] ?? 0)
        .tab()
        .cents(draft.tax[line] ?? 0)
        .tab();
      w.ascii(draft.returnFlag[line] ?? 'N')
        .tab()
        .ascii(shipDate > CURRENT_DATE ? 'O' : 'F')
        .tab();
      w.ascii(formatDay(shipDate))
        .tab()
        .ascii(formatDay(draft.commitDate[line] ?? 0))
        .tab();
      w.ascii(formatDay(draft.receiptDate[line] ?? 0)).tab();
      w.ascii(INSTRUCTIONS[draft.instruction[line] ?? 0] ?? '')
        .tab()
        .ascii(SHIP_MODES[draft.mode[line] ?? 0] ?? '')
        .tab();
      const at = draft.lineCommentAt[line] ?? 0;
      w.bytes(ctx.poolBytes, at, at + (draft.lineCommentLength[line] ?? 0)).end();
    }
    rows += draft.lines;
  }
  return { data: w.take(), rows };
}
