// One client statement run through the coordinator on the session's own backend connection: the session's
// state is read, the statement planned in its snapshot, the shards run with its role and settings, and the
// answer encoded as PostgreSQL would have sent it (column descriptions, text or binary formats).
import type { Logger } from 'pino';
import type { QueryRequest, QueryResult } from '../exec/api.ts';
import type { NotSplit, SessionTarget } from '../exec/coordinator.ts';
import type { Ast } from '../sql/ast.ts';
import { fingerprint } from '../sql/parser.ts';
import type { BackendChannel, FullDescription } from './backend-channel.ts';
import { explainLines } from './explain-text.ts';
import {
  type ColumnDescription,
  encodeClose,
  encodeRowDescriptionFull,
  parseDataRow,
  resultFormat,
} from './extended-messages.ts';
import { encodeDataRow } from './messages.ts';
import { readSessionState, unsplittableSession } from './session-state.ts';
import type { Interceptable } from './split-query.ts';

/** What the gateway needs of the Coordinator (src/exec/coordinator.ts). */
export interface GatewayCoordinator {
  querySession(
    req: QueryRequest,
    session: SessionTarget,
    signal?: AbortSignal,
  ): Promise<QueryResult | NotSplit>;
  explainSession(req: QueryRequest, session: SessionTarget): Promise<Record<string, unknown>>;
  precheck(stmt: Ast, decisionKey: string): string | null;
  invalidateCatalog(): void;
  typeName(oid: number): [string, string] | undefined;
}

export interface InterceptRequest {
  what: Interceptable;
  /** Parameter values as the client bound them, with their formats (0 text, 1 binary). */
  values: (Buffer | null)[];
  paramFormats: number[];
  /** Parameter types the client declared in Parse (0: unspecified). */
  declaredTypes: number[];
  /** Result formats from Bind (empty: all text). */
  resultFormats: number[];
  /** A simple Query: answering it drops the unnamed prepared statement, as PostgreSQL does. */
  simple: boolean;
  /** The statement's user and fingerprint: "too cheap to split" decisions are remembered under it. */
  decisionKey: string;
}

export interface InterceptContext {
  channel: BackendChannel;
  coordinator: GatewayCoordinator;
  /** The database the workers read: only its sessions split. */
  database: string;
  /** Also split statements whose row order PostgreSQL leaves to its plan (rows equal, order may differ). */
  splitUnordered: boolean;
  logger: Logger;
  signal: AbortSignal;
}

/** The answer to a split statement, in pieces the session sends in the order the client asked for them. */
export interface InterceptAnswer {
  /** ParameterDescription + RowDescription (text formats), for a Describe of the statement. */
  describeStatement: Buffer[];
  /** RowDescription with the Bind's result formats, for a Describe of the portal or a simple Query. */
  rowDescription: Buffer;
  dataRows: Buffer[];
  tag: string;
  /** The coordinator's result of a split SELECT (plan and per-chunk figures), for history and metrics. */
  result?: QueryResult;
}

const TEXT_OID = 25;

/**
 * Runs `req` through the coordinator when it splits. Answers null when the session's backend should run it
 * as sent (passthrough plan, or the session or its parameters do not allow a split); throws when the split
 * failed (the caller then runs the statement whole, or reports a cancel).
 */
export async function intercept(
  req: InterceptRequest,
  ctx: InterceptContext,
): Promise<InterceptAnswer | null> {
  const answer = await split(req, ctx);
  if (answer && req.simple) await ctx.channel.raw([encodeClose('S', '')]);
  return answer;
}

/** The key `decisionKey` of a statement of `user`. */
export const decisionKeyOf = (user: string, what: Interceptable): string =>
  `${user}\u0000${fingerprint(what.sql)}`;

/**
 * Whether the statement runs whole without asking PostgreSQL anything: it reads no table, the session is in
 * a failed transaction block, or its shape was found too cheap to split moments ago.
 */
export function passesAtOnce(req: InterceptRequest, ctx: InterceptContext): boolean {
  if (ctx.channel.status === 'E') return true;
  return ctx.coordinator.precheck(req.what.stmt, req.decisionKey) !== null;
}

async function split(req: InterceptRequest, ctx: InterceptContext): Promise<InterceptAnswer | null> {
  const { channel, coordinator } = ctx;
  const inBlock = channel.status === 'T';
  if (passesAtOnce(req, ctx)) return null;
  const state = await readSessionState(channel);
  const why = unsplittableSession(state, inBlock, ctx.database);
  if (why) {
    ctx.logger.debug({ why }, 'statement not split');
    return null;
  }
  const sql = req.what.sql;
  const params = await textParams(req, channel, Number(state.settings.extra_float_digits ?? 1));
  if (params === null) return null;
  let described: FullDescription | undefined;
  const target: SessionTarget = {
    conn: channel,
    describe: async (text) => {
      described = await channel.describe(text, req.declaredTypes);
      return described;
    },
    inTransaction: inBlock,
    role: state.role,
    settings: state.settings,
    searchPath: state.searchPath,
    catalogScope: state.hasTempSchema ? `${state.role}\u0000temp ${state.backendPid}` : state.role,
    statementTimeoutMs: state.statementTimeoutMs,
    decisionKey: req.decisionKey,
    fixedOrderOnly: !ctx.splitUnordered,
  };
  const request: QueryRequest = { sql, params, mode: 'auto' };
  if (req.what.kind === 'explain') {
    const started = performance.now();
    if (!req.what.analyze) {
      const plan = await coordinator.explainSession(request, target);
      return plan.mode === 'parallel' ? planRows(explainLines(plan), req.resultFormats) : null;
    }
    const out = await coordinator.querySession(request, target, ctx.signal);
    if ('passthrough' in out) return null;
    const lines = explainLines(out.plan as Record<string, unknown>, {
      shards: out.stats.shards,
      planMs: out.stats.planMs,
      elapsedMs: performance.now() - started,
      rows: out.rows.length,
    });
    return planRows(lines, req.resultFormats);
  }
  const out = await coordinator.querySession(request, target, ctx.signal);
  if ('passthrough' in out) return null;
  // Text that is not valid UTF-8 (a SQL_ASCII database, bytes made by C functions) cannot be carried as
  // JavaScript strings unchanged: the session runs the statement itself.
  if (out.rows.some((r) => r.some((v) => v?.includes('\uFFFD'))))
    throw new Error('a value is not valid UTF-8 text');
  const d = described as FullDescription;
  const columns = d.columns ?? [];
  const formats = columns.map((_, i) => resultFormat(req.resultFormats, i));
  const dataRows = formats.some((f) => f !== 0)
    ? await binaryRows(channel, out.rows, columns, formats, coordinator, inBlock)
    : out.rows.map((r) => encodeDataRow(r));
  return {
    describeStatement: describeStatementFrames(d),
    rowDescription: encodeRowDescriptionFull(columns.map((c, i) => ({ ...c, format: formats[i] as number }))),
    dataRows,
    tag: `SELECT ${out.rows.length}`,
    result: out,
  };
}

