// Batching and backpressure of the NDJSON response writer.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { NdjsonWriter } from './ndjson-writer.ts';

function collect(highWaterMark = 1 << 20) {
  const out = new PassThrough({ highWaterMark });
  const read = (): string => (out.read() as Buffer | null)?.toString() ?? '';
  return { out, read };
}

describe('NdjsonWriter', () => {
  it.each([
    // rows, limits, expected batch sizes (all rows written synchronously, so only limits cut batches)
    [5, { rows: 2, bytes: 1 << 20 }, [2, 2, 1]],
    [4, { rows: 500, bytes: 1 << 20 }, [4]],
    [3, { rows: 500, bytes: 10 }, [1, 1, 1]],
    [0, { rows: 500, bytes: 1 << 20 }, []],
  ])('%i rows with %j → batches %j', (n, limits, sizes) => {
    const { out, read } = collect();
    const w = new NdjsonWriter(out, limits);
    w.fields([{ name: 'a', typeOid: 25, typmod: -1 }]);
    for (let i = 0; i < n; i += 1) w.row([`value ${i}`, null]);
    w.end({ done: { rows: n, ms: 1 } });
    const lines = read()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { rows: unknown[] });
    expect(lines[0]).toEqual({ fields: [{ name: 'a', typeOid: 25, typmod: -1 }] });
    expect(lines.slice(1, -1).map((l) => l.rows.length)).toEqual(sizes);
    expect(lines.at(-1)).toEqual({ done: { rows: n, ms: 1 } });
  });

  it('flushes a partial batch on the next turn of the event loop', async () => {
    const { out, read } = collect();
    const w = new NdjsonWriter(out);
    w.row(['x']);
    expect(read()).toBe('');
    await new Promise((r) => setImmediate(r));
    expect(read()).toBe('{"rows":[["x"]]}\n');
  });

  it('reports backpressure and resolves drained() once the reader catches up', async () => {
    const { out } = collect(64);
    const w = new NdjsonWriter(out, { rows: 1, bytes: 1 << 20 });
    expect(w.row(['a'.repeat(100)])).toBe(false);
    let drained = false;
    const wait = w.drained().then(() => {
      drained = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    out.resume();
    await wait;
    expect(drained).toBe(true);
  });
});
