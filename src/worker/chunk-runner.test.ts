// The statements that open a chunk's transaction: quoting of snapshot ids and role names, batched settings.
import { describe, expect, it } from 'vitest';
import { beginSql, settingsQuery } from './chunk-runner.ts';

describe('beginSql', () => {
  it.each([
    [{ snapshot: null, role: null }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'],
    [
      { snapshot: '00000003-0000001B-1', role: null },
      "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '00000003-0000001B-1'",
    ],
    [
      { snapshot: null, role: 'alice' },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL ROLE "alice"',
    ],
    [
      { snapshot: "1-2'; x", role: 'a"b; DROP' },
      `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '1-2''; x'; SET LOCAL ROLE "a""b; DROP"`,
    ],
  ])('%j', (req, sql) => {
    expect(beginSql(req)).toBe(sql);
  });
});

describe('settingsQuery', () => {
  it.each([
    [{}, null],
    [{ TimeZone: 'UTC' }, { text: 'SELECT set_config($1, $2, true)', values: ['TimeZone', 'UTC'] }],
    [
      { search_path: '"$user", public', DateStyle: 'ISO' },
      {
        text: 'SELECT set_config($1, $2, true), set_config($3, $4, true)',
        values: ['search_path', '"$user", public', 'DateStyle', 'ISO'],
      },
    ],
  ])('%j', (settings, query) => {
    expect(settingsQuery(settings)).toEqual(query);
  });
});