function describeStatementFrames(d: FullDescription): Buffer[] {
  const params = Buffer.alloc(2 + 4 * d.paramTypes.length);
  params.writeInt16BE(d.paramTypes.length, 0);
  d.paramTypes.forEach((t, i) => {
    params.writeUInt32BE(t, 2 + 4 * i);
  });
  const head = Buffer.alloc(5);
  head.write('t', 0, 'latin1');
  head.writeInt32BE(params.length + 4, 1);
  return [
    Buffer.concat([head, params]),
    encodeRowDescriptionFull((d.columns ?? []).map((c) => ({ ...c, format: 0 }))),
  ];
}

/** EXPLAIN's answer: one text column "QUERY PLAN" (text and binary representations of text are the same bytes). */
function planRows(lines: string[], resultFormats: number[]): InterceptAnswer {
  const column: ColumnDescription = {
    name: 'QUERY PLAN',
    tableOid: 0,
    columnAttr: 0,
    typeOid: TEXT_OID,
    typlen: -1,
    typmod: -1,
    format: resultFormat(resultFormats, 0),
  };
  const rowDescription = encodeRowDescriptionFull([column]);
  return {
    describeStatement: [],
    rowDescription,
    dataRows: lines.map((l) => encodeDataRow([l])),
    tag: 'EXPLAIN',
  };
}

/**
 * The parameters as text. Binary ones are converted by the session's backend (`$n::text`, with its
 * settings, which the shards share); floats need extra_float_digits ≥ 1 to come out exact, else null.
 */
async function textParams(
  req: InterceptRequest,
  channel: BackendChannel,
  extraFloatDigits: number,
): Promise<(string | null)[] | null> {
  if (!req.paramFormats.some((f) => f !== 0))
    return req.values.map((v) => (v === null ? null : v.toString('utf8')));
  const d = await channel.describe(req.what.sql, req.declaredTypes);
  if (d.paramTypes.length !== req.values.length) return null;
  if (extraFloatDigits < 1 && d.paramTypes.some((t) => t === 700 || t === 701)) return null;
  const casts = d.paramTypes.map((_, i) => `$${i + 1}::text`).join(', ');
  let row: (string | null)[] | null = null;
  await channel.execute(`SELECT ${casts}`, d.paramTypes, req.values, req.paramFormats, [], (m) => {
    row = parseDataRow(m.body).map((v) => (v === null ? null : v.toString('utf8')));
  });
  return row;
}

const quoteIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/**
 * Rows in the result formats the client asked for: the backend reads the text values back into their types
 * and sends them in those formats (exactly what PostgreSQL's own send functions produce).
 */
async function binaryRows(
  channel: BackendChannel,
  rows: (string | null)[][],
  columns: ColumnDescription[],
  formats: number[],
  coordinator: GatewayCoordinator,
  inBlock: boolean,
): Promise<Buffer[]> {
  if (columns.length === 0) return rows.map(() => encodeDataRow([]));
  const types = columns.map((c) => coordinator.typeName(c.typeOid));
  if (types.some((t) => t === undefined)) throw new Error('a result type is not in the catalog');
  const names = columns.map((_, i) => `c${i + 1}`);
  const sql = `SELECT ${names.map((n, i) => `v.${n}::${(types[i] as [string, string]).map(quoteIdent).join('.')}`).join(', ')}
    FROM ROWS FROM (${names.map((_, i) => `unnest($${i + 1}::text[])`).join(', ')}) WITH ORDINALITY AS v(${names.join(', ')}, ord)
    ORDER BY v.ord`;
  const values = columns.map((_, i) => Buffer.from(arrayLiteral(rows.map((r) => r[i] ?? null)), 'utf8'));
  const out: Buffer[] = [];
  if (inBlock) await channel.query('SAVEPOINT mb_output');
  try {
    await channel.execute(sql, [], values, [], formats, (m) => out.push(m.raw));
    if (inBlock) await channel.query('RELEASE SAVEPOINT mb_output');
  } catch (err) {
    if (inBlock) {
      await channel.query('ROLLBACK TO SAVEPOINT mb_output');
      await channel.query('RELEASE SAVEPOINT mb_output');
    }
    throw err;
  }
  return out;
}

/** A text[] literal of the values (NULL for null). */
export function arrayLiteral(values: (string | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${v.replace(/(["\\])/g, '\\$1')}"`)).join(',')}}`;
}
