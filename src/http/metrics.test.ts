// Prometheus metrics: worker series follow the registry at scrape time; query counts and latencies by mode.
import { describe, expect, it } from 'vitest';
import { WorkerRegistry } from '../cluster/registry.ts';
import { Metrics, modeOfPlan } from './metrics.ts';

function fleet(): WorkerRegistry {
  const r = new WorkerRegistry({ concurrency: 4 });
  r.add({ id: 'w1', url: 'http://127.0.0.1:7001', source: 'local', pid: 11 });
  r.add({ id: 'w2', url: 'http://127.0.0.1:7002', source: 'local', pid: 12 });
  r.checkPassed('w1');
  r.chunkStarted('w1');
  r.chunkFinished('w1', { ok: true, rows: 120, ms: 5, workerFault: false });
  r.chunkStarted('w1');
  r.chunkFinished('w1', { ok: false, rows: 0, ms: 5, workerFault: true });
  r.chunkStarted('w1');
  return r;
}

describe('Metrics', () => {
  it.each([
    'mb_worker_state{worker="w1",state="healthy"} 1',
    'mb_worker_state{worker="w1",state="unhealthy"} 0',
    'mb_worker_state{worker="w2",state="unhealthy"} 1',
    'mb_workers{state="healthy"} 1',
    'mb_workers{state="draining"} 0',
    'mb_worker_in_flight{worker="w1"} 1',
    'mb_worker_concurrency{worker="w2"} 4',
    'mb_worker_chunks_completed_total{worker="w1"} 1',
    'mb_worker_chunks_failed_total{worker="w1"} 1',
    'mb_worker_rows_total{worker="w1"} 120',
    'mb_worker_last_heartbeat_seconds{worker="w2"} 0',
    '# TYPE mb_worker_busy_seconds_total counter',
    '# TYPE mb_query_duration_seconds histogram',
    'mb_queries_total{mode="parallel",outcome="ok"} 2',
    'mb_queries_total{mode="passthrough",outcome="error"} 1',
    'mb_queries_total{mode="unknown",outcome="canceled"} 1',
    'mb_query_duration_seconds_count{mode="parallel",outcome="ok"} 2',
    'mb_query_duration_seconds_bucket{le="0.025",mode="parallel",outcome="ok"} 1',
    'mb_query_duration_seconds_bucket{le="+Inf",mode="parallel",outcome="ok"} 2',
  ])('exposes %s', async (line) => {
    const metrics = new Metrics(fleet());
    metrics.recordQuery({ mode: 'parallel', ms: 12, ok: true });
    metrics.recordQuery({ mode: 'parallel', ms: 1500, ok: true });
    metrics.recordQuery({ mode: 'passthrough', ms: 3, ok: false });
    metrics.recordQuery({ mode: 'unknown', ms: 3, ok: false, canceled: true });
    expect((await metrics.render()).split('\n')).toContain(line);
  });

  it('follows the registry: a removed worker disappears, several instances coexist', async () => {
    const r = fleet();
    const a = new Metrics(r);
    const b = new Metrics(new WorkerRegistry());
    expect(await a.render()).toContain('worker="w2"');
    r.remove('w2', 'test');
    expect(await a.render()).not.toContain('worker="w2"');
    expect(await b.render()).not.toContain('worker="w1"');
    expect(a.contentType).toMatch(/^text\/plain/);
  });

  it.each([
    [{ mode: 'parallel', table: 'public.lineitem' }, 'parallel'],
    [{ mode: 'passthrough', reason: 'x' }, 'passthrough'],
    [{ kind: 'parallel' }, 'parallel'],
    [{ kind: 'union' }, 'parallel'],
    [{ kind: 'passthrough', reason: 'x' }, 'passthrough'],
    [null, 'unknown'],
    ['parallel', 'unknown'],
  ])('modeOfPlan(%j) = %s', (plan, mode) => {
    expect(modeOfPlan(plan)).toBe(mode);
  });
});
