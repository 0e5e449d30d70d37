// The live feed: one EventSource on /api/events; a snapshot on (re)connect, then a tick a second and each statement.
import { useEffect, useState } from 'react';
import type { HistoryEntry, Sample, Status } from './types.ts';

export type Connection = 'connecting' | 'live' | 'disconnected';

export interface LiveState {
  connection: Connection;
  status: Status | null;
  /** The status before the latest one, for rates (busy %). */
  previous: Status | null;
  series: Sample[];
  history: HistoryEntry[];
}

const WINDOW = 300;
const HISTORY = 200;

/**
 * @example
 *   const live = useLive();
 *   live.connection === 'disconnected' && <Banner />;
 */
export function useLive(): LiveState {
  const [state, setState] = useState<LiveState>({
    connection: 'connecting',
    status: null,
    previous: null,
    series: [],
    history: [],
  });
  useEffect(() => {
    const source = new EventSource('api/events');
    const on = <T>(event: string, apply: (s: LiveState, data: T) => LiveState) =>
      source.addEventListener(event, (e) => {
        const data = JSON.parse((e as MessageEvent<string>).data) as T;
        setState((s) => apply(s, data));
      });
    on<{ status: Status; series: Sample[]; history: HistoryEntry[] }>('snapshot', (s, d) => ({
      connection: 'live',
      status: d.status,
      previous: s.status,
      series: d.series,
      history: d.history,
    }));
    on<{ status: Status; sample: Sample }>('tick', (s, d) => ({
      ...s,
      connection: 'live',
      status: d.status,
      previous: s.status,
      series: [...s.series, d.sample].slice(-WINDOW),
    }));
    on<HistoryEntry>('statement', (s, entry) => ({
      ...s,
      history: [entry, ...s.history.filter((h) => h.id !== entry.id)].slice(0, HISTORY),
    }));
    source.onerror = () => setState((s) => ({ ...s, connection: 'disconnected' }));
    return () => source.close();
  }, []);
  return state;
}
