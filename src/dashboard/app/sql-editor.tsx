// The SQL editor: a plain textarea over a highlighted copy of its text (keyboard, undo and IME stay native).
import { useRef } from 'react';
import { tokenize } from './highlight.ts';

/**
 * Ctrl+Enter (⌘+Enter) calls `onRun`.
 *
 * @example
 *   <SqlEditor value={sql} onChange={setSql} onRun={run} />
 */
export function SqlEditor(props: { value: string; onChange: (sql: string) => void; onRun: () => void }) {
  const pre = useRef<HTMLPreElement>(null);
  return (
    <div className="editor">
      <pre ref={pre} aria-hidden="true" className="highlight">
        {tokenize(props.value).map((t, i) =>
          t.kind === 'text' ? (
            t.text
          ) : (
            // biome-ignore lint/suspicious/noArrayIndexKey: tokens have no identity but their place
            <span key={i} className={`tok-${t.kind}`}>
              {t.text}
            </span>
          ),
        )}
        {'\n'}
      </pre>
      <textarea
        id="sql"
        aria-label="SQL statement (Ctrl+Enter runs it)"
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        onScroll={(e) => {
          if (pre.current) {
            pre.current.scrollTop = e.currentTarget.scrollTop;
            pre.current.scrollLeft = e.currentTarget.scrollLeft;
          }
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            props.onRun();
          }
        }}
      />
    </div>
  );
}
