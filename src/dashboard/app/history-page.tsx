// Query History: recent statements through the API; pick one for its plan and worker distribution.
import { useState } from 'react';
import { DistributionChart } from './charts.tsx';
import { ErrorPanel } from './error-panel.tsx';
import { clock, int, ms } from './format.ts';
import { PlanView } from './plan-view.tsx';
import type { HistoryEntry } from './types.ts';

export function HistoryPage(props: { history: HistoryEntry[]; loaded: boolean }) {
  const [selected, setSelected] = useState<number | null>(null);
  if (!props.loaded) return <p className="loading">Loading the history…</p>;
  if (props.history.length === 0) {
    return (
      <p className="empty">No statements yet. Run one on the Analytics page or through POST /api/query.</p>
    );
  }
  const chosen = props.history.find((h) => h.id === selected);
  return (
    <div className="history">
      <div className="table-scroll">
        <table aria-label="Recent statements">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Statement</th>
              <th scope="col">Mode</th>
              <th scope="col" className="num">
                Chunks
              </th>
              <th scope="col" className="num">
                Workers
              </th>
              <th scope="col" className="num">
                Rows
              </th>
              <th scope="col" className="num">
                Duration
              </th>
              <th scope="col" className="num">
                Speedup
              </th>
            </tr>
          </thead>
          <tbody>
            {props.history.map((h) => (
              <tr key={h.id} data-testid="history-row" className={h.id === selected ? 'selected' : undefined}>
                <td>{clock(h.at)}</td>
                <td className="sql-cell">
                  <button
                    type="button"
                    className="link"
                    onClick={() => setSelected(h.id === selected ? null : h.id)}
                    aria-expanded={h.id === selected}
                    aria-label={`Details of statement ${h.id}`}
                  >
                    <code>{h.sql.replace(/\s+/g, ' ').slice(0, 90)}</code>
                  </button>
                </td>
                <td>
                  {h.error ? (
                    <span className="badge unhealthy" title={h.error.message}>
                      {h.error.code}
                    </span>
                  ) : (
                    <span className={`badge ${h.mode}`} title={h.reason}>
                      {h.mode}
                    </span>
                  )}
                </td>
                <td className="num">{h.chunks || '–'}</td>
                <td className="num">{h.workers || '–'}</td>
                <td className="num">{h.error ? '–' : int(h.rows)}</td>
                <td className="num">{ms(h.ms)}</td>
                <td className="num">{h.speedup === undefined ? '–' : `${h.speedup.toFixed(2)}×`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {chosen && (
        <section className="panel" aria-label={`Statement ${chosen.id}`}>
          <h2>Statement {chosen.id}</h2>
          <pre className="code">{chosen.sql}</pre>
          {chosen.error ? (
            <ErrorPanel error={chosen.error} />
          ) : (
            <div className="split">
              <div>
                <h3>Worker Query Distribution</h3>
                <DistributionChart shards={chosen.shards} />
              </div>
              <div>
                <h3>Plan</h3>
                <PlanView plan={chosen.plan} />
              </div>
            </div>
          )}
        </section>
      )}
    </div>
  );
}
