// Protocol 3.0 messages the gateway reads (StartupMessage, Query, BackendKeyData, ReadyForQuery) or writes.
import type { PgError } from '../errors/pg-error.ts';

/** Startup packet codes (the int32 after the length). */
export const PROTOCOL_VERSION_3 = 196608;
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;

export type StartupPacket =
  | { kind: 'StartupMessage'; version: number; parameters: Record<string, string> }
  | { kind: 'SSLRequest' }
  | { kind: 'GSSENCRequest' }
  | { kind: 'CancelRequest'; processId: number; secretKey: number };

/** Parses a startup packet (length prefix included). */
export function parseStartupPacket(packet: Buffer): StartupPacket {
  const code = packet.readInt32BE(4);
  if (code === SSL_REQUEST_CODE) return { kind: 'SSLRequest' };
  if (code === GSSENC_REQUEST_CODE) return { kind: 'GSSENCRequest' };
  if (code === CANCEL_REQUEST_CODE && packet.length >= 16) {
    return { kind: 'CancelRequest', processId: packet.readInt32BE(8), secretKey: packet.readInt32BE(12) };
  }
  const parameters: Record<string, string> = {};
  const strings = packet.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < strings.length; i += 2) {
    const key = strings[i] as string;
    if (key === '') break;
    parameters[key] = strings[i + 1] as string;
  }
  return { kind: 'StartupMessage', version: code, parameters };
}

/** Query ('Q'): the query string. */
export function parseQuery(body: Buffer): string {
  const end = body.indexOf(0);
  return body.toString('utf8', 0, end < 0 ? body.length : end);
}

/** Parse ('P'): statement name, then the query string. */
export function parseParse(body: Buffer): string {
  const nameEnd = body.indexOf(0);
  return parseQuery(body.subarray(nameEnd + 1));
}

/** BackendKeyData ('K'): process id and secret key. */
export function parseBackendKeyData(body: Buffer): { processId: number; secretKey: number } {
  return { processId: body.readInt32BE(0), secretKey: body.readInt32BE(4) };
}

/** ReadyForQuery ('Z'): transaction status 'I' (idle), 'T' (in a block) or 'E' (failed block). */
export function parseReadyForQuery(body: Buffer): string {
  return String.fromCharCode(body[0] ?? 0x49);
}

/** A message: type byte, int32 length, body. */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const cstring = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** ReadyForQuery ('Z'). */
export const encodeReadyForQuery = (status: 'I' | 'T' | 'E'): Buffer => message('Z', Buffer.from(status));

/** CommandComplete ('C'), e.g. `SELECT 3`. */
export const encodeCommandComplete = (tag: string): Buffer => message('C', cstring(tag));

export interface RowDescriptionField {
  name: string;
  typeOid: number;
  typlen?: number;
  typmod?: number;
}

/** RowDescription ('T'): text format, no table OID or column number. */
export function encodeRowDescription(fields: RowDescriptionField[]): Buffer {
  const parts: Buffer[] = [int16(fields.length)];
  for (const f of fields) {
    parts.push(cstring(f.name), int32(0), int16(0), int32(f.typeOid));
    parts.push(int16(f.typlen ?? -1), int32(f.typmod ?? -1), int16(0));
  }
  return message('T', Buffer.concat(parts));
}

/** DataRow ('D'): values in text format, NULL as length -1. */
export function encodeDataRow(values: (string | null)[]): Buffer {
  const parts: Buffer[] = [int16(values.length)];
  for (const v of values) {
    if (v === null) parts.push(int32(-1));
    else {
      const bytes = Buffer.from(v, 'utf8');
      parts.push(int32(bytes.length), bytes);
    }
  }
  return message('D', Buffer.concat(parts));
}

/** ErrorResponse field codes for PgError's fields. */
const ERROR_FIELDS = [
  ['S', 'severity'],
  ['V', 'severity'],
  ['C', 'code'],
  ['M', 'message'],
  ['D', 'detail'],
  ['H', 'hint'],
  ['P', 'position'],
  ['p', 'internalPosition'],
  ['q', 'internalQuery'],
  ['W', 'where'],
  ['s', 'schema'],
  ['t', 'table'],
  ['c', 'column'],
  ['d', 'dataType'],
  ['n', 'constraint'],
] as const;

/** ErrorResponse ('E') with every field the error carries. */
export function encodeErrorResponse(err: PgError): Buffer {
  const fields = { ...err.fields, message: err.message, severity: err.severity };
  const parts: Buffer[] = [];
  for (const [code, key] of ERROR_FIELDS) {
    const value = fields[key];
    if (value !== undefined) parts.push(Buffer.from(code, 'latin1'), cstring(value));
  }
  parts.push(Buffer.from([0]));
  return message('E', Buffer.concat(parts));
}

/** typlen of the common built-in types (RowDescription's data type size); -1 for the others. */
const TYPLEN: Record<number, number> = {
  16: 1, // bool
  18: 1, // char
  20: 8, // int8
  21: 2, // int2
  23: 4, // int4
  26: 4, // oid
  700: 4, // float4
  701: 8, // float8
  1082: 4, // date
  1083: 8, // time
  1114: 8, // timestamp
  1184: 8, // timestamptz
  1186: 16, // interval
  2950: 16, // uuid
};

export const typlenOf = (typeOid: number): number => TYPLEN[typeOid] ?? -1;
