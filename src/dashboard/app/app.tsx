// The shell: header with navigation and connection state; pages stay mounted so Analytics keeps its work.
import { useEffect, useState } from 'react';
import { AnalyticsPage } from './analytics-page.tsx';
import { HistoryPage } from './history-page.tsx';
import { useLive } from './live.ts';
import { StatusPage } from './status-page.tsx';

const PAGES = [
  { id: 'status', title: 'System Status' },
  { id: 'analytics', title: 'Analytics' },
  { id: 'history', title: 'Query History' },
] as const;
type PageId = (typeof PAGES)[number]['id'];

function pageOf(hash: string): PageId {
  const id = hash.replace(/^#\/?/, '');
  return PAGES.find((p) => p.id === id)?.id ?? 'status';
}

export function App() {
  const live = useLive();
  const [page, setPage] = useState<PageId>(() => pageOf(location.hash));
  useEffect(() => {
    const onHash = () => setPage(pageOf(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    document.title = `${PAGES.find((p) => p.id === page)?.title} · Mini-Balancer`;
  }, [page]);
  return (
    <>
      <header className="top">
        <span className="brand">Mini-Balancer</span>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a key={p.id} href={`#/${p.id}`} aria-current={p.id === page ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        <output className={`conn ${live.connection}`} data-testid="connection" aria-live="polite">
          {live.connection === 'live'
            ? 'live'
            : live.connection === 'connecting'
              ? 'connecting…'
              : 'disconnected'}
        </output>
      </header>
      {live.connection === 'disconnected' && (
        <div className="banner" role="alert">
          Disconnected from the coordinator: retrying every second. Figures below are from the last update.
        </div>
      )}
      <main>
        {PAGES.map((p) => (
          <section key={p.id} hidden={p.id !== page} aria-labelledby={`page-${p.id}`}>
            <h1 id={`page-${p.id}`}>{p.title}</h1>
            {p.id === 'status' && <StatusPage live={live} />}
            {p.id === 'analytics' && <AnalyticsPage />}
            {p.id === 'history' && <HistoryPage history={live.history} loaded={live.status !== null} />}
          </section>
        ))}
      </main>
    </>
  );
}
