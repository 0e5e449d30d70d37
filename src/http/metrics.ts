// Prometheus metrics (`GET /metrics`): per-worker figures read from the fleet, query counts and latencies.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WorkerInfo, WorkerState } from '../cluster/types.ts';

/** What a query's outcome is filed under: how it ran (`parallel` includes union plans) or could not tell. */
export type QueryMetricMode = 'parallel' | 'passthrough' | 'unknown';

export interface QueryRecord {
  mode: QueryMetricMode;
  ms: number;
  ok: boolean;
  /** The client went away before the answer (counted as outcome `canceled`). */
  canceled?: boolean;
}

const STATES: readonly WorkerState[] = ['healthy', 'unhealthy', 'draining'];
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * A dedicated prom-client Registry (never the global one, so several servers can live in one process). The
 * worker series are computed from `fleet.list()` at scrape time, so they are never out of date and removed
 * workers disappear.
 *
 * @example
 *   const metrics = new Metrics(registry);
 *   metrics.recordQuery({ mode: 'parallel', ms: 12, ok: true });
 *   res.setHeader('content-type', metrics.contentType).end(await metrics.render());
 */
export class Metrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  private readonly queries: Counter<'mode' | 'outcome'>;
  private readonly latency: Histogram<'mode' | 'outcome'>;

  constructor(fleet: { list(): WorkerInfo[] }) {
    const registers = [this.registry];
    new Gauge({
      name: 'mb_worker_state',
      help: 'Worker state: 1 for the state it is in (healthy, unhealthy, draining), 0 for the others',
      labelNames: ['worker', 'state'],
      registers,
      collect() {
        this.reset();
        for (const w of fleet.list())
          for (const state of STATES) this.set({ worker: w.id, state }, w.state === state ? 1 : 0);
      },
    });
    new Gauge({
      name: 'mb_workers',
      help: 'Workers known to the coordinator, by state',
      labelNames: ['state'],
      registers,
      collect() {
        const list = fleet.list();
        for (const state of STATES) this.set({ state }, list.filter((w) => w.state === state).length);
      },
    });
    const gauges: [string, string, (w: WorkerInfo) => number][] = [
      ['mb_worker_in_flight', 'Chunks running on the worker now', (w) => w.inFlight],
      ['mb_worker_concurrency', 'Chunks the worker may run at once', (w) => w.concurrency],
      [
        'mb_worker_last_heartbeat_seconds',
        'Unix time of the last passed health check or heartbeat (0: never)',
        (w) => (w.lastHeartbeat === null ? 0 : Date.parse(w.lastHeartbeat) / 1000),
      ],
    ];
    for (const [name, help, value] of gauges) {
      new Gauge({
        name,
        help,
        labelNames: ['worker'],
        registers,
        collect() {
          this.reset();
          for (const w of fleet.list()) this.set({ worker: w.id }, value(w));
        },
      });
    }
    const counters: [string, string, (w: WorkerInfo) => number][] = [
      ['mb_worker_chunks_completed_total', 'Chunks the worker completed', (w) => w.completed],
      ['mb_worker_chunks_failed_total', 'Chunks that failed on the worker (any cause)', (w) => w.failed],
      ['mb_worker_rows_total', 'Rows the worker sent back', (w) => w.rows],
      [
        'mb_worker_busy_seconds_total',
        'Wall time during which the worker had at least one chunk in flight',
        (w) => w.busyMs / 1000,
      ],
    ];
    for (const [name, help, value] of counters) {
      new Counter({
        name,
        help,
        labelNames: ['worker'],
        registers,
        // Counters mirror the registry's totals: set by resetting and adding the current value.
        collect() {
          this.reset();
          for (const w of fleet.list()) this.inc({ worker: w.id }, value(w));
        },
      });
    }
    this.queries = new Counter({
      name: 'mb_queries_total',
      help: 'Statements answered through the HTTP API, by how they ran and outcome (ok, error, canceled)',
      labelNames: ['mode', 'outcome'],
      registers,
    });
    this.latency = new Histogram({
      name: 'mb_query_duration_seconds',
      help: 'Time to answer a statement through the HTTP API, by how it ran and outcome',
      labelNames: ['mode', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
  }

  /** Counts one statement and its latency. */
  recordQuery(r: QueryRecord): void {
    const labels = { mode: r.mode, outcome: r.canceled ? 'canceled' : r.ok ? 'ok' : 'error' };
    this.queries.inc(labels);
    this.latency.observe(labels, r.ms / 1000);
  }

  /** The exposition text. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * How a finished query ran, from the plan it answered with: its summary's `mode`, or a plan's `kind`
 * (`parallel` and `union` plans both ran chunks).
 *
 * @example
 *   modeOfPlan({ mode: 'parallel', table: 'public.lineitem' }); // 'parallel'
 */
export function modeOfPlan(plan: unknown): QueryMetricMode {
  if (typeof plan !== 'object' || plan === null) return 'unknown';
  const { mode, kind } = plan as { mode?: unknown; kind?: unknown };
  const how = mode ?? kind;
  if (how === 'passthrough') return 'passthrough';
  if (how === 'parallel' || how === 'union') return 'parallel';
  return 'unknown';
}
