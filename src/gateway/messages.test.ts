// Startup packets parsed and the messages the gateway writes, byte for byte.
import { describe, expect, it } from 'vitest';
import { PgError } from '../errors/pg-error.ts';
import { MessageReader } from './message-reader.ts';
import {
  encodeDataRow,
  encodeErrorResponse,
  encodeRowDescription,
  parseBackendKeyData,
  parseStartupPacket,
  type StartupPacket,
} from './messages.ts';

function packet(code: number, rest: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + rest.length);
  head.writeInt32BE(code, 4);
  return Buffer.concat([head, rest]);
}

const cancelBody = Buffer.alloc(8);
cancelBody.writeInt32BE(4242);
cancelBody.writeInt32BE(-7, 4);

describe('parseStartupPacket', () => {
  it.each<[string, Buffer, StartupPacket]>([
    ['SSLRequest', packet(80877103), { kind: 'SSLRequest' }],
    ['GSSENCRequest', packet(80877104), { kind: 'GSSENCRequest' }],
    [
      'CancelRequest',
      packet(80877102, cancelBody),
      { kind: 'CancelRequest', processId: 4242, secretKey: -7 },
    ],
    [
      'StartupMessage',
      packet(196608, Buffer.from('user\0alice\0database\0db\0\0')),
      { kind: 'StartupMessage', version: 196608, parameters: { user: 'alice', database: 'db' } },
    ],
  ])('%s', (_name, bytes, expected) => {
    expect(parseStartupPacket(bytes)).toEqual(expected);
  });
});

/** Fields of an ErrorResponse body, by code letter. */
function errorFields(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (body[at] !== 0) {
    const end = body.indexOf(0, at + 1);
    out[String.fromCharCode(body[at] as number)] = body.subarray(at + 1, end).toString();
    at = end + 1;
  }
  return out;
}

function read(bytes: Buffer) {
  const reader = new MessageReader();
  reader.push(bytes);
  return reader.drain();
}

describe('encoders', () => {
  it.each<[string, PgError, Record<string, string>]>([
    [
      'code and message',
      new PgError({ code: '42P01', message: 'no' }),
      { S: 'ERROR', V: 'ERROR', C: '42P01', M: 'no' },
    ],
    [
      'every field',
      new PgError({ code: '22012', message: 'division by zero', detail: 'd', hint: 'h', position: '8' }),
      { S: 'ERROR', V: 'ERROR', C: '22012', M: 'division by zero', D: 'd', H: 'h', P: '8' },
    ],
  ])('ErrorResponse with %s', (_name, err, fields) => {
    const [m] = read(encodeErrorResponse(err));
    expect(m?.type).toBe('E');
    expect(errorFields(m?.body as Buffer)).toEqual(fields);
  });

  it('DataRow with NULL', () => {
    const [m] = read(encodeDataRow(['é', null, '']));
    expect(m?.type).toBe('D');
    expect([...(m?.body ?? [])]).toEqual([0, 3, 0, 0, 0, 2, 0xc3, 0xa9, 255, 255, 255, 255, 0, 0, 0, 0]);
  });

  it('RowDescription', () => {
    const [m] = read(encodeRowDescription([{ name: 'n', typeOid: 20, typlen: 8 }]));
    const body = m?.body as Buffer;
    expect(m?.type).toBe('T');
    expect(body.readInt16BE(0)).toBe(1);
    expect(body.subarray(2, 4).toString()).toBe('n\0');
    expect(body.readInt32BE(10)).toBe(20);
    expect(body.readInt16BE(14)).toBe(8);
    expect(body.readInt32BE(16)).toBe(-1);
    expect(body.readInt16BE(20)).toBe(0);
  });

  it('BackendKeyData', () => {
    expect(parseBackendKeyData(cancelBody)).toEqual({ processId: 4242, secretKey: -7 });
  });
});
