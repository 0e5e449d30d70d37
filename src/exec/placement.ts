// Read replicas: which database server a statement's snapshot and each chunk attempt go to, per consistency mode.
import { formatLsn } from '../cluster/lsn.ts';
import { PRIMARY, type ServerSet } from '../cluster/servers.ts';
import type { ChunkPlacement, ChunkTarget } from './scheduler-state.ts';

/**
 * - `snapshot`: every chunk of a statement on one server, importing one snapshot exported there; statements
 *   spread over the servers. Exactly the answer of that snapshot, which includes at least every transaction
 *   committed before the statement began.
 * - `spread`: a statement's chunks spread over the servers, each in its own REPEATABLE READ transaction on
 *   a server that has replayed at least what the primary had when the statement began (chunks on the
 *   primary import the statement's snapshot). Exact for data not written while the statement runs.
 */
export type Consistency = 'snapshot' | 'spread';
export const CONSISTENCIES: readonly Consistency[] = ['snapshot', 'spread'];

/**
 * All attempts on `server`, importing `snapshot` (exported on that server).
 *
 * @example
 *   scheduler.submit({ ...input, placement: pinnedPlacement(servers, 'r1', snapshot) });
 */
export function pinnedPlacement(servers: ServerSet, server: string, snapshot: string): ChunkPlacement {
  const target: ChunkTarget = {
    server,
    url: server === PRIMARY ? null : servers.urlOf(server),
    snapshot,
    minLsn: null,
  };
  return { pinned: true, pick: () => target, ...accounting(servers) };
}

/**
 * Each attempt on the server in the rotation with the fewest chunks running (ties in turn), avoiding servers
 * the chunk already failed on; the primary when nothing else is left. Replicas get `minLsn` (the worker
 * waits for the replay before the chunk's transaction starts), the primary the statement's snapshot.
 *
 * @example
 *   const placement = spreadPlacement(servers, snapshot, await servers.startLsn());
 */
export function spreadPlacement(servers: ServerSet, primarySnapshot: string, minLsn: bigint): ChunkPlacement {
  const lsn = formatLsn(minLsn);
  return {
    pinned: false,
    pick: (avoid) => {
      const id = servers.rankForChunk().find((s) => !avoid.has(s)) ?? PRIMARY;
      if (id === PRIMARY) return { server: PRIMARY, url: null, snapshot: primarySnapshot, minLsn: null };
      return { server: id, url: servers.urlOf(id), snapshot: null, minLsn: lsn };
    },
    ...accounting(servers),
  };
}

function accounting(servers: ServerSet): Pick<ChunkPlacement, 'started' | 'finished' | 'fault'> {
  return {
    started: (id) => servers.chunkStarted(id),
    finished: (id, outcome) => servers.chunkFinished(id, outcome),
    fault: (id, reason) => servers.reportFault(id, reason),
  };
}
