// Framing: every packet cut at every byte boundary reassembles to the same messages; bad lengths are 08P01.
import { describe, expect, it } from 'vitest';
import { PgError } from '../errors/pg-error.ts';
import { MessageReader, StartupPacketReader } from './message-reader.ts';
import { encodeCommandComplete, encodeDataRow, encodeReadyForQuery } from './messages.ts';

function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const query = frame('Q', Buffer.from('SELECT 1\0'));
const stream = Buffer.concat([
  query,
  encodeDataRow(['a', null]),
  frame('S', Buffer.alloc(0)),
  encodeReadyForQuery('I'),
]);

function readAll(chunks: Buffer[]): { type: string; raw: Buffer }[] {
  const reader = new MessageReader();
  const out: { type: string; raw: Buffer }[] = [];
  for (const c of chunks) {
    reader.push(c);
    out.push(...reader.drain().map((m) => ({ type: m.type, raw: m.raw })));
  }
  return out;
}

describe('MessageReader', () => {
  const whole = readAll([stream]);

  it('reads whole messages', () => {
    expect(whole.map((m) => m.type)).toEqual(['Q', 'D', 'S', 'Z']);
    expect(Buffer.concat(whole.map((m) => m.raw))).toEqual(stream);
  });

  it.each(Array.from({ length: stream.length - 1 }, (_, i) => i + 1))('split at byte %i', (at) => {
    expect(readAll([stream.subarray(0, at), stream.subarray(at)])).toEqual(whole);
  });

  it('one byte at a time', () => {
    expect(readAll([...stream].map((b) => Buffer.from([b])))).toEqual(whole);
  });

  it.each<[string, number]>([
    ['length below 4', 3],
    ['negative length', -1],
    ['above 1 GB', 0x4000_0000],
  ])('%s is 08P01', (_name, len) => {
    const bad = Buffer.alloc(5);
    bad.write('Q', 0, 'latin1');
    bad.writeInt32BE(len, 1);
    const reader = new MessageReader();
    reader.push(bad);
    expect(() => reader.next()).toThrow(PgError);
    try {
      reader.next();
    } catch (e) {
      expect((e as PgError).code).toBe('08P01');
    }
  });

  it('waits for the rest of a message', () => {
    const reader = new MessageReader();
    reader.push(encodeCommandComplete('SELECT 1').subarray(0, 7));
    expect(reader.next()).toBeNull();
  });
});

describe('StartupPacketReader', () => {
  const startup = Buffer.alloc(8);
  startup.writeInt32BE(8);
  startup.writeInt32BE(80877103, 4);

  it.each(Array.from({ length: 8 }, (_, i) => i))('split at byte %i', (at) => {
    const reader = new StartupPacketReader();
    reader.push(startup.subarray(0, at));
    if (at < 8) expect(reader.next()).toBeNull();
    reader.push(startup.subarray(at));
    expect(reader.next()).toEqual(startup);
    expect(reader.next()).toBeNull();
  });

  it.each([4, 7, 10_001])('length %i is 08P01', (len) => {
    const bad = Buffer.alloc(8);
    bad.writeInt32BE(len);
    const reader = new StartupPacketReader();
    reader.push(bad);
    expect(() => reader.next()).toThrow(expect.objectContaining({ code: '08P01' }));
  });

  it('hands on the bytes after the packet', () => {
    const reader = new StartupPacketReader();
    reader.push(Buffer.concat([startup, query]));
    expect(reader.next()).toEqual(startup);
    expect(reader.rest()).toEqual(query);
  });
});
