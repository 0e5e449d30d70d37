// A session that speaks the extended protocol byte for byte (any result format, raw values), for tests that
// compare what the gateway sends with what PostgreSQL sends. node-postgres does the start-up and
// authentication, then hands its socket over.
import type net from 'node:net';
import pg from 'pg';
import {
  type ColumnDescription,
  encodeBind,
  encodeDescribe,
  encodeExecute,
  encodeParse,
  encodeSync,
  parseDataRow,
  parseErrorResponse,
  parseRowDescription,
} from '../../src/gateway/extended-messages.ts';
import { type Message, MessageReader } from '../../src/gateway/message-reader.ts';

export interface RawResult {
  columns: ColumnDescription[];
  rows: (Buffer | null)[][];
}

export interface RawSession {
  /** Parse, Bind (text parameters, the given result formats), Describe portal, Execute, Sync: as drivers do. */
  query(sql: string, params: (string | null)[], resultFormats: number[]): Promise<RawResult>;
  close(): void;
}

/**
 * @example
 *   const s = await rawSession(url);
 *   const { columns, rows } = await s.query('SELECT 1::int4', [], [1]); // rows[0][0] = <00 00 00 01>
 *   s.close();
 */
export async function rawSession(connectionString: string): Promise<RawSession> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => {}); // the socket is ours after start-up; closing it is not an error
  await client.connect();
  const stream = (client as unknown as { connection: { stream: net.Socket } }).connection.stream;
  stream.removeAllListeners('data');
  const reader = new MessageReader();
  let waiting: ((m: Message) => void) | undefined;
  stream.on('data', (chunk: Buffer) => {
    reader.push(chunk);
    for (let m = reader.next(); m; m = reader.next()) waiting?.(m);
  });
  return {
    query(sql, params, resultFormats) {
      return new Promise((resolve, reject) => {
        let columns: ColumnDescription[] = [];
        const rows: (Buffer | null)[][] = [];
        let error: Error | undefined;
        waiting = (m) => {
          if (m.type === 'T') columns = parseRowDescription(m.body);
          else if (m.type === 'D')
            rows.push(parseDataRow(m.body).map((v) => (v === null ? null : Buffer.from(v))));
          else if (m.type === 'E') error = parseErrorResponse(m.body);
          else if (m.type === 'Z') {
            waiting = undefined;
            if (error) reject(error);
            else resolve({ columns, rows });
          }
        };
        const values = params.map((p) => (p === null ? null : Buffer.from(p, 'utf8')));
        stream.write(
          Buffer.concat([
            encodeParse('', sql),
            encodeBind('', '', values, [], resultFormats),
            encodeDescribe('P', ''),
            encodeExecute(''),
            encodeSync(),
          ]),
        );
      });
    },
    close() {
      stream.destroy();
    },
  };
}
