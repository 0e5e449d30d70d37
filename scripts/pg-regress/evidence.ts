// What the gateway did during the run: split statements from the server log, metrics, its own warnings and errors.
import fs from 'node:fs';

export interface SplitEvidence {
  /** Cost estimates the coordinator asked PostgreSQL for (EXPLAIN (FORMAT JSON) ..., auto mode). */
  costed: number;
  /** Statements run split: the coordinator exports one snapshot per split statement. */
  split: number;
  /** Shard transactions the workers ran (each imports the snapshot). */
  chunks: number;
}

/**
 * Counts the coordinator's and the workers' statements in a server log written with log_statement = 'all'.
 * No regression test runs pg_export_snapshot() or SET TRANSACTION SNAPSHOT, and the tests write their
 * EXPLAIN options in lower case, so every match is the gateway's, whichever backend ran it (the
 * coordinator may use its own connections or the client's session).
 */
export function splitEvidence(serverLog: string): SplitEvidence {
  const evidence: SplitEvidence = { costed: 0, split: 0, chunks: 0 };
  for (const line of serverLog.split('\n')) {
    const sql = /\sLOG:\s+(?:statement|execute [^:]*):\s+(.*)$/.exec(line)?.[1];
    if (sql === undefined) continue;
    if (sql.startsWith('EXPLAIN (FORMAT JSON)')) evidence.costed++;
    else if (/pg_export_snapshot\(\)/i.test(sql)) evidence.split++;
    else if (/SET TRANSACTION SNAPSHOT/i.test(sql)) evidence.chunks++;
  }
  return evidence;
}

/** The samples of the metrics that say how statements ran (mb_queries_total, worker chunks, any mb_gateway_*). */
export function splitMetrics(prometheus: string): string[] {
  return prometheus
    .split('\n')
    .filter((l) => /^mb_(queries_total|worker_chunks_\w+_total|gateway_\w+|split\w*)[{ ]/.test(l));
}

export interface LogSummary {
  warnings: number;
  errors: number;
  /** The most frequent messages at warn level or above, with their count. */
  top: { text: string; count: number }[];
}

/** Warnings and errors in the gateway's pino JSON log (level 40 warn, 50 error, 60 fatal). */
export function summarizeGatewayLog(file: string): LogSummary {
  const summary: LogSummary = { warnings: 0, errors: 0, top: [] };
  if (!fs.existsSync(file)) return summary;
  const counts = new Map<string, number>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    let entry: { level?: number; msg?: string; err?: unknown; why?: unknown; reason?: unknown };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if ((entry.level ?? 0) < 40) continue;
    if ((entry.level ?? 0) >= 50) summary.errors++;
    else summary.warnings++;
    const err = entry.err as { message?: string } | string | undefined;
    // Worker ids and figures vary; without them, equal causes count together.
    const detail = String(entry.why ?? entry.reason ?? (typeof err === 'string' ? err : (err?.message ?? '')))
      .replace(/\bw\d+\b/g, 'wN')
      .replace(/\d+/g, 'N');
    const text = `${entry.msg ?? '(no message)'}${detail ? `: ${detail.split('\n')[0]}` : ''}`.slice(0, 200);
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  summary.top = [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([text, count]) => ({ text, count }));
  return summary;
}
