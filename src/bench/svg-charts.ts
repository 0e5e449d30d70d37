// Hand-drawn SVG charts of a benchmark: speedup per query, and speedup against the number of workers.
import { geomeanSpeedup, NATIVE, SERIAL, speedup, type TpchBenchReport } from './tpch-report.ts';

const COLORS = ['#7f7f7f', '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const FONT = 'font-family="sans-serif" font-size="11"';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '0');

/** A y axis from 0 to `max` with gridlines, a dashed line at 1x, and the title. */
function frame(w: number, h: number, m: Margins, max: number, title: string, yLabel: string): string[] {
  const y = (v: number) => m.top + (h - m.top - m.bottom) * (1 - v / max);
  const step = max > 4 ? 1 : 0.5;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="18" text-anchor="middle" font-family="sans-serif" font-size="14">${esc(title)}</text>`,
    `<text x="14" y="${(m.top + h - m.bottom) / 2}" ${FONT} transform="rotate(-90 14 ${(m.top + h - m.bottom) / 2})" text-anchor="middle">${esc(yLabel)}</text>`,
  ];
  for (let v = 0; v <= max + 1e-9; v += step) {
    out.push(
      `<line x1="${m.left}" x2="${w - m.right}" y1="${num(y(v))}" y2="${num(y(v))}" stroke="#e5e5e5"/>`,
      `<text x="${m.left - 6}" y="${num(y(v) + 4)}" ${FONT} text-anchor="end">${v.toFixed(1)}x</text>`,
    );
  }
  out.push(
    `<line x1="${m.left}" x2="${w - m.right}" y1="${num(y(1))}" y2="${num(y(1))}" stroke="black" stroke-dasharray="4 3"/>`,
  );
  return out;
}

interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

function legend(x: number, y: number, items: { label: string; color: string; dashed?: boolean }[]): string[] {
  return items.flatMap((it, i) => [
    `<line x1="${x}" x2="${x + 18}" y1="${y + i * 16}" y2="${y + i * 16}" stroke="${it.color}" stroke-width="6"${it.dashed ? ' stroke-dasharray="3 2"' : ''}/>`,
    `<text x="${x + 24}" y="${y + i * 16 + 4}" ${FONT}>${esc(it.label)}</text>`,
  ]);
}

/**
 * Grouped bars: for every query (and the geometric mean), the speedup over PostgreSQL serial of PostgreSQL
 * parallel and of each Mini-Balancer configuration.
 */
export function speedupPerQuerySvg(report: TpchBenchReport): string {
  const series = report.targets.filter((t) => t.id !== SERIAL);
  const groups = [
    ...report.queries.map((q) => ({ label: q.id, values: series.map((t) => speedup(q, t.id, SERIAL)) })),
    { label: 'geomean', values: series.map((t) => geomeanSpeedup(report, t.id, SERIAL)) },
  ];
  const w = Math.max(700, 60 + groups.length * (series.length * 9 + 14) + 180);
  const h = 380;
  const m = { top: 30, right: 170, bottom: 50, left: 50 };
  const finite = groups.flatMap((g) => g.values).filter(Number.isFinite);
  const max = Math.max(2, Math.ceil(Math.max(...finite, 1) * 2) / 2);
  const out = frame(
    w,
    h,
    m,
    max,
    `Speedup over PostgreSQL serial, TPC-H SF ${report.scaleFactor}`,
    'speedup',
  );
  const y = (v: number) => m.top + (h - m.top - m.bottom) * (1 - v / max);
  const gw = (w - m.left - m.right) / groups.length;
  const bw = Math.min(14, (gw - 6) / series.length);
  for (const [gi, g] of groups.entries()) {
    const x0 = m.left + gi * gw + (gw - bw * series.length) / 2;
    for (const [si, v] of g.values.entries()) {
      if (!Number.isFinite(v)) continue;
      const color = COLORS[si % COLORS.length] ?? 'black';
      out.push(
        `<rect x="${num(x0 + si * bw)}" y="${num(y(v))}" width="${num(bw - 1)}" height="${num(y(0) - y(v))}" fill="${color}"><title>${esc(`${g.label} ${series[si]?.label}: ${v.toFixed(2)}x`)}</title></rect>`,
      );
    }
    out.push(
      `<text x="${num(m.left + gi * gw + gw / 2)}" y="${h - m.bottom + 14}" ${FONT} text-anchor="middle">${esc(g.label)}</text>`,
    );
  }
  out.push(
    ...legend(
      w - m.right + 14,
      m.top + 10,
      series.map((t, i) => ({ label: t.label, color: COLORS[i % COLORS.length] ?? 'black' })),
    ),
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/**
 * Lines: speedup over PostgreSQL serial against the number of Mini-Balancer workers, one thin line per query,
 * the geometric mean bold, and PostgreSQL parallel's geometric mean as a dashed reference.
 */
export function speedupVsWorkersSvg(report: TpchBenchReport): string {
  const mbs = report.targets.filter((t) => t.workers !== undefined);
  const w = 700;
  const h = 380;
  const m = { top: 30, right: 190, bottom: 50, left: 50 };
  const perQuery = report.queries.map((q) => ({
    id: q.id,
    values: mbs.map((t) => speedup(q, t.id, SERIAL)),
  }));
  const geo = mbs.map((t) => geomeanSpeedup(report, t.id, SERIAL));
  const native = geomeanSpeedup(report, NATIVE, SERIAL);
  const finite = [...perQuery.flatMap((q) => q.values), native].filter(Number.isFinite);
  const max = Math.max(2, Math.ceil(Math.max(...finite, 1) * 2) / 2);
  const out = frame(
    w,
    h,
    m,
    max,
    `Speedup against workers, TPC-H SF ${report.scaleFactor}`,
    'speedup over (a)',
  );
  const y = (v: number) => m.top + (h - m.top - m.bottom) * (1 - v / max);
  const x = (i: number) =>
    m.left + 20 + (mbs.length <= 1 ? 0 : (i * (w - m.left - m.right - 40)) / (mbs.length - 1));
  const path = (values: number[]) =>
    values
      .map((v, i) => (Number.isFinite(v) ? `${i === 0 ? 'M' : 'L'}${num(x(i))},${num(y(v))}` : ''))
      .join(' ');
  for (const [i, t] of mbs.entries()) {
    out.push(
      `<text x="${num(x(i))}" y="${h - m.bottom + 16}" ${FONT} text-anchor="middle">${t.workers}</text>`,
    );
  }
  out.push(
    `<text x="${(m.left + w - m.right) / 2}" y="${h - 12}" ${FONT} text-anchor="middle">Mini-Balancer workers</text>`,
  );
  for (const q of perQuery) {
    out.push(
      `<path d="${path(q.values)}" fill="none" stroke="#bbbbbb" stroke-width="1"><title>${esc(q.id)}</title></path>`,
    );
    const last = q.values.at(-1);
    if (last !== undefined && Number.isFinite(last)) {
      out.push(
        `<text x="${num(x(mbs.length - 1) + 4)}" y="${num(y(last) + 3)}" font-family="sans-serif" font-size="9" fill="#888">${esc(q.id)}</text>`,
      );
    }
  }
  out.push(`<path d="${path(geo)}" fill="none" stroke="${COLORS[1]}" stroke-width="3"/>`);
  for (const [i, v] of geo.entries()) {
    if (Number.isFinite(v))
      out.push(`<circle cx="${num(x(i))}" cy="${num(y(v))}" r="4" fill="${COLORS[1]}"/>`);
  }
  if (Number.isFinite(native)) {
    out.push(
      `<line x1="${m.left}" x2="${w - m.right}" y1="${num(y(native))}" y2="${num(y(native))}" stroke="${COLORS[2]}" stroke-width="2" stroke-dasharray="6 4"/>`,
    );
  }
  out.push(
    ...legend(w - m.right + 40, m.top + 10, [
      { label: 'Mini-Balancer, geomean', color: COLORS[1] ?? 'blue' },
      { label: 'one query', color: '#bbbbbb' },
      { label: 'PostgreSQL parallel, geomean', color: COLORS[2] ?? 'orange', dashed: true },
    ]),
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
