import { beforeAll, describe, expect, it } from 'vitest';
import { initParser, parseSql, statementSql } from './parser.ts';

beforeAll(async () => {
  await initParser();
});

describe('statementSql', () => {
  it.each([
    ['SELECT 1', 'SELECT 1'],
    ['SELECT 1;', 'SELECT 1'],
    ['/* run 7 */ SELECT 1', 'SELECT 1'],
    ['SELECT 1; -- trailing comment', 'SELECT 1'],
    ['  ; SELECT 1 ;', 'SELECT 1 '],
    ["SELECT 'é€' AS x; ", "SELECT 'é€' AS x"],
    ["/* é */ SELECT 'ü' ; -- ö", "SELECT 'ü' "],
    ['(SELECT 1) UNION (SELECT 2);', '(SELECT 1) UNION (SELECT 2)'],
  ])('%j → %j', (sql, text) => {
    const [parsed] = parseSql(sql);
    expect(parsed).toBeDefined();
    if (!parsed) return;
    const out = statementSql(sql, parsed);
    expect(out).toBe(text);
    // The slice parses to the same statement.
    expect(parseSql(out).map((s) => JSON.stringify(s.stmt).replace(/"location":\d+/g, ''))).toEqual([
      JSON.stringify(parsed.stmt).replace(/"location":\d+/g, ''),
    ]);
  });
});
