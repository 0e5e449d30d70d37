// One database server (the primary or a streaming replica) as GET /api/servers reports it: plain JSON types.

export type ServerRole = 'primary' | 'replica';

/**
 * - `up`: in the rotation (a replica: in recovery, a standby of the primary, lag within the bound);
 * - `lagging`: answers, but its replay lag is over `--max-replica-lag` (or not known yet);
 * - `down`: no answer, or it just failed a chunk;
 * - `invalid`: not a hot standby of the primary (promoted, another cluster, or the primary is itself a standby);
 * - `starting`: not checked yet.
 */
export type ServerState = 'up' | 'lagging' | 'down' | 'invalid' | 'starting';

export interface ServerInfo {
  /** `primary`, `r1`, `r2`, ... (replicas in `--replica-url` order). */
  id: string;
  role: ServerRole;
  /** Its connection URL without the password. */
  url: string;
  state: ServerState;
  /** Whether statements and chunks may go to it now. */
  inRotation: boolean;
  /** Replay lag in ms at the last check (0: it had replayed everything the primary had written); null: unknown. */
  lagMs: number | null;
  /** Replica: WAL position replayed at the last check; primary: its current WAL write position. */
  replayLsn: string | null;
  /** Statements whose snapshot and final merge run on it now (`snapshot` consistency). */
  statementsRunning: number;
  chunksRunning: number;
  chunksCompleted: number;
  chunksFailed: number;
  /** ISO time of the last check that got an answer. */
  lastCheck: string | null;
  /** Why it is out of the rotation, when it is. */
  reason: string | null;
}
