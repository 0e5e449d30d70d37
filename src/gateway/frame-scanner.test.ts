// The frame scanner finds the same messages as the message reader, however the stream is cut.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameScanner, type ScannedMessage } from './frame-scanner.ts';

function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

describe('FrameScanner', () => {
  it('hands on the wanted messages whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('D', 'Z', 'K', 'C'), fc.uint8Array({ maxLength: 40 })), {
          maxLength: 20,
        }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
        (messages, cuts) => {
          const stream = Buffer.concat(messages.map(([t, b]) => frame(t, Buffer.from(b))));
          const seen: ScannedMessage[] = [];
          const scanner = new FrameScanner(new Set(['Z', 'K']), (m) => seen.push(m));
          let at = 0;
          let k = 0;
          while (at < stream.length) {
            const n = cuts[k++ % cuts.length] as number;
            scanner.push(stream.subarray(at, at + n));
            at += n;
          }
          expect(scanner.atBoundary).toBe(true);
          const want = messages.filter(([t]) => t === 'Z' || t === 'K');
          expect(seen.map((m) => [m.type, [...m.body]])).toEqual(want.map(([t, b]) => [t, [...b]]));
        },
      ),
    );
  });

  it('rejects an impossible length', () => {
    const scanner = new FrameScanner(new Set(), () => {});
    expect(() => scanner.push(Buffer.from([0x44, 0, 0, 0, 2]))).toThrow(/invalid message length/);
  });
});
