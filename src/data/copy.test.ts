// Tests for COPY text escaping and the byte writer.
import { describe, expect, it } from 'vitest';
import { copyLine, copyText, rangeBatches } from './copy.ts';
import { CopyWriter } from './copy-writer.ts';

describe('copyText', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a\tb', 'a\\tb'],
    ['line\nbreak', 'line\\nbreak'],
    ['cr\r', 'cr\\r'],
    ['back\\slash', 'back\\\\slash'],
    ['\\N', '\\\\N'],
    ["O'Brien", "O'Brien"],
    ['Zürich', 'Zürich'],
    [null, '\\N'],
  ])('escapes %j as %j', (value, escaped) => {
    expect(copyText(value)).toBe(escaped);
  });
});

describe('copyLine', () => {
  it('joins fields with tabs and ends with a newline', () => {
    expect(copyLine([1, 'a\tb', null, true, 2.5])).toBe('1\ta\\tb\t\\N\ttrue\t2.5\n');
  });
});

describe('CopyWriter', () => {
  it.each([
    [0, '0'],
    [7, '7'],
    [10, '10'],
    [-42, '-42'],
    [6_000_000, '6000000'],
    [2 ** 40, String(2 ** 40)],
  ])('int(%d) writes %s', (n, text) => {
    expect(new CopyWriter(1).int(n).take().toString()).toBe(text);
  });

  it.each([
    [0, '0.00'],
    [7, '0.07'],
    [-7, '-0.07'],
    [-99_999, '-999.99'],
    [10_499_950, '104999.50'],
  ])('cents(%d) writes %s', (n, text) => {
    expect(new CopyWriter(1).cents(n).take().toString()).toBe(text);
  });

  it('writes escaped UTF-8 text and NULL, growing as needed', () => {
    const w = new CopyWriter(2);
    w.text('Zürich\t1').tab().text(null).tab().ascii('x'.repeat(100)).end();
    expect(w.take().toString('utf8')).toBe(`Zürich\\t1\t\\N\t${'x'.repeat(100)}\n`);
  });

  it('copies byte ranges and starts over after take', () => {
    const w = new CopyWriter();
    w.bytes(Buffer.from('hello world'), 6, 11).end();
    expect(w.take().toString()).toBe('world\n');
    expect(w.length).toBe(0);
    expect(w.ascii('again').take().toString()).toBe('again');
  });
});

describe('rangeBatches', () => {
  it.each([
    [0, 10, []],
    [5, 10, [[0, 5]]],
    [
      25,
      10,
      [
        [0, 10],
        [10, 20],
        [20, 25],
      ],
    ],
  ])('splits %d units into batches of %d', (units, per, ranges) => {
    const seen = [...rangeBatches(units, per, (from, to) => ({ data: `${from}-${to}`, rows: to - from }))];
    expect(seen.map((b) => b.data)).toEqual(ranges.map(([a, b]) => `${a}-${b}`));
  });
});
