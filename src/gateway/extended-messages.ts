// Extended-protocol and result messages: the frontend ones the gateway reads (Parse, Bind, Describe, Execute,
// Close) and writes to the backend, and the backend ones it reads (RowDescription, DataRow, ErrorResponse...).
import { protocolViolation } from '../errors/codes.ts';
import { PgError, type PgErrorFields } from '../errors/pg-error.ts';

/** Reads a message body front to back; any read past the end is a protocol violation (08P01). */
export class BodyReader {
  private at = 0;

  constructor(private readonly body: Buffer) {}

  int16(): number {
    this.need(2);
    const v = this.body.readInt16BE(this.at);
    this.at += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.body.readInt32BE(this.at);
    this.at += 4;
    return v;
  }

  cstring(): string {
    const end = this.body.indexOf(0, this.at);
    if (end < 0) throw protocolViolation('invalid string in message');
    const s = this.body.subarray(this.at, end).toString('utf8');
    this.at = end + 1;
    return s;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.body.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }

  byte(): string {
    this.need(1);
    return String.fromCharCode(this.body[this.at++] as number);
  }

  /** A count that must be ≥ 0 and fit in what is left (each item at least `minBytes` long). */
  count(minBytes: number): number {
    const n = this.int16();
    if (n < 0 || n * minBytes > this.body.length - this.at) throw protocolViolation('invalid message format');
    return n;
  }

  private need(n: number): void {
    if (n < 0 || this.at + n > this.body.length) throw protocolViolation('invalid message format');
  }
}

export interface ParseMessage {
  name: string;
  sql: string;
  paramTypes: number[];
}

/** Parse ('P'): statement name, query, declared parameter types (0 = unspecified). */
export function parseParseMessage(body: Buffer): ParseMessage {
  const r = new BodyReader(body);
  const name = r.cstring();
  const sql = r.cstring();
  const n = r.count(4);
  const paramTypes: number[] = [];
  for (let i = 0; i < n; i++) paramTypes.push(r.int32() >>> 0);
  return { name, sql, paramTypes };
}

export interface BindMessage {
  portal: string;
  statement: string;
  /** Format of each parameter (0 text, 1 binary), expanded to one per value. */
  paramFormats: number[];
  values: (Buffer | null)[];
  /** Result column formats as sent: none (all text), one (for all) or one per column. */
  resultFormats: number[];
}

/** Bind ('B'). */
export function parseBindMessage(body: Buffer): BindMessage {
  const r = new BodyReader(body);
  const portal = r.cstring();
  const statement = r.cstring();
  const nf = r.count(2);
  const formats: number[] = [];
  for (let i = 0; i < nf; i++) formats.push(r.int16());
  const nv = r.count(4);
  const values: (Buffer | null)[] = [];
  for (let i = 0; i < nv; i++) {
    const len = r.int32();
    values.push(len === -1 ? null : Buffer.from(r.bytes(len)));
  }
  const nr = r.count(2);
  const resultFormats: number[] = [];
  for (let i = 0; i < nr; i++) resultFormats.push(r.int16());
  if (nf > 1 && nf !== nv)
    throw protocolViolation(`bind message has ${nf} parameter formats but ${nv} parameters`);
  const paramFormats = values.map((_, i) =>
    nf === 0 ? 0 : nf === 1 ? (formats[0] as number) : (formats[i] as number),
  );
  return { portal, statement, paramFormats, values, resultFormats };
}

/** The format of result column `i` of `n` under a Bind's result formats. */
export function resultFormat(formats: number[], i: number): number {
  if (formats.length === 0) return 0;
  if (formats.length === 1) return formats[0] as number;
  return formats[i] ?? 0;
}

/** Describe ('D') or Close ('C'): 'S' statement or 'P' portal, and its name. */
export function parseTarget(body: Buffer): { kind: string; name: string } {
  const r = new BodyReader(body);
  const kind = r.byte();
  return { kind, name: r.cstring() };
}

/** Execute ('E'): portal and row limit (0 = all rows). */
export function parseExecute(body: Buffer): { portal: string; maxRows: number } {
  const r = new BodyReader(body);
  return { portal: r.cstring(), maxRows: r.int32() };
}

// --- writing ---

function frame(type: string, parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const cstr = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');

function i16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

function i32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n | 0);
  return b;
}

export const encodeParse = (name: string, sql: string, paramTypes: number[] = []): Buffer =>
  frame('P', [cstr(name), cstr(sql), i16(paramTypes.length), ...paramTypes.map((t) => i32(t))]);

