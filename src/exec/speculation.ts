// When a statement's last straggling chunks deserve a duplicate on an idle worker (first result wins).
import type { WorkerSlots } from './fair-queue.ts';
import type { Chunk, Statement } from './scheduler-state.ts';

export interface SpeculationOptions {
  /** A chunk straggles once it has run this many times the statement's median chunk time... */
  multiplier: number;
  /** ...and at least this long (ms). */
  minMs: number;
}

export const DEFAULT_SPECULATION: SpeculationOptions = Object.freeze({ multiplier: 2, minMs: 200 });

/** A running chunk as speculation sees it. */
export interface RunningChunk {
  index: number;
  /** When its oldest running attempt started (performance.now() ms). */
  startedAt: number;
  /** Attempts running now; a chunk already running twice gets no third. */
  attempts: number;
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * The chunks of one statement to duplicate now, longest-running first, and when to look again (null:
 * nothing will become due without another chunk finishing). Only called when the statement has nothing
 * left in the queue; without a finished chunk there is no median to compare with, so nothing is due.
 *
 * @example
 *   stragglers([{ index: 7, startedAt: 0, attempts: 1 }], [40, 50, 60], 300, DEFAULT_SPECULATION);
 *   // { due: [7], wakeAt: null }
 */
export function stragglers(
  running: readonly RunningChunk[],
  finishedMs: readonly number[],
  now: number,
  opts: SpeculationOptions,
): { due: number[]; wakeAt: number | null } {
  const m = median(finishedMs);
  if (m === null) return { due: [], wakeAt: null };
  const after = Math.max(opts.minMs, opts.multiplier * m);
  const due: RunningChunk[] = [];
  let wakeAt: number | null = null;
  for (const c of running) {
    if (c.attempts !== 1) continue;
    const at = c.startedAt + after;
    if (at <= now) due.push(c);
    else wakeAt = wakeAt === null ? at : Math.min(wakeAt, at);
  }
  due.sort((a, b) => a.startedAt - b.startedAt || a.index - b.index);
  return { due: due.map((c) => c.index), wakeAt };
}

/**
 * The duplicates to launch now for statements with nothing left in the queue: each due straggler goes to
 * the freest slot that neither runs nor failed it (one duplicate per chunk). Takes the slots it uses
 * (mutates `free`); returns when the next straggler becomes due.
 */
export function planDuplicates(
  statements: readonly Statement[],
  slots: WorkerSlots[],
  now: number,
  opts: SpeculationOptions,
): { launches: { stmt: Statement; chunk: Chunk; worker: string }[]; wakeAt: number | null } {
  const launches: { stmt: Statement; chunk: Chunk; worker: string }[] = [];
  let wakeAt: number | null = null;
  for (const stmt of statements) {
    const running = stmt.chunks
      .filter((c) => c.result === null && !c.duplicated && c.running.size > 0)
      .map((c) => ({
        index: c.index,
        startedAt: Math.min(...[...c.running].map((a) => a.startedAt)),
        attempts: c.running.size,
      }));
    const due = stragglers(running, stmt.finishedMs, now, opts);
    if (due.wakeAt !== null) wakeAt = wakeAt === null ? due.wakeAt : Math.min(wakeAt, due.wakeAt);
    for (const index of due.due) {
      const chunk = stmt.chunks[index] as Chunk;
      const busyOn = new Set([...chunk.running].map((a) => a.worker));
      let best: WorkerSlots | undefined;
      for (const s of slots) {
        if (s.free <= 0 || busyOn.has(s.id) || chunk.tried.has(s.id)) continue;
        if (!best || s.free > best.free) best = s;
      }
      if (!best) break;
      best.free--;
      launches.push({ stmt, chunk, worker: best.id });
    }
  }
  return { launches, wakeAt };
}
