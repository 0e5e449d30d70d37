// The benchmark's result as Markdown: machine, timing table, speedups, targets, overhead.
import type { Percentiles } from './overhead.ts';
import { median } from './stats.ts';
import { STREAM_RSS_TARGET_MB, type StreamingReport } from './streaming.ts';
import { BENCH_QUERY_SET } from './tpch-query-set.ts';
import {
  bestBalancer,
  geomeanSpeedup,
  NATIVE,
  SERIAL,
  speedup,
  type TpchBenchReport,
} from './tpch-report.ts';

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const x2 = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a');
const p = (v: Percentiles): string => `${v.p50.toFixed(2)} | ${v.p99.toFixed(2)} | ${v.n}`;

function verdict(ok: boolean): string {
  return ok ? '**met**' : '**missed**';
}

/** The speedup table alone (also shown in the README). */
export function renderSpeedupTable(report: TpchBenchReport): string {
  const mbs = report.targets.filter((t) => t.workers !== undefined);
  const head = [
    '| query | (a) serial ms | (b) parallel ms | (b) vs (a) |',
    ...mbs.map((t) => ` ${t.workers}W ms | ${t.workers}W vs (a) | ${t.workers}W vs (b) |`),
  ].join('');
  const sep = `|---|---:|---:|---:|${mbs.map(() => '---:|---:|---:|').join('')}`;
  const lines = report.queries.map((q) => {
    const cells = [
      q.id,
      ms(q.results[SERIAL]?.ms.median ?? Number.NaN),
      ms(q.results[NATIVE]?.ms.median ?? Number.NaN),
      x2(speedup(q, NATIVE, SERIAL)),
      ...mbs.flatMap((t) => [
        ms(q.results[t.id]?.ms.median ?? Number.NaN),
        x2(speedup(q, t.id, SERIAL)),
        x2(speedup(q, t.id, NATIVE)),
      ]),
    ];
    return `| ${cells.join(' | ')} |`;
  });
  const geo = [
    '**geometric mean**',
    '',
    '',
    `**${x2(geomeanSpeedup(report, NATIVE, SERIAL))}**`,
    ...mbs.flatMap((t) => [
      '',
      `**${x2(geomeanSpeedup(report, t.id, SERIAL))}**`,
      `**${x2(geomeanSpeedup(report, t.id, NATIVE))}**`,
    ]),
  ];
  return [head, sep, ...lines, `| ${geo.join(' | ')} |`].join('\n');
}

/**
 * The database-server series (`--replica-url`): each query's median with 1, 2, ... servers and the speedup
 * over the primary alone (same workers, same mode).
 */
export function renderServersTable(report: TpchBenchReport): string {
  const series = report.targets.filter((t) => t.servers !== undefined);
  const base = series.find((t) => t.servers === 1);
  if (!base) return '';
  const head = `| query |${series.map((t) => ` ${t.servers}S ms |${t === base ? '' : ` ${t.servers}S vs 1S |`}`).join('')}`;
  const sep = `|---|${series.map((t) => (t === base ? '---:|' : '---:|---:|')).join('')}`;
  const lines = report.queries.map((q) => {
    const cells = series.flatMap((t) => {
      const time = ms(q.results[t.id]?.ms.median ?? Number.NaN);
      return t === base ? [time] : [time, x2(speedup(q, t.id, base.id))];
    });
    return `| ${[q.id, ...cells].join(' | ')} |`;
  });
  const geo = series.flatMap((t) =>
    t === base ? [''] : ['', `**${x2(geomeanSpeedup(report, t.id, base.id))}**`],
  );
  return [head, sep, ...lines, `| ${['**geometric mean**', ...geo].join(' | ')} |`].join('\n');
}

