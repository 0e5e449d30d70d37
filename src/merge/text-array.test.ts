import { describe, expect, it } from 'vitest';
import { encodeTextArray, splitQualifiedName } from './text-array.ts';

describe('encodeTextArray', () => {
  it.each([
    [[], '{}'],
    [['a'], '{"a"}'],
    [[null, ''], '{NULL,""}'],
    [['NULL'], '{"NULL"}'],
    [['a"b', 'c\\d', 'x,y', '{z}'], '{"a\\"b","c\\\\d","x,y","{z}"}'],
  ] as [(string | null)[], string][])('%j → %s', (input, out) => {
    expect(encodeTextArray(input)).toBe(out);
  });
});

describe('splitQualifiedName', () => {
  it.each([
    ['"default"', ['default']],
    ['pg_catalog."C"', ['pg_catalog', 'C']],
    ['"en-x-icu"', ['en-x-icu']],
    ['public."we""ird"', ['public', 'we"ird']],
    ['plain', ['plain']],
  ])('%s', (input, out) => {
    expect(splitQualifiedName(input)).toEqual(out);
  });
});
