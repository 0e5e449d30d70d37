// Hand-drawn SVG charts: a time series line chart and the Worker Query Distribution; each is one named image.
import { int, ms } from './format.ts';
import type { ShardStat } from './types.ts';

export interface Line {
  name: string;
  color: string;
  values: (number | null)[];
}

const W = 400;
const H = 150;
const PAD = { left: 40, right: 6, top: 10, bottom: 20 };

/**
 * @example
 *   <LineChart title="Statements per second" unit="/s" lines={[{ name: 'statements', color: '#2563eb', values }]} />
 */
export function LineChart(props: { title: string; unit: string; lines: Line[]; seconds: number }) {
  const { title, unit, lines, seconds } = props;
  const all = lines.flatMap((l) => l.values.filter((v): v is number => v !== null));
  const max = Math.max(1, ...all) * 1.1;
  const n = Math.max(2, seconds);
  const x = (i: number, len: number) => PAD.left + ((n - len + i) / (n - 1)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - v / max) * (H - PAD.top - PAD.bottom);
  const latest = lines
    .map((l) => {
      const v = [...l.values].reverse().find((x) => x !== null);
      return `${l.name} ${v === undefined || v === null ? 'none' : `${round(v)}${unit}`}`;
    })
    .join(', ');
  const label = `${title}, last ${Math.round(seconds / 60)} minutes; latest: ${latest}`;
  return (
    <figure className="chart">
      <figcaption>
        {title}
        <span className="legend">
          {lines.map((l) => (
            <span key={l.name}>
              <i style={{ background: l.color }} />
              {l.name}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(max * f)} y2={y(max * f)} className="grid" />
            <text x={PAD.left - 4} y={y(max * f) + 4} textAnchor="end" className="axis">
              {round(max * f)}
            </text>
          </g>
        ))}
        <text x={PAD.left} y={H - 4} className="axis">
          −{Math.round(seconds / 60)} min
        </text>
        <text x={W - PAD.right} y={H - 4} textAnchor="end" className="axis">
          now
        </text>
        {lines.map((l) => (
          <g key={l.name}>
            <path d={path(l.values, x, y)} fill="none" stroke={l.color} strokeWidth={2} />
            {l.values.map((v, i) =>
              v === null || v === 0 ? null : (
                // biome-ignore lint/suspicious/noArrayIndexKey: one dot per second, by position
                <circle key={i} cx={x(i, l.values.length)} cy={y(v)} r={3} fill={l.color} className="dot" />
              ),
            )}
          </g>
        ))}
      </svg>
    </figure>
  );
}

function path(values: (number | null)[], x: (i: number, len: number) => number, y: (v: number) => number) {
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${x(i, values.length).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  });
  return d;
}

const round = (v: number) => (v >= 100 ? int(v) : String(Math.round(v * 10) / 10));

const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#4f46e5', '#65a30d'];

export interface WorkerShare {
  worker: string;
  chunks: ShardStat[];
  rows: number;
  ms: number;
}

/** Chunks grouped by worker, in worker order. */
export function byWorker(shards: readonly ShardStat[]): WorkerShare[] {
  const map = new Map<string, WorkerShare>();
  for (const s of shards) {
    const w = map.get(s.worker) ?? { worker: s.worker, chunks: [], rows: 0, ms: 0 };
    w.chunks.push(s);
    w.rows += s.rows;
    w.ms += s.ms;
    map.set(s.worker, w);
  }
  return [...map.values()].sort((a, b) => a.worker.localeCompare(b.worker, 'en', { numeric: true }));
}

/**
 * Per worker: one bar of its chunks' time, a segment per chunk (scaled to the busiest worker), with chunks, rows
 * and time written out. Labels are HTML so they stay readable on a phone; the whole is one named image.
 *
 * @example
 *   <DistributionChart shards={result.stats.shards} />
 */
export function DistributionChart(props: { shards: readonly ShardStat[] }) {
  const shares = byWorker(props.shards);
  if (shares.length === 0) {
    return <p className="empty">The statement ran whole on PostgreSQL: no chunks to distribute.</p>;
  }
  const maxMs = Math.max(0.001, ...shares.map((s) => s.ms));
  const label = `Worker Query Distribution: ${shares
    .map((s) => `${s.worker} ran ${s.chunks.length} chunks, ${int(s.rows)} rows, ${ms(s.ms)}`)
    .join('; ')}`;
  return (
    <div className="distribution" role="img" aria-label={label} data-testid="distribution">
      {shares.map((s, i) => {
        let at = 0;
        const color = PALETTE[i % PALETTE.length];
        return (
          <div key={s.worker} className="dist-row" data-testid="dist-worker" data-worker={s.worker}>
            <span className="dist-label">{s.worker}</span>
            <svg className="dist-bar" viewBox="0 0 100 20" preserveAspectRatio="none" aria-hidden="true">
              {s.chunks.map((c) => {
                const w = Math.max(0.8, (c.ms / maxMs) * 100);
                const rect = (
                  <rect key={c.chunk} x={at} y={0} width={Math.max(0.4, w - 0.4)} height={20} fill={color}>
                    <title>{`chunk ${c.chunk}: ${int(c.rows)} rows, ${ms(c.ms)}${c.attempts ? `, ${c.attempts} attempts` : ''}`}</title>
                  </rect>
                );
                at += w;
                return rect;
              })}
            </svg>
            <span className="dist-text">
              {`${s.chunks.length} chunk${s.chunks.length === 1 ? '' : 's'} · ${int(s.rows)} rows · ${ms(s.ms)}`}
            </span>
          </div>
        );
      })}
    </div>
  );
}