function renderDetails(report: TpchBenchReport): string {
  const med = (xs: number[] | undefined) => (xs && xs.length > 0 ? ms(median(xs)) : '');
  const lines = [
    'Mini-Balancer columns (medians over the runs): planning as `stats.planMs`, the longest chunk and the sum of',
    "all chunks as the workers timed them; the rest of a run's time is scheduling, the wire and the merge.",
    '',
    '| query | rows | target | median ms | min–max ms | chunks | mode | planning ms | longest chunk ms | chunks sum ms |',
    '|---|---:|---|---:|---:|---:|---|---:|---:|---:|',
  ];
  for (const q of report.queries) {
    for (const t of report.targets) {
      const r = q.results[t.id];
      if (!r) continue;
      lines.push(
        `| ${q.id} | ${q.rows} | ${t.label} | ${ms(r.ms.median)} | ${ms(r.ms.min)}–${ms(r.ms.max)} | ${r.chunks ?? ''} | ${r.mode ?? ''} | ${med(r.planMs)} | ${med(r.chunkMaxMs)} | ${med(r.chunkSumMs)} |`,
      );
    }
  }
  return lines.join('\n');
}

function renderTargets(report: TpchBenchReport): string {
  const best = bestBalancer(report);
  if (!best) return '';
  const label = report.targets.find((t) => t.id === best)?.label ?? best;
  const q = (id: string) => report.queries.find((x) => x.id === id);
  const rows: string[] = [
    `Judged on ${label}, the Mini-Balancer configuration with the best geometric mean.`,
    '',
  ];
  rows.push('| target | measured | verdict |', '|---|---:|:---:|');
  for (const id of ['Q1', 'Q6']) {
    const query = q(id);
    if (!query) continue;
    const a = speedup(query, best, SERIAL);
    const b = speedup(query, best, NATIVE);
    rows.push(`| ${id} ≥ 1.8x over (a) | ${x2(a)} | ${verdict(a >= 1.8)} |`);
    rows.push(`| ${id} no slower than (b) | ${x2(b)} | ${verdict(b >= 1)} |`);
  }
  const g = geomeanSpeedup(report, best, SERIAL);
  const n = report.queries.length;
  const whole = n === BENCH_QUERY_SET.length;
  rows.push(
    `| geometric mean ≥ 1.5x over (a) | ${x2(g)}${whole ? '' : ` (${n} of ${BENCH_QUERY_SET.length} queries)`} | ${whole ? verdict(g >= 1.5) : 'not judged: a subset'} |`,
  );
  const d = q('distinct');
  if (d) {
    const b = speedup(d, best, NATIVE);
    rows.push(`| count(DISTINCT) ≥ 1.6x over (b) | ${x2(b)} | ${verdict(b >= 1.6)} |`);
  }
  for (const x of report.overhead?.planner ?? []) {
    rows.push(
      `| planning < 1 ms p50: ${x.statement}, planner alone | ${x.ms.p50.toFixed(2)} ms | ${verdict(x.ms.p50 < 1)} |`,
    );
  }
  for (const x of report.overhead?.planning.filter((y) => y.mode === 'auto') ?? []) {
    rows.push(
      `| planning < 1 ms p50: ${x.statement}, coordinator (auto, with round trips) | ${x.ms.p50.toFixed(2)} ms | ${verdict(x.ms.p50 < 1)} |`,
    );
  }
  const s = report.overhead?.streaming;
  if (s) {
    rows.push(
      `| coordinator RSS < ${STREAM_RSS_TARGET_MB} MB streaming ${s.rows.toLocaleString('en-US')} rows | ${s.rssPeakMb.toFixed(0)} MB peak | ${verdict(s.rssPeakMb < STREAM_RSS_TARGET_MB)} |`,
    );
  }
  return rows.join('\n');
}

function renderStreaming(s: StreamingReport): string {
  const mb = (n: number) => `${n.toFixed(0)} MB`;
  return [
    `Streaming: a \`mini-balancer serve\` process of its own, ${s.rows.toLocaleString('en-US')} rows (${mb(s.bytes / 1048576)} of DataRow`,
    `messages) through its gateway to a client that counts them, in ${s.seconds.toFixed(1)} s. Statement: \`${s.sql}\`.`,
    '',
    '| coordinator process | resident set |',
    '|---|---:|',
    `| serving, before the statement | ${mb(s.rssBeforeMb)} |`,
    `| peak while streaming (sampled every 50 ms) | ${mb(s.rssPeakMb)} |`,
    `| VmHWM (peak since start) | ${mb(s.hwmMb)} |`,
  ].join('\n');
}

