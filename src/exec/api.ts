// The coordinator's public contract: what a query request is and what it answers.
import type { FieldInfo } from '../worker/protocol.ts';

export type QueryMode = 'auto' | 'parallel' | 'passthrough';

export interface QueryRequest {
  sql: string;
  /** Values for `$1..$n` in text format; null is SQL NULL. */
  params?: (string | null)[];
  mode?: QueryMode;
  /** Number of chunks to split into (default: chosen from the table size and the fleet). */
  chunks?: number;
}

export interface ShardStat {
  chunk: number;
  worker: string;
  rows: number;
  ms: number;
  /** Attempts the chunk took, when more than one (retries after worker faults, speculative duplicates). */
  attempts?: number;
  /** The rows came from a speculative duplicate that finished before the first attempt. */
  speculative?: boolean;
  /** The database server it ran on (`primary`, `r1`, ...), when read replicas are configured. */
  server?: string;
}

export interface QueryResult {
  columns: { name: string; typeOid: number }[];
  rows: (string | null)[][];
  /** The plan as data (see plan/types.ts), as JSON. */
  plan: unknown;
  stats: {
    elapsedMs: number;
    planMs: number;
    shards: ShardStat[];
    /** With read replicas: the server that held the statement's snapshot and ran its final merge. */
    server?: string;
  };
}

export type { FieldInfo };