export function encodeBind(
  portal: string,
  statement: string,
  values: (Buffer | null)[],
  paramFormats: number[],
  resultFormats: number[],
): Buffer {
  const parts: Buffer[] = [cstr(portal), cstr(statement), i16(paramFormats.length)];
  for (const f of paramFormats) parts.push(i16(f));
  parts.push(i16(values.length));
  for (const v of values) {
    if (v === null) parts.push(i32(-1));
    else parts.push(i32(v.length), v);
  }
  parts.push(i16(resultFormats.length));
  for (const f of resultFormats) parts.push(i16(f));
  return frame('B', parts);
}

export const encodeDescribe = (kind: 'S' | 'P', name: string): Buffer =>
  frame('D', [Buffer.from(kind, 'latin1'), cstr(name)]);
export const encodeExecute = (portal: string, maxRows = 0): Buffer =>
  frame('E', [cstr(portal), i32(maxRows)]);
export const encodeClose = (kind: 'S' | 'P', name: string): Buffer =>
  frame('C', [Buffer.from(kind, 'latin1'), cstr(name)]);
export const encodeSync = (): Buffer => frame('S', []);
export const encodeParseComplete = (): Buffer => frame('1', []);
export const encodeBindComplete = (): Buffer => frame('2', []);
export const encodeCloseComplete = (): Buffer => frame('3', []);

/** A column of a RowDescription, as PostgreSQL describes it. */
export interface ColumnDescription {
  name: string;
  tableOid: number;
  columnAttr: number;
  typeOid: number;
  typlen: number;
  typmod: number;
  format: number;
}

export function parseRowDescription(body: Buffer): ColumnDescription[] {
  const r = new BodyReader(body);
  const n = r.count(19);
  const out: ColumnDescription[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      name: r.cstring(),
      tableOid: r.int32() >>> 0,
      columnAttr: r.int16(),
      typeOid: r.int32() >>> 0,
      typlen: r.int16(),
      typmod: r.int32(),
      format: r.int16(),
    });
  }
  return out;
}

/** RowDescription ('T') with every field as given (table OID, column number, type size and modifier, format). */
export function encodeRowDescriptionFull(cols: ColumnDescription[]): Buffer {
  const parts: Buffer[] = [i16(cols.length)];
  for (const c of cols) {
    parts.push(
      cstr(c.name),
      i32(c.tableOid),
      i16(c.columnAttr),
      i32(c.typeOid),
      i16(c.typlen),
      i32(c.typmod),
    );
    parts.push(i16(c.format));
  }
  return frame('T', parts);
}

/** ParameterDescription ('t'): the parameter type OIDs. */
export function parseParameterDescription(body: Buffer): number[] {
  const r = new BodyReader(body);
  const n = r.count(4);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(r.int32() >>> 0);
  return out;
}

/** DataRow ('D') values: raw bytes, null for NULL. */
export function parseDataRow(body: Buffer): (Buffer | null)[] {
  const r = new BodyReader(body);
  const n = r.count(4);
  const out: (Buffer | null)[] = [];
  for (let i = 0; i < n; i++) {
    const len = r.int32();
    out.push(len === -1 ? null : r.bytes(len));
  }
  return out;
}

/** CommandComplete ('C'): the command tag. */
export const parseCommandComplete = (body: Buffer): string => new BodyReader(body).cstring();

const ERROR_FIELD_NAMES: Record<string, keyof PgErrorFields> = {
  V: 'severity',
  C: 'code',
  M: 'message',
  D: 'detail',
  H: 'hint',
  P: 'position',
  p: 'internalPosition',
  q: 'internalQuery',
  W: 'where',
  s: 'schema',
  t: 'table',
  c: 'column',
  d: 'dataType',
  n: 'constraint',
};

/** ErrorResponse ('E') or NoticeResponse ('N') as a PgError with every field PostgreSQL sent. */
export function parseErrorResponse(body: Buffer): PgError {
  const fields: Record<string, string> = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const code = String.fromCharCode(body[at] as number);
    const end = body.indexOf(0, at + 1);
    if (end < 0) break;
    const key = ERROR_FIELD_NAMES[code];
    const value = body.subarray(at + 1, end).toString('utf8');
    if (key) fields[key] = value;
    else if (code === 'S' && fields.severity === undefined) fields.severity = value;
    at = end + 1;
  }
  return new PgError({ code: fields.code ?? 'XX000', message: fields.message ?? 'unknown error', ...fields });
}
