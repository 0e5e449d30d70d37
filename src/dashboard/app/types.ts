// The HTTP API's answers as the dashboard reads them: the server's own JSON types, plus the error and plan shapes.

export type { ServerInfo, ServerRole, ServerState } from '../../cluster/server-info.ts';
export type { WorkerInfo, WorkerState } from '../../cluster/worker-info.ts';
export type { QueryMode, QueryResult, ShardStat } from '../../exec/api.ts';
export type { HistoryEntry, PostgresInfo, Sample, Status } from '../../http/api-types.ts';

/** The error object of a 4xx/5xx answer: PostgreSQL's fields. */
export interface ApiErrorBody {
  code: string;
  message: string;
  position?: string;
  detail?: string;
  hint?: string;
}

/** The plan summary (src/exec/summary.ts) as JSON. */
export interface PlanSummary {
  mode?: 'parallel' | 'passthrough';
  reason?: string;
  table?: string;
  strategy?: string;
  key?: unknown;
  boundsFrom?: unknown;
  chunks?: number;
  shardSql?: string;
  merge?: { kind?: string; steps?: unknown[] };
  branches?: (PlanSummary & { sql?: string })[];
}
