// What the gateway reads of a client session before splitting one of its statements: role, settings, transaction
// state; and whether the session allows a split at all.
import type { SqlClient } from '../pg/sql-client.ts';

/** Settings that change what a statement returns: always sent to the shards with the session's values. */
export const RESULT_SETTINGS = [
  'DateStyle',
  'IntervalStyle',
  'TimeZone',
  'search_path',
  'bytea_output',
  'extra_float_digits',
  'lc_monetary',
  'lc_numeric',
  'lc_time',
  'default_text_search_config',
  'xmlbinary',
  'xmloption',
  'row_security',
  'quote_all_identifiers',
  'array_nulls',
];

/**
 * Settings never copied to the shards: the connection's own (encoding, name, timeouts of idle sessions), the
 * transaction's (the worker sets its own), the role (sent separately) and those that cannot change mid-session.
 */
const NOT_COPIED = [
  'client_encoding',
  'application_name',
  'transaction_isolation',
  'transaction_read_only',
  'transaction_deferrable',
  'default_transaction_isolation',
  'default_transaction_read_only',
  'default_transaction_deferrable',
  'role',
  'session_authorization',
  'temp_buffers',
  'idle_in_transaction_session_timeout',
  'idle_session_timeout',
  'client_min_messages',
];

export interface SessionState {
  role: string;
  database: string;
  /** The session has its own temporary schema (temporary tables may shadow other names). */
  hasTempSchema: boolean;
  backendPid: number;
  /** Every user-settable setting the session changed, plus RESULT_SETTINGS, as current_setting() shows them. */
  settings: Record<string, string>;
  searchPath: string;
  statementTimeoutMs: number;
  clientEncoding: string;
  standardConformingStrings: boolean;
  transformNullEquals: boolean;
  isolation: string;
  /** The transaction has written nothing (no transaction id assigned). */
  noWrites: boolean;
  /** The session changed a planner method setting (enable_*): it asks for a plan shape of its own. */
  steersPlanner: boolean;
}

const STATE_SQL = `SELECT current_user AS role, current_database() AS db, pg_my_temp_schema()::int AS temp,
  pg_backend_pid() AS pid, current_setting('client_encoding') AS enc,
  current_setting('standard_conforming_strings') AS scs, current_setting('transform_null_equals') AS tne,
  current_setting('transaction_isolation') AS iso, pg_current_xact_id_if_assigned() IS NULL AS clean,
  current_setting('search_path') AS sp,
  (SELECT setting FROM pg_settings WHERE name = 'statement_timeout') AS timeout,
  EXISTS (SELECT 1 FROM pg_settings WHERE name LIKE 'enable\\_%' AND setting <> boot_val) AS steers,
  (SELECT json_object_agg(name, current_setting(name)) FROM pg_settings
    WHERE context = 'user' AND NOT (name = ANY($2::text[]))
      AND (source NOT IN ('default', 'override', 'configuration file', 'command line', 'database')
           OR lower(name) = ANY($1::text[]))) AS settings`;

/** Reads the session's state on its own connection (one statement, nothing changed). */
export async function readSessionState(conn: SqlClient): Promise<SessionState> {
  const res = await conn.query({
    text: STATE_SQL,
    values: [RESULT_SETTINGS.map((s) => s.toLowerCase()), NOT_COPIED],
  });
  const r = res.rows[0] as Record<string, string | null>;
  const settings = JSON.parse(r.settings ?? '{}') as Record<string, string>;
  return {
    role: String(r.role),
    database: String(r.db),
    hasTempSchema: Number(r.temp) !== 0,
    backendPid: Number(r.pid),
    settings,
    searchPath: String(r.sp),
    statementTimeoutMs: Number(r.timeout ?? 0),
    clientEncoding: String(r.enc),
    standardConformingStrings: r.scs === 'on',
    transformNullEquals: r.tne === 'on',
    isolation: String(r.iso),
    noWrites: r.clean === 't',
    steersPlanner: r.steers === 't',
  };
}

/**
 * Why a statement of this session cannot be split (null: it can). `inBlock`: the session is inside a
 * transaction block. `database`: the one the workers read.
 */
export function unsplittableSession(s: SessionState, inBlock: boolean, database: string): string | null {
  if (s.database !== database)
    return `the session's database ${s.database} is not the workers' (${database})`;
  if (s.clientEncoding !== 'UTF8') return `client_encoding ${s.clientEncoding} (the gateway merges in UTF8)`;
  if (!s.standardConformingStrings) return 'standard_conforming_strings is off';
  if (s.transformNullEquals) return 'transform_null_equals is on';
  if (inBlock && s.isolation !== 'repeatable read')
    return `a ${s.isolation} transaction block has no single snapshot to share`;
  if (inBlock && !s.noWrites) return 'the transaction block has written rows the workers cannot see';
  if (s.steersPlanner)
    return "the session changed planner settings (enable_*): it gets PostgreSQL's own plan";
  return null;
}
