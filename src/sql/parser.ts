// The real PostgreSQL parser (libpg-query, WASM) and the deparser (pgsql-deparser): load once, then sync calls.
import { fingerprintSync, loadModule, parseSync } from 'libpg-query';
import { deparseSync } from 'pgsql-deparser';
import type { Ast } from './ast.ts';

let loaded: Promise<void> | undefined;

/** Loads the WASM parser; call once at start-up (idempotent). */
export function initParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

export interface ParsedStatement {
  /** The statement node, wrapped (`{ SelectStmt: ... }`). */
  stmt: Ast;
  /** Byte offsets of this statement within the source text. */
  location: number;
  length: number | undefined;
}

/** Parses SQL into statements. Throws libpg-query's SqlError on a syntax error. */
export function parseSql(sql: string): ParsedStatement[] {
  const res = parseSync(sql) as Ast;
  return (res.stmts ?? []).map((s: Ast) => ({
    stmt: s.stmt,
    location: s.stmt_location ?? 0,
    length: s.stmt_len,
  }));
}

/**
 * The source text of one parsed statement: its byte range in `sql` (PostgreSQL's locations count bytes),
 * without the `;` and what follows it; the whole text when the statement is all of it.
 */
export function statementSql(sql: string, parsed: ParsedStatement): string {
  if (parsed.location === 0 && parsed.length === undefined) return sql;
  const bytes = Buffer.from(sql, 'utf8');
  const end = parsed.length === undefined ? bytes.length : parsed.location + parsed.length;
  return bytes.subarray(parsed.location, end).toString('utf8');
}

/** SQL text for one statement node (wrapped). */
export function deparse(stmt: Ast): string {
  return deparseSync({ version: 180000, stmts: [{ stmt }] } as Ast, { pretty: false });
}

/** libpg_query's fingerprint: equal for statements that differ only in constants, aliases' spelling or layout. */
export function fingerprint(sql: string): string {
  return fingerprintSync(sql);
}