function renderOverhead(report: TpchBenchReport): string {
  const o = report.overhead;
  if (!o) return 'Not measured in this run.';
  return [
    'Planner alone: `parseSql` + `planStatement` in-process, catalog view cached (no round trips).',
    '',
    '| statement | plan | p50 ms | p99 ms | runs |',
    '|---|---|---:|---:|---:|',
    ...o.planner.map((x) => `| ${x.statement} | ${x.kind} | ${p(x.ms)} |`),
    '',
    'Planning as the coordinator does it: wall time of `coordinator.explain` in-process (parse, `BEGIN REPEATABLE READ`, Describe, catalog',
    '(cached), in auto mode the EXPLAIN cost estimate, plan, `ROLLBACK`); each run with a text of its own, so auto',
    "mode's memory of statements that run whole (10 s per text) does not answer instead.",
    '',
    '| statement | mode | p50 ms | p99 ms | runs |',
    '|---|---|---:|---:|---:|',
    ...o.planning.map((x) => `| ${x.statement} | ${x.mode} | ${p(x.ms)} |`),
    '',
    `Point query \`${o.pointQuery.sql}\` (random keys, targets interleaved, one connection each, HTTP keep-alive):`,
    '',
    '| target | p50 ms | p99 ms | runs |',
    '|---|---:|---:|---:|',
    ...o.pointQuery.targets.map((x) => `| ${x.target} | ${p(x.ms)} |`),
    ...(o.streaming ? ['', renderStreaming(o.streaming)] : []),
  ].join('\n');
}

/**
 * The whole report as Markdown.
 *
 * @example
 *   await writeFile('docs/benchmarks/2026-11-27-sf0.1.md', renderMarkdown(report));
 */
export function renderMarkdown(
  report: TpchBenchReport,
  charts: { perQuery: string; vsWorkers: string },
): string {
  const m = report.machine;
  const mismatches = report.queries.flatMap((q) => q.mismatches.map((x) => `- ${q.id}: ${x}`));
  return `# Benchmark ${report.date.slice(0, 10)}: TPC-H SF ${report.scaleFactor}

- Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB memory, ${m.os}; ${m.postgres}; Node ${m.node}
- Command: \`${report.command}\`
- Started: ${report.date}; ${report.runs} timed runs per query and configuration, interleaved after one warm-up;
  times are medians. Mini-Balancer mode \`${report.mode}\`, worker counts ${report.workersList.join(', ')}.
- Data: ${report.data ? `${report.data.loaded ? 'loaded in this run' : 'already loaded'}${report.data.loadMs === null ? '' : `, TPC-H load ${(report.data.loadMs / 1000).toFixed(1)} s`}` : 'not loaded by the bench'}
- (a) PostgreSQL serial: \`max_parallel_workers_per_gather = 0\`; (b) PostgreSQL parallel:
  \`max_parallel_workers_per_gather = ${m.cores}\`; both on one direct connection. nW: Mini-Balancer with n local
  workers, queried in-process (no HTTP).
- Answers: every run compared with (a): ${mismatches.length === 0 ? 'all equal' : `**${mismatches.length} mismatches**`}.

## Speedup

${renderSpeedupTable(report)}

![speedup per query](${charts.perQuery})
![speedup against workers](${charts.vsWorkers})

${
  report.servers
    ? `## Speedup against database servers

Mini-Balancer with ${report.servers.workers} workers, consistency \`${report.servers.consistency}\`, on the primary alone (1S), then
the primary and one streaming replica (2S), and so on; nS vs 1S is the median time on the primary alone over the
median time with n servers.

${renderServersTable(report)}

`
    : ''
}## Targets

${renderTargets(report)}

## Overhead

${renderOverhead(report)}

## Every configuration

${renderDetails(report)}
${mismatches.length === 0 ? '' : `\n## Mismatches\n\n${mismatches.join('\n')}\n`}`;
}
