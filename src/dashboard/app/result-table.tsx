// The result rows, 50 to a page; numbers right-aligned, NULL shown as such.
import { useState } from 'react';
import { int, NUMERIC_OIDS } from './format.ts';
import type { QueryResult } from './types.ts';

const PAGE = 50;

export function ResultTable(props: { result: QueryResult }) {
  const { columns, rows } = props.result;
  // The page belongs to one result: a new result starts on its first page.
  const [paged, setPaged] = useState({ result: props.result, page: 0 });
  const page = paged.result === props.result ? paged.page : 0;
  const setPage = (p: number) => setPaged({ result: props.result, page: p });
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  const shown = rows.slice(page * PAGE, page * PAGE + PAGE);
  if (rows.length === 0) return <p className="empty">The statement answered no rows.</p>;
  return (
    <div>
      <div className="table-scroll">
        <table className="results" aria-label="Result rows">
          <thead>
            <tr>
              {columns.map((c, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: column names may repeat
                <th key={i} scope="col" className={NUMERIC_OIDS.has(c.typeOid) ? 'num' : undefined}>
                  {c.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((row, r) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no key of their own
              <tr key={page * PAGE + r}>
                {row.map((v, i) => (
                  <td
                    // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional
                    key={i}
                    className={NUMERIC_OIDS.has(columns[i]?.typeOid ?? 0) ? 'num' : undefined}
                  >
                    {v === null ? <span className="null">NULL</span> : v}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Result pages">
        <button
          type="button"
          onClick={() => setPage(page - 1)}
          disabled={page === 0}
          aria-label="Previous page"
        >
          ‹ Prev
        </button>
        <span>
          rows {int(page * PAGE + 1)}–{int(page * PAGE + shown.length)} of {int(rows.length)} · page{' '}
          {page + 1}/{pages}
        </span>
        <button
          type="button"
          onClick={() => setPage(page + 1)}
          disabled={page >= pages - 1}
          aria-label="Next page"
        >
          Next ›
        </button>
      </nav>
    </div>
  );
}
