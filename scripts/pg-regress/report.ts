// The comparison of the direct and the gateway run, as text for a person and CI.
import type { LogSummary, SplitEvidence } from './evidence.ts';
import type { RegressRun } from './regress.ts';
import { tally } from './results.ts';

export interface Comparison {
  /** Tests that pass directly and fail (or did not run) through the gateway. */
  regressions: string[];
  /** Tests that fail directly: not held against the gateway. */
  failingDirect: string[];
  /** Tests passing both ways. */
  passingBoth: number;
}

export function compare(direct: RegressRun, gateway: RegressRun): Comparison {
  const regressions: string[] = [];
  const failingDirect: string[] = [];
  let passingBoth = 0;
  for (const [test, outcome] of direct.outcomes) {
    if (outcome !== 'ok') failingDirect.push(test);
    else if (gateway.outcomes.get(test) === 'ok') passingBoth++;
    else regressions.push(test);
  }
  return { regressions, failingDirect, passingBoth };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export interface ReportInput {
  phases: { name: string; ms: number }[];
  direct: RegressRun;
  gateway: RegressRun;
  comparison: Comparison;
  evidence: SplitEvidence;
  metrics: string[] | null;
  gatewayLog: { file: string; summary: LogSummary };
  /** Lines of each regression's diff to show. */
  diffLines: number;
}

export function formatReport(r: ReportInput): string {
  const out: string[] = ['', '==== pg_regress (parallel_schedule) direct vs. through Mini-Balancer ===='];
  const width = Math.max(...r.phases.map((p) => p.name.length));
  out.push('', `${'phase'.padEnd(width + 2)}     time`);
  for (const p of r.phases) out.push(`  ${p.name.padEnd(width)} ${seconds(p.ms).padStart(8)}`);
  out.push('', 'run       passed  failed  total  pg_regress exit');
  for (const [name, run] of [
    ['direct', r.direct],
    ['gateway', r.gateway],
  ] as const) {
    const t = tally(run.outcomes);
    const exit = run.timedOut ? `stopped after ${seconds(run.ms)}` : String(run.code);
    out.push(
      `  ${name.padEnd(8)}${String(t.passed).padStart(6)}${String(t.failed).padStart(8)}${String(t.total).padStart(7)}  ${exit}`,
    );
  }
  out.push(
    '',
    `statements split: ${r.evidence.split}, shard transactions run by workers: ${r.evidence.chunks}, ` +
      `cost estimates (EXPLAIN) by the coordinator: ${r.evidence.costed} (from the server log)`,
  );
  if (r.evidence.split === 0) out.push('  no statement was split: the gateway relayed every statement');
  if (r.metrics === null) out.push('GET /metrics: could not be read');
  else {
    out.push('GET /metrics:');
    for (const line of r.metrics) out.push(`  ${line}`);
  }
  const s = r.gatewayLog.summary;
  out.push('', `gateway log: ${s.errors} errors, ${s.warnings} warnings (${r.gatewayLog.file})`);
  for (const m of s.top) out.push(`  ${String(m.count).padStart(5)} × ${m.text}`);
  if (r.comparison.failingDirect.length > 0) {
    out.push(
      '',
      `failing directly too (not held against the gateway): ${r.comparison.failingDirect.join(' ')}`,
    );
  }
  const regressions = r.comparison.regressions;
  const notRun = regressions.filter((t) => r.gateway.outcomes.get(t) === 'missing');
  const failed = regressions.filter((t) => r.gateway.outcomes.get(t) !== 'missing');
  out.push('', `pass directly but fail through the gateway: ${regressions.length}`);
  if (failed.length > 0) out.push(`  failed (${failed.length}): ${failed.join(' ')}`);
  if (notRun.length > 0) {
    const why = r.gateway.timedOut
      ? `the run was stopped after ${seconds(r.gateway.ms)}`
      : 'pg_regress stopped';
    out.push(`  did not run, ${why} (${notRun.length}): ${notRun.join(' ')}`);
  }
  for (const test of regressions) {
    const outcome = r.gateway.outcomes.get(test);
    if (outcome === 'missing') continue;
    out.push('', `---- ${test} (${outcome})`);
    const hunk = r.gateway.diffs.get(test);
    if (!hunk) {
      out.push('  (no diff in regression.diffs: see the run output above)');
      continue;
    }
    const lines = hunk.split('\n').filter((l) => !/^(diff |--- |\+\+\+ )/.test(l));
    out.push(...lines.slice(0, r.diffLines).map((l) => `  ${l}`));
    if (lines.length > r.diffLines) out.push(`  ... ${lines.length - r.diffLines} more lines`);
  }
  out.push(
    '',
    `outputs: ${r.direct.outputDir}, ${r.gateway.outputDir} (regression.diffs, results/, pg_regress.log)`,
  );
  return out.join('\n');
}
