import { describe, expect, it } from 'vitest';
import { formatLsn, insertEnd, parseLsn } from './lsn.ts';

const SEG = 16 * 1024 * 1024;

describe('parseLsn / formatLsn', () => {
  it.each([
    ['0/0', 0n],
    ['0/3000060', 0x3000060n],
    ['16/B374D848', 0x16b374d848n],
    ['FFFFFFFF/FFFFFFFF', 0xffffffffffffffffn],
  ])('%s', (text, value) => {
    expect(parseLsn(text)).toBe(value);
    expect(formatLsn(value)).toBe(text);
  });

  it.each(['', '0', '0/', '/1', '1/2/3', 'G/0', '123456789/0'])('rejects %j', (text) => {
    expect(() => parseLsn(text)).toThrow(TypeError);
  });
});

describe('insertEnd', () => {
  it.each([
    ['a position inside a page stays', '0/2000100', '0/2000100'],
    ['just past a short page header goes back to the boundary', '0/2002018', '0/2002000'],
    ['just past a long header (first page of a segment) goes back', '0/3000028', '0/3000000'],
    ['24 bytes into a segment is inside the long header: unchanged', '0/3000018', '0/3000018'],
    ['a page boundary stays', '0/2002000', '0/2002000'],
  ])('%s', (_what, text, want) => {
    expect(formatLsn(insertEnd(parseLsn(text), 8192, SEG))).toBe(want);
  });
});
