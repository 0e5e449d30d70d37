// The HTTP API's answers as the dashboard reads them (mirrors src/http and src/exec/api.ts; JSON only).

export type WorkerState = 'healthy' | 'unhealthy' | 'draining';

export interface WorkerInfo {
  id: string;
  url: string;
  pid?: number;
  source: 'local' | 'static' | 'registered';
  state: WorkerState;
  concurrency: number;
  inFlight: number;
  completed: number;
  failed: number;
  rows: number;
  busyMs: number;
  lastHeartbeat: string | null;
  consecutiveFailures: number;
}

export interface PostgresInfo {
  version: string;
  database: string;
  sizeBytes: number;
  connections: number;
  maxConnections: number;
  startedAt: string;
}

export interface Status {
  time: string;
  coordinator: {
    pid: number;
    node: string;
    startedAt: string;
    uptimeSec: number;
    statements: number;
    errors: number;
    running: number;
  };
  postgres: PostgresInfo | { error: string } | null;
  workers: WorkerInfo[];
}

export interface Sample {
  t: number;
  statements: number;
  errors: number;
  chunks: number;
  p50: number | null;
  p95: number | null;
}

export interface ShardStat {
  chunk: number;
  worker: string;
  rows: number;
  ms: number;
  attempts?: number;
  speculative?: boolean;
}

export type QueryMode = 'auto' | 'parallel' | 'passthrough';

export interface HistoryEntry {
  id: number;
  at: string;
  sql: string;
  requested: QueryMode;
  mode: 'parallel' | 'passthrough' | 'unknown';
  reason?: string;
  table?: string;
  strategy?: string;
  chunks: number;
  workers: number;
  rows: number;
  ms: number;
  speedup?: number;
  plan?: unknown;
  shards: ShardStat[];
  error?: { code: string; message: string };
}

export interface QueryResult {
  columns: { name: string; typeOid: number }[];
  rows: (string | null)[][];
  plan: unknown;
  stats: { elapsedMs: number; planMs: number; shards: ShardStat[] };
}

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
