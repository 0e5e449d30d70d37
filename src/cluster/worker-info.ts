// One worker as the HTTP API reports it: plain JSON types (no imports), shared with the dashboard app.

export type WorkerState = 'healthy' | 'unhealthy' | 'draining';

/** One worker as `GET /api/workers` lists it. */
export interface WorkerInfo {
  id: string;
  url: string;
  /** Process id, for local workers. */
  pid?: number;
  /** How the coordinator knows it: spawned here, given on the command line, self-registered, or found in DNS. */
  source: 'local' | 'static' | 'registered' | 'dns';
  state: WorkerState;
  /** Chunks it may run at once. */
  concurrency: number;
  inFlight: number;
  completed: number;
  failed: number;
  rows: number;
  busyMs: number;
  /** ISO time of the last successful health check or heartbeat. */
  lastHeartbeat: string | null;
  consecutiveFailures: number;
}
