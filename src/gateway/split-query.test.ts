// Which statements the gateway may split, and which leave the session different from the coordinator's.
import { beforeAll, describe, expect, it } from 'vitest';
import { initParser } from '../sql/parser.ts';
import { changesSession, neutralStartup, singleSelect } from './split-query.ts';

beforeAll(() => initParser());

describe('singleSelect / changesSession', () => {
  it.each<[string, boolean, boolean]>([
    ['SELECT count(*) FROM lineitem', true, false],
    ['select 1;', true, false],
    ['SELECT 1; SELECT 2', false, false],
    ['SELECT * INTO t FROM x', false, true],
    ["SELECT set_config('search_path', 'x', false)", false, true],
    ['SET search_path = x', false, true],
    ['RESET ALL', false, true],
    ['DISCARD ALL', false, true],
    ['CREATE TEMP TABLE t (a int)', false, true],
    ['BEGIN', false, false],
    ['COMMIT', false, false],
    ['INSERT INTO t VALUES (1)', false, true],
    ['SELEC 1', false, false],
  ])('%s', (sql, split, changes) => {
    expect(singleSelect(sql)).toBe(split);
    expect(changesSession(sql)).toBe(changes);
  });
});

describe('neutralStartup', () => {
  it.each<[Record<string, string>, boolean]>([
    [{ user: 'u', database: 'd' }, true],
    [{ user: 'u', client_encoding: 'UTF8', application_name: 'psql' }, true],
    [{ user: 'u', client_encoding: 'LATIN1' }, false],
    [{ user: 'u', options: '-c DateStyle=German' }, false],
    [{ user: 'u', DateStyle: 'ISO' }, false],
  ])('%j', (params, expected) => {
    expect(neutralStartup(params)).toBe(expected);
  });
});
