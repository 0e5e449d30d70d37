// System Status: the coordinator, PostgreSQL, every worker, and live charts of load and latency.
import { LineChart } from './charts.tsx';
import { ago, bytes, duration, int } from './format.ts';
import type { LiveState } from './live.ts';
import type { PostgresInfo, ServerInfo, WorkerInfo } from './types.ts';

export function StatusPage(props: { live: LiveState }) {
  const { status, previous, series } = props.live;
  if (!status) return <p className="loading">Loading the cluster status…</p>;
  const now = Date.parse(status.time);
  const healthy = status.workers.filter((w) => w.state === 'healthy').length;
  const pg = status.postgres;
  const seconds = Math.max(60, Math.min(300, series.length));
  return (
    <>
      <section className="cards" aria-label="Summary">
        <article className="card">
          <h3>Coordinator</h3>
          <dl className="facts">
            <dt>Up</dt>
            <dd>{duration(status.coordinator.uptimeSec)}</dd>
            <dt>Statements</dt>
            <dd>
              {int(status.coordinator.statements)} ({int(status.coordinator.errors)} failed,{' '}
              {status.coordinator.running} running)
            </dd>
            <dt>Process</dt>
            <dd>
              pid {status.coordinator.pid}, Node {status.coordinator.node}
            </dd>
          </dl>
        </article>
        <article className="card">
          <h3>PostgreSQL</h3>
          {pg === null ? (
            <p className="loading">Loading…</p>
          ) : 'error' in pg ? (
            <p className="error-text">Cannot read its status: {pg.error}</p>
          ) : (
            <PostgresFacts pg={pg} />
          )}
        </article>
        <article className="card">
          <h3>Workers</h3>
          <p className="big" data-testid="healthy-count">
            <span className={healthy === status.workers.length ? 'ok' : 'bad'}>{healthy}</span> /{' '}
            {status.workers.length} healthy
          </p>
        </article>
      </section>

      <section aria-labelledby="workers-h">
        <h2 id="workers-h">Workers</h2>
        {status.workers.length === 0 ? (
          <p className="empty">No workers: start some with `mini-balancer worker --coordinator URL`.</p>
        ) : (
          <div className="table-scroll">
            <table className="workers" aria-labelledby="workers-h">
              <thead>
                <tr>
                  <th scope="col">Worker</th>
                  <th scope="col">State</th>
                  <th scope="col" className="num">
                    In flight
                  </th>
                  <th scope="col" className="num">
                    Completed
                  </th>
                  <th scope="col" className="num">
                    Failed
                  </th>
                  <th scope="col" className="num">
                    Rows
                  </th>
                  <th scope="col" className="num">
                    Busy
                  </th>
                  <th scope="col">Heartbeat</th>
                  <th scope="col">Address</th>
                </tr>
              </thead>
              <tbody>
                {status.workers.map((w) => (
                  <WorkerRow
                    key={w.id}
                    worker={w}
                    before={previous?.workers.find((p) => p.id === w.id)}
                    elapsedMs={previous ? now - Date.parse(previous.time) : 0}
                    now={now}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <ServersSection servers={status.servers ?? []} />

      <section aria-labelledby="charts-h">
        <h2 id="charts-h">Load</h2>
        {series.length < 2 ? (
          <p className="loading">Collecting samples…</p>
        ) : (
          <div className="charts">
            <LineChart
              title="Statements per second"
              unit="/s"
              seconds={seconds}
              lines={[
                { name: 'statements', color: '#2563eb', values: series.map((s) => s.statements) },
                { name: 'errors', color: '#dc2626', values: series.map((s) => s.errors) },
              ]}
            />
            <LineChart
              title="Chunks per second"
              unit="/s"
              seconds={seconds}
              lines={[{ name: 'chunks', color: '#16a34a', values: series.map((s) => s.chunks) }]}
            />
            <LineChart
              title="Statement latency"
              unit=" ms"
              seconds={seconds}
              lines={[
                { name: 'p50', color: '#9333ea', values: series.map((s) => s.p50) },
                { name: 'p95', color: '#d97706', values: series.map((s) => s.p95) },
              ]}
            />
          </div>
        )}
      </section>
    </>
  );
}

/** The primary and its read replicas: role, state, replay lag and position, statements and chunks on each. */
function ServersSection(props: { servers: ServerInfo[] }) {
  const { servers } = props;
  // Without replicas everything runs on the primary: nothing to compare.
  if (servers.length < 2) return null;
  return (
    <section aria-labelledby="servers-h">
      <h2 id="servers-h">Database servers</h2>
      <div className="table-scroll">
        <table className="servers" aria-labelledby="servers-h">
          <thead>
            <tr>
              <th scope="col">Server</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                Lag
              </th>
              <th scope="col">Replayed</th>
              <th scope="col" className="num">
                Statements
              </th>
              <th scope="col" className="num">
                Chunks running
              </th>
              <th scope="col" className="num">
                Completed
              </th>
              <th scope="col" className="num">
                Failed
              </th>
              <th scope="col">Address</th>
            </tr>
          </thead>
          <tbody>
            {servers.map((s) => (
              <tr
                key={s.id}
                data-testid="server-row"
                data-server={s.id}
                data-state={s.state}
                className={s.inRotation ? '' : 'state-unhealthy'}
              >
                <th scope="row">{s.id}</th>
                <td>{s.role}</td>
                <td>
                  <span
                    className={`badge ${s.inRotation ? 'healthy' : 'unhealthy'}`}
                    title={s.reason ?? undefined}
                  >
                    {s.state}
                  </span>
                  {s.reason && (
                    <span className="muted" title={s.reason}>
                      {' '}
                      {s.reason.length > 40 ? `${s.reason.slice(0, 39)}…` : s.reason}
                    </span>
                  )}
                </td>
                <td className="num">{s.lagMs === null ? '–' : `${int(s.lagMs)} ms`}</td>
                <td className="muted">{s.replayLsn ?? '–'}</td>
                <td className="num">{s.statementsRunning}</td>
                <td className="num">{s.chunksRunning}</td>
                <td className="num">{int(s.chunksCompleted)}</td>
                <td className="num">{int(s.chunksFailed)}</td>
                <td className="muted">{s.url}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function PostgresFacts(props: { pg: PostgresInfo }) {
  const { pg } = props;
  return (
    <dl className="facts">
      <dt>Version</dt>
      <dd>{pg.version}</dd>
      <dt>Database</dt>
      <dd>
        {pg.database}, {bytes(pg.sizeBytes)}
      </dd>
      <dt>Connections</dt>
      <dd>
        {pg.connections} of {pg.maxConnections}
      </dd>
    </dl>
  );
}

function WorkerRow(props: {
  worker: WorkerInfo;
  before: WorkerInfo | undefined;
  elapsedMs: number;
  now: number;
}) {
  const { worker: w, before, elapsedMs, now } = props;
  const busy =
    before && elapsedMs > 0
      ? Math.min(100, Math.max(0, ((w.busyMs - before.busyMs) / elapsedMs) * 100))
      : null;
  return (
    <tr data-testid="worker-row" data-worker={w.id} data-state={w.state} className={`state-${w.state}`}>
      <th scope="row">{w.id}</th>
      <td>
        <span className={`badge ${w.state}`}>{w.state}</span>
        {w.consecutiveFailures > 0 && <span className="muted"> ({w.consecutiveFailures} missed)</span>}
      </td>
      <td className="num">
        {w.inFlight}/{w.concurrency}
      </td>
      <td className="num">{int(w.completed)}</td>
      <td className="num">{int(w.failed)}</td>
      <td className="num">{int(w.rows)}</td>
      <td className="num">{busy === null ? '–' : `${Math.round(busy)} %`}</td>
      <td>{ago(w.lastHeartbeat, now)}</td>
      <td className="muted">
        {w.url}
        {w.pid ? ` (pid ${w.pid})` : ''}
      </td>
    </tr>
  );
}
