// Analytics: the SQL editor with presets, run / cancel / compare with direct, the rows, the plan and the distribution.
import { useRef, useState } from 'react';
import { QueryError, runQuery } from './api.ts';
import { DistributionChart } from './charts.tsx';
import { ErrorPanel } from './error-panel.tsx';
import { int, ms } from './format.ts';
import { PlanView } from './plan-view.tsx';
import { PRESETS } from './presets.ts';
import { ResultTable } from './result-table.tsx';
import { SqlEditor } from './sql-editor.tsx';
import type { ApiErrorBody, PlanSummary, QueryMode, QueryResult } from './types.ts';

type Run =
  | { kind: 'idle' }
  | { kind: 'running'; compare: boolean }
  | { kind: 'done'; result: QueryResult; sql: string; mode: QueryMode }
  | { kind: 'failed'; error: ApiErrorBody };

interface Comparison {
  balancerMs: number;
  directMs: number;
  same: boolean;
}

const FIRST = PRESETS[0];

export function AnalyticsPage() {
  const [sql, setSql] = useState(FIRST?.sql ?? 'SELECT 1');
  const [mode, setMode] = useState<QueryMode>(FIRST?.mode ?? 'auto');
  const [chunks, setChunks] = useState('');
  const [run, setRun] = useState<Run>({ kind: 'idle' });
  const [comparison, setComparison] = useState<Comparison | { error: ApiErrorBody } | null>(null);
  const aborter = useRef<AbortController | null>(null);

  const body = (m: QueryMode) => {
    const n = Number.parseInt(chunks, 10);
    return { sql, mode: m, ...(Number.isInteger(n) && n > 0 ? { chunks: n } : {}) };
  };

  const execute = async () => {
    if (run.kind === 'running' || sql.trim() === '') return;
    const controller = new AbortController();
    aborter.current = controller;
    setRun({ kind: 'running', compare: false });
    setComparison(null);
    try {
      const result = await runQuery(body(mode), controller.signal);
      setRun({ kind: 'done', result, sql, mode });
    } catch (err) {
      setRun({ kind: 'failed', error: toError(err) });
    } finally {
      aborter.current = null;
    }
  };

  const compare = async () => {
    if (run.kind !== 'done') return;
    const done = run;
    const controller = new AbortController();
    aborter.current = controller;
    setRun({ kind: 'running', compare: true });
    try {
      const direct = await runQuery({ sql: done.sql, mode: 'passthrough' }, controller.signal);
      setComparison({
        balancerMs: done.result.stats.elapsedMs,
        directMs: direct.stats.elapsedMs,
        same: JSON.stringify(direct.rows) === JSON.stringify(done.result.rows),
      });
    } catch (err) {
      setComparison({ error: toError(err) });
    } finally {
      aborter.current = null;
      setRun(done);
    }
  };

  const running = run.kind === 'running';
  return (
    <div className="analytics">
      <section aria-labelledby="editor-h" className="panel">
        <h2 id="editor-h">SQL</h2>
        <fieldset className="presets">
          <legend className="visually-hidden">Preset queries</legend>
          {PRESETS.map((p) => (
            <button
              type="button"
              key={p.name}
              className="chip"
              aria-pressed={sql === p.sql}
              onClick={() => {
                setSql(p.sql);
                setMode(p.mode);
              }}
            >
              {p.name}
            </button>
          ))}
        </fieldset>
        <SqlEditor value={sql} onChange={setSql} onRun={() => void execute()} />
        <div className="toolbar">
          <label>
            Mode{' '}
            <select value={mode} onChange={(e) => setMode(e.target.value as QueryMode)} aria-label="Mode">
              <option value="auto">auto (split when it pays)</option>
              <option value="parallel">parallel (split when safe)</option>
              <option value="passthrough">passthrough (whole)</option>
            </select>
          </label>
          <label>
            Chunks{' '}
            <input
              type="number"
              min={1}
              max={1024}
              inputMode="numeric"
              placeholder="auto"
              value={chunks}
              onChange={(e) => setChunks(e.target.value)}
              aria-label="Chunks"
              className="chunks"
            />
          </label>
          <span className="spacer" />
          {running ? (
            <button type="button" className="danger" onClick={() => aborter.current?.abort()}>
              Cancel
            </button>
          ) : (
            <button
              type="button"
              className="primary"
              onClick={() => void execute()}
              aria-keyshortcuts="Control+Enter"
            >
              Run <kbd>Ctrl+Enter</kbd>
            </button>
          )}
        </div>
      </section>

      <section aria-labelledby="result-h" className="panel" aria-busy={running}>
        <h2 id="result-h">Result</h2>
        {run.kind === 'idle' && <p className="empty">Pick a preset or write a statement, then run it.</p>}
        {running && (
          <p className="loading" role="status">
            <span className="spinner" aria-hidden="true" />
            {run.compare ? 'Running the statement whole on PostgreSQL…' : 'Running…'}
          </p>
        )}
        {run.kind === 'failed' && <ErrorPanel error={run.error} />}
        {run.kind === 'done' && (
          <>
            <Summary result={run.result} />
            <div className="toolbar">
              <button type="button" onClick={() => void compare()} disabled={running}>
                Compare with direct
              </button>
              {comparison && <ComparisonView comparison={comparison} />}
            </div>
            <ResultTable result={run.result} />
          </>
        )}
      </section>

      {run.kind === 'done' && (
        <div className="split">
          <section aria-labelledby="dist-h" className="panel">
            <h2 id="dist-h">Worker Query Distribution</h2>
            <DistributionChart shards={run.result.stats.shards} />
          </section>
          <section aria-labelledby="plan-h" className="panel">
            <h2 id="plan-h">Plan</h2>
            <PlanView plan={run.result.plan} />
          </section>
        </div>
      )}
    </div>
  );
}

function Summary(props: { result: QueryResult }) {
  const { result } = props;
  const plan = (result.plan ?? {}) as PlanSummary;
  const workers = new Set(result.stats.shards.map((s) => s.worker)).size;
  return (
    <p className="summary" data-testid="result-summary">
      <span className={`badge ${plan.mode ?? 'passthrough'}`}>{plan.mode ?? 'passthrough'}</span>{' '}
      {int(result.rows.length)} rows in <strong>{ms(result.stats.elapsedMs)}</strong>
      {plan.mode === 'parallel'
        ? ` · ${result.stats.shards.length} chunks on ${workers} workers · planned in ${ms(result.stats.planMs)}`
        : ` · ${plan.reason ?? 'ran whole'}`}
    </p>
  );
}

function ComparisonView(props: { comparison: Comparison | { error: ApiErrorBody } }) {
  const c = props.comparison;
  if ('error' in c) return <ErrorPanel error={c.error} />;
  const speedup = c.directMs / Math.max(c.balancerMs, 0.001);
  return (
    <output className="comparison" data-testid="comparison">
      Mini-Balancer <strong>{ms(c.balancerMs)}</strong> · direct <strong>{ms(c.directMs)}</strong> ·{' '}
      <strong className={speedup >= 1 ? 'ok' : 'bad'}>{speedup.toFixed(2)}×</strong>
      {c.same ? ' · same rows' : ' · rows differ!'}
    </output>
  );
}

function toError(err: unknown): ApiErrorBody {
  if (err instanceof QueryError) return err.error;
  return { code: 'XX000', message: err instanceof Error ? err.message : String(err) };
}
