// fast-check arbitraries for the protocol fuzz test: valid frontend frames, mutations of them, whole cases.
import fc from 'fast-check';
import * as wire from './wire.ts';

/** Read-only statements (nothing a byte flip can turn into a write or a long sleep). */
const STATEMENTS = [
  'SELECT 1',
  'SELECT count(*) FROM lineitem',
  'SELECT l_returnflag, count(*), sum(l_quantity) FROM lineitem GROUP BY 1 ORDER BY 1',
  'SELECT o_orderpriority, count(*) FROM orders GROUP BY 1',
  'SELECT $1::int + 1',
  'SELECT 1/0',
  'SELECT * FROM no_such_table',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SET work_mem = 8192',
  'COPY (SELECT 1) TO STDOUT',
  'SELECT 1; SELECT 2',
  '',
];

const sqlArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...STATEMENTS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);
const nameArb = fc.constantFrom('', 's1', 'p1');
const paramsArb = fc.array(fc.option(fc.constantFrom('1', '42', 'x', ''), { nil: null }), { maxLength: 3 });

/** Any single frontend message of the relay phase, well formed. */
export const validFrameArb: fc.Arbitrary<Buffer> = fc.oneof(
  sqlArb.map(wire.query),
  fc
    .tuple(nameArb, sqlArb, fc.array(fc.constantFrom(0, 23, 25), { maxLength: 2 }))
    .map(([n, s, t]) => wire.parse(n, s, t)),
  fc.tuple(nameArb, nameArb, paramsArb).map(([p, s, v]) => wire.bind(p, s, v)),
  fc.tuple(fc.constantFrom<'S' | 'P'>('S', 'P'), nameArb).map(([w, n]) => wire.describe(w, n)),
  fc.tuple(nameArb, fc.nat(3)).map(([p, r]) => wire.execute(p, r)),
  fc.tuple(fc.constantFrom<'S' | 'P'>('S', 'P'), nameArb).map(([w, n]) => wire.close(w, n)),
  fc.constant(wire.sync()),
  fc.constant(wire.flush()),
  fc.uint8Array({ maxLength: 16 }).map((b) => wire.copyData(Buffer.from(b))),
  fc.constant(wire.copyDone()),
  fc.constant(wire.copyFail('fuzz')),
);

/** A request PostgreSQL answers with exactly one ReadyForQuery: a simple Query or an extended batch + Sync. */
export const requestArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(...STATEMENTS.filter((s) => !s.startsWith('COPY') && !s.includes('$1'))).map(wire.query),
  fc
    .tuple(
      fc.constantFrom('SELECT $1::int + 1', 'SELECT count(*) FROM orders WHERE o_orderkey < $1'),
      fc.nat(1000),
    )
    .map(([sql, n]) =>
      Buffer.concat([wire.parse('', sql), wire.bind('', '', [String(n)]), wire.execute(''), wire.sync()]),
    ),
);

/** Declared lengths a frame may not have: below its own 4 bytes, or above PostgreSQL's 1 GB limit. */
export const impossibleLengthArb: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-1, 0, 1, 2, 3, 0x4000_0000, 0x7fff_ffff, -0x8000_0000),
  fc.integer({ min: -0x8000_0000, max: 3 }),
  fc.integer({ min: 0x4000_0000, max: 0x7fff_ffff }),
);

/** Interesting int32 values for a length field. */
const lengthArb = fc.oneof(
  impossibleLengthArb,
  fc.constantFrom(4, 5, 8, 9, 10_000, 65_536, 0x3fff_ffff),
  fc.integer({ min: 4, max: 64 }),
);

export type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'length'; frame: number; value: number }
  | { kind: 'type'; frame: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ kind: fc.constant('length' as const), frame: fc.nat(), value: lengthArb }),
  fc.record({ kind: fc.constant('type' as const), frame: fc.nat(), value: fc.nat(255) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
);

/** Applies mutations to a frame sequence; positions are taken modulo the current size. */
export function mutate(frames: Buffer[], mutations: Mutation[]): Buffer {
  const starts: number[] = [];
  let at = 0;
  for (const f of frames) {
    starts.push(at);
    at += f.length;
  }
  let out = Buffer.from(Buffer.concat(frames));
  for (const m of mutations) {
    if (out.length === 0) break;
    if (m.kind === 'flip') out[m.at % out.length] = m.value;
    else if (m.kind === 'length' || m.kind === 'type') {
      const start = starts[m.frame % starts.length] as number;
      if (m.kind === 'type' && start < out.length) out[start] = m.value;
      if (m.kind === 'length' && start + 5 <= out.length) out.writeInt32BE(m.value, start + 1);
    } else if (m.kind === 'truncate') out = out.subarray(0, m.at % out.length);
    else {
      const p = m.at % (out.length + 1);
      out = Buffer.concat([out.subarray(0, p), m.bytes, out.subarray(p)]);
    }
  }
  return out;
}

/** Where to cut the bytes into writes (TCP segments usually follow writes on loopback with Nagle off). */
export const splitsArb = fc.array(fc.nat(), { maxLength: 3 });

export function chunks(bytes: Buffer, splits: number[]): Buffer[] {
  const cuts = [...new Set(splits.map((s) => (bytes.length === 0 ? 0 : s % bytes.length)))].sort(
    (a, b) => a - b,
  );
  const out: Buffer[] = [];
  let from = 0;
  for (const c of [...cuts, bytes.length]) {
    if (c > from) out.push(bytes.subarray(from, c));
    from = Math.max(from, c);
  }
  return out;
}

/** How a case leaves: politely (wait for answers, Terminate), half-closed, or reset. */
export const endingArb = fc.constantFrom<'terminate' | 'end' | 'reset'>('terminate', 'end', 'reset');
