// A small SQL tokenizer for the editor's highlighting: keywords, strings, numbers, comments, parameters.

export type TokenKind = 'keyword' | 'string' | 'number' | 'comment' | 'param' | 'text';

export interface Token {
  kind: TokenKind;
  text: string;
}

const KEYWORDS = new Set(
  `select from where group by order having limit offset join left right full inner outer cross on using as
  and or not in is null like ilike between case when then else end distinct union all except intersect with
  asc desc nulls first last count sum avg min max date interval true false exists any some cast over
  partition window filter lateral values insert update delete into set create table drop explain analyze`
    .split(/\s+/)
    .filter((w) => w !== ''),
);

const PATTERN =
  /(--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|('(?:[^']|'')*(?:'|$))|("(?:[^"]|"")*(?:"|$))|(\$\d+)|(\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)|([A-Za-z_][A-Za-z0-9_$]*)/gi;

/**
 * @example
 *   tokenize("SELECT 1 -- one"); // [{kind:'keyword',text:'SELECT'},{kind:'text',text:' '},{kind:'number',...},...]
 */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let last = 0;
  for (const m of sql.matchAll(PATTERN)) {
    const at = m.index ?? 0;
    if (at > last) out.push({ kind: 'text', text: sql.slice(last, at) });
    const [text, comment, str, quoted, param, num, word] = m;
    const kind: TokenKind = comment
      ? 'comment'
      : str
        ? 'string'
        : quoted
          ? 'text'
          : param
            ? 'param'
            : num
              ? 'number'
              : word && KEYWORDS.has(word.toLowerCase())
                ? 'keyword'
                : 'text';
    out.push({ kind, text });
    last = at + text.length;
  }
  if (last < sql.length) out.push({ kind: 'text', text: sql.slice(last) });
  return out;
}
