// The dashboard API's JSON shapes (GET /api/status, /api/history, /api/events): plain types, no runtime imports,
// shared by the server (src/http) and the dashboard app (src/dashboard/app).
import type { ServerInfo } from '../cluster/server-info.ts';
import type { WorkerInfo } from '../cluster/worker-info.ts';
import type { ShardStat } from '../exec/api.ts';

/** One statement run through `POST /api/query`, as Query History lists it. */
export interface HistoryEntry {
  id: number;
  /** ISO time the statement finished. */
  at: string;
  sql: string;
  /** The mode the client asked for. */
  requested: 'auto' | 'parallel' | 'passthrough';
  /** How it ran: split over workers, whole on PostgreSQL, or unknown (failed before a plan). */
  mode: 'parallel' | 'passthrough' | 'unknown';
  /** Why it ran whole, for passthrough plans. */
  reason?: string;
  table?: string;
  strategy?: string;
  chunks: number;
  /** Distinct workers that ran its chunks. */
  workers: number;
  rows: number;
  /** Wall time on the coordinator's HTTP handler. */
  ms: number;
  /** Time of the same statement run whole divided by this one's, when both have run (parallel entries). */
  speedup?: number;
  plan?: unknown;
  shards: ShardStat[];
  error?: { code: string; message: string };
}

/** One second of load: statements finished, errors, chunks completed fleet-wide, latency percentiles. */
export interface Sample {
  /** Unix time in ms, the end of the second. */
  t: number;
  statements: number;
  errors: number;
  chunks: number;
  p50: number | null;
  p95: number | null;
}

export type NewEntry = Omit<HistoryEntry, 'id' | 'at' | 'speedup'>;

/** The PostgreSQL server behind the coordinator, as System Status shows it. */
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
  /** The primary and its read replicas (role, state, lag, load); empty when the server set is not known. */
  servers: ServerInfo[];
}
