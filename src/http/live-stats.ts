// What the dashboard shows live: recent statements (history) and per-second samples of load and latency.
import type { WorkerInfo } from '../cluster/types.ts';
import type { HistoryEntry, NewEntry, Sample } from './api-types.ts';

export type { HistoryEntry, NewEntry, Sample };

const HISTORY_LIMIT = 200;
const WINDOW_SECONDS = 300;

/**
 * A bounded record of recent statements and per-second samples, kept in memory.
 *
 * @example
 *   const live = new LiveStats(registry);
 *   live.record({ sql, requested: 'auto', mode: 'parallel', chunks: 4, workers: 4, rows: 12, ms: 30, shards });
 *   live.tick(); // once a second: closes the current sample
 */
export class LiveStats {
  private readonly entries: HistoryEntry[] = [];
  private readonly samples: Sample[] = [];
  private nextId = 1;
  private pendingMs: number[] = [];
  private pendingErrors = 0;
  private lastCompleted: number | null = null;
  readonly startedAt = new Date();
  statementsTotal = 0;
  errorsTotal = 0;

  constructor(private readonly fleet: { list(): WorkerInfo[] }) {}

  /** Files a finished statement; answers the entry (with its speedup when the other mode has run too). */
  record(entry: NewEntry): HistoryEntry {
    const full: HistoryEntry = { ...entry, id: this.nextId++, at: new Date().toISOString() };
    this.statementsTotal++;
    this.pendingMs.push(entry.ms);
    if (entry.error) {
      this.errorsTotal++;
      this.pendingErrors++;
    } else if (entry.mode !== 'unknown') {
      const other = this.entries.find((e) => !e.error && e.sql === entry.sql && e.mode !== entry.mode);
      if (other && other.mode !== 'unknown') {
        const [par, whole] = entry.mode === 'parallel' ? [full, other] : [other, full];
        par.speedup = whole.ms / Math.max(par.ms, 0.001);
      }
    }
    this.entries.unshift(full);
    if (this.entries.length > HISTORY_LIMIT) this.entries.pop();
    return full;
  }

  /** Newest first. */
  history(): HistoryEntry[] {
    return this.entries;
  }

  /** Oldest first, at most the last five minutes. */
  series(): Sample[] {
    return this.samples;
  }

  /** Closes the current second: answers its sample. */
  tick(now = Date.now()): Sample {
    const completed = this.fleet.list().reduce((n, w) => n + w.completed, 0);
    const chunks = this.lastCompleted === null ? 0 : Math.max(0, completed - this.lastCompleted);
    this.lastCompleted = completed;
    const sorted = this.pendingMs.sort((a, b) => a - b);
    const sample: Sample = {
      t: now,
      statements: sorted.length,
      errors: this.pendingErrors,
      chunks,
      p50: percentile(sorted, 0.5),
      p95: percentile(sorted, 0.95),
    };
    this.pendingMs = [];
    this.pendingErrors = 0;
    this.samples.push(sample);
    if (this.samples.length > WINDOW_SECONDS) this.samples.shift();
    return sample;
  }
}

/** Nearest-rank percentile of sorted values; null when there are none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? null;
}
