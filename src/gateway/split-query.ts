// Which simple Query messages the gateway may hand to the coordinator, and their answer as protocol messages.
import type { Logger } from 'pino';
import { PgError, toPgError } from '../errors/pg-error.ts';
import type { QueryRequest, QueryResult } from '../exec/api.ts';
import type { Ast } from '../sql/ast.ts';
import { parseSql } from '../sql/parser.ts';
import {
  encodeCommandComplete,
  encodeDataRow,
  encodeErrorResponse,
  encodeReadyForQuery,
  encodeRowDescription,
  typlenOf,
} from './messages.ts';

/** What the gateway needs of the Coordinator (src/exec/coordinator.ts). */
export interface GatewayCoordinator {
  explain(req: QueryRequest): Promise<unknown>;
  query(req: QueryRequest, signal?: AbortSignal): Promise<QueryResult>;
}

/** Startup parameters that leave the session's results as the coordinator's own connections give them. */
const NEUTRAL_STARTUP = new Set(['user', 'database', 'application_name', 'fallback_application_name']);
const UTF8_NAMES = new Set(['utf8', 'utf-8', 'unicode']);

/** Whether a StartupMessage's parameters keep the session's settings at the server's defaults. */
export function neutralStartup(parameters: Record<string, string>): boolean {
  return Object.entries(parameters).every(
    ([k, v]) => NEUTRAL_STARTUP.has(k) || (k === 'client_encoding' && UTF8_NAMES.has(v.toLowerCase())),
  );
}

/** The statements of `sql`, or null when the parser rejects it. */
function statements(sql: string): Ast[] | null {
  try {
    return parseSql(sql).map((s) => s.stmt);
  } catch {
    return null;
  }
}

const plainSelect = (stmt: Ast): boolean =>
  stmt.SelectStmt !== undefined && stmt.SelectStmt.intoClause === undefined;

/**
 * Whether running `sql` on the session's backend may leave it with other settings or objects than the
 * coordinator's connections have (SET, RESET, DISCARD, temp tables, set_config(), ...). Plain SELECTs
 * and transaction control do not.
 */
export function changesSession(sql: string): boolean {
  if (/set_config/i.test(sql)) return true;
  const stmts = statements(sql);
  if (stmts === null) return false; // PostgreSQL rejects it too
  return !stmts.every((s) => plainSelect(s) || s.TransactionStmt !== undefined);
}

/** Whether `sql` is exactly one plain SELECT statement (the only kind the coordinator may split). */
export function singleSelect(sql: string): boolean {
  const stmts = statements(sql);
  return stmts !== null && stmts.length === 1 && plainSelect(stmts[0] as Ast) && !/set_config/i.test(sql);
}

/** The protocol messages answering a coordinator result to a simple Query. */
export function encodeQueryResult(result: QueryResult): Buffer[] {
  const out: Buffer[] = [
    encodeRowDescription(
      result.columns.map((c) => ({ name: c.name, typeOid: c.typeOid, typlen: typlenOf(c.typeOid) })),
    ),
  ];
  for (const row of result.rows) out.push(encodeDataRow(row));
  out.push(encodeCommandComplete(`SELECT ${result.rows.length}`), encodeReadyForQuery('I'));
  return out;
}

/**
 * Runs a single SELECT through the coordinator when its plan is parallel. Returns the messages to send,
 * or null when the statement should run on the session's own backend instead (passthrough plan, or the
 * planner raised an error, which PostgreSQL then reports in its own words).
 */
export async function runSplitQuery(
  coordinator: GatewayCoordinator,
  sql: string,
  signal: AbortSignal,
  logger: Logger,
): Promise<Buffer[] | null> {
  let plan: unknown;
  try {
    plan = await coordinator.explain({ sql, mode: 'auto' });
  } catch {
    return null;
  }
  if ((plan as { mode?: unknown } | null)?.mode !== 'parallel') return null;
  try {
    return encodeQueryResult(await coordinator.query({ sql, mode: 'auto' }, signal));
  } catch (e) {
    const err = toPgError(e);
    if (err.code === 'XX000' && !(e instanceof PgError)) logger.error({ err: e }, 'split query failed');
    return [encodeErrorResponse(err), encodeReadyForQuery('I')];
  }
}
