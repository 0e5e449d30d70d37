// A raw PostgreSQL protocol 3.0 client for fuzzing: frame encoders, a backend-message framer, start-up and auth.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import net from 'node:net';

/** A backend message: type byte as a character and body. */
export interface BackendMessage {
  type: string;
  body: Buffer;
}

/** A frontend message: type byte, int32 length (body + 4), body. */
export function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const cstring = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');
const int16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** StartupMessage (no type byte): length, protocol 3.0, name/value pairs, a final NUL. */
export function startupMessage(parameters: Record<string, string>): Buffer {
  const pairs = Object.entries(parameters).flatMap(([k, v]) => [cstring(k), cstring(v)]);
  const body = Buffer.concat([int32(196_608), ...pairs, Buffer.from([0])]);
  return Buffer.concat([int32(body.length + 4), body]);
}

/** Query ('Q'). */
export const query = (sql: string): Buffer => frame('Q', cstring(sql));
/** Parse ('P'): statement name, query, parameter type OIDs. */
export const parse = (name: string, sql: string, types: number[] = []): Buffer =>
  frame('P', Buffer.concat([cstring(name), cstring(sql), int16(types.length), ...types.map(int32)]));
/** Bind ('B'): portal, statement, text parameters (null as -1), all results in text. */
export function bind(portal: string, statement: string, params: (string | null)[]): Buffer {
  const values = params.map((p) =>
    p === null ? int32(-1) : Buffer.concat([int32(Buffer.byteLength(p)), Buffer.from(p)]),
  );
  return frame(
    'B',
    Buffer.concat([cstring(portal), cstring(statement), int16(0), int16(params.length), ...values, int16(0)]),
  );
}
/** Describe ('D') of a statement ('S') or portal ('P'). */
export const describe = (what: 'S' | 'P', name: string): Buffer =>
  frame('D', Buffer.concat([Buffer.from(what), cstring(name)]));
/** Execute ('E'): portal, maximum rows (0: all). */
export const execute = (portal: string, maxRows = 0): Buffer =>
  frame('E', Buffer.concat([cstring(portal), int32(maxRows)]));
/** Close ('C') of a statement ('S') or portal ('P'). */
export const close = (what: 'S' | 'P', name: string): Buffer =>
  frame('C', Buffer.concat([Buffer.from(what), cstring(name)]));
export const sync = (): Buffer => frame('S', Buffer.alloc(0));
export const flush = (): Buffer => frame('H', Buffer.alloc(0));
export const terminate = (): Buffer => frame('X', Buffer.alloc(0));
/** CopyData ('d'), CopyDone ('c'), CopyFail ('f'). */
export const copyData = (data: Buffer): Buffer => frame('d', data);
export const copyDone = (): Buffer => frame('c', Buffer.alloc(0));
export const copyFail = (reason: string): Buffer => frame('f', cstring(reason));

/** ErrorResponse / NoticeResponse fields by their one-letter codes. */
export function errorFields(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const end = body.indexOf(0, at + 1);
    if (end < 0) break;
    out[String.fromCharCode(body[at] as number)] = body.subarray(at + 1, end).toString('utf8');
    at = end + 1;
  }
  return out;
}

/**
 * One raw connection: collects every backend message (framed independently of the gateway's reader) and
 * whether, when and how the socket closed.
 */
export class RawConnection {
  readonly messages: BackendMessage[] = [];
  /** Bytes received that are not framed messages (the one-byte answer to SSLRequest, a partial frame). */
  unframed: Buffer = Buffer.alloc(0);
  closed = false;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.unframed = Buffer.concat([this.unframed, chunk]);
      while (this.unframed.length >= 5) {
        const len = this.unframed.readInt32BE(1);
        if (len < 4 || this.unframed.length < len + 1) break;
        this.messages.push({
          type: String.fromCharCode(this.unframed[0] as number),
          body: Buffer.from(this.unframed.subarray(5, len + 1)),
        });
        this.unframed = this.unframed.subarray(len + 1);
      }
      this.wake();
    });
    socket.on('error', () => {}); // resets are part of the game; 'close' follows
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host);
      socket.setNoDelay(true);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters) w();
  }

  /** Resolves true once `done()` holds, false after `ms`. */
  until(done: () => boolean, ms: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!done()) return;
        finish(true);
      };
      const timer = setTimeout(() => finish(done()), ms);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(ok);
      };
      this.waiters.add(check);
    });
  }

  /** Writes unless the socket is gone (a write after a reset only raises an ignored error). */
  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Number of ReadyForQuery messages received so far. */
  readyCount(): number {
    return this.messages.filter((m) => m.type === 'Z').length;
  }

  /** Closes with a TCP RST (abrupt) or a FIN without Terminate. */
  drop(how: 'reset' | 'end'): void {
    if (how === 'reset') this.socket.resetAndDestroy();
    else this.socket.end();
  }
}

const require = createRequire(import.meta.url);
/** node-postgres' SCRAM-SHA-256 client steps, reused rather than re-implemented. */
const sasl = require('pg/lib/crypto/sasl.js') as {
  startSession(mechanisms: string[]): { mechanism: string; response: string };
  continueSession(session: object, password: string, serverData: string): Promise<void>;
  finalizeSession(session: object, serverData: string): void;
};

export interface Credentials {
  user: string;
  password: string;
  database: string;
}

/**
 * StartupMessage and authentication (cleartext, MD5 or SCRAM-SHA-256, whichever PostgreSQL asks for) up
 * to the first ReadyForQuery. Throws with the server's ErrorResponse fields when it refuses.
 */
export async function authenticate(
  conn: RawConnection,
  who: Credentials,
  extra: Record<string, string> = {},
): Promise<void> {
  conn.write(startupMessage({ user: who.user, database: who.database, ...extra }));
  let seen = 0;
  let scram: ({ mechanism: string; response: string } & object) | undefined;
  for (;;) {
    if (!(await conn.until(() => conn.messages.length > seen || conn.closed, 10_000))) {
      throw new Error('no answer to start-up within 10 s');
    }
    const m = conn.messages[seen];
    if (!m) throw new Error('connection closed during start-up');
    seen += 1;
    if (m.type === 'E') throw new Error(`start-up refused: ${JSON.stringify(errorFields(m.body))}`);
    if (m.type === 'Z') return;
    if (m.type !== 'R') continue; // ParameterStatus, BackendKeyData, NoticeResponse
    const code = m.body.readInt32BE(0);
    if (code === 3) conn.write(frame('p', cstring(who.password)));
    else if (code === 5) {
      const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');
      const inner = md5(who.password + who.user);
      conn.write(
        frame('p', cstring(`md5${md5(Buffer.concat([Buffer.from(inner), m.body.subarray(4, 8)]))}`)),
      );
    } else if (code === 10) {
      const mechanisms = m.body.subarray(4).toString('utf8').split('\0').filter(Boolean);
      scram = sasl.startSession(mechanisms);
      const response = Buffer.from(scram.response);
      conn.write(frame('p', Buffer.concat([cstring(scram.mechanism), int32(response.length), response])));
    } else if (code === 11 && scram) {
      await sasl.continueSession(scram, who.password, m.body.subarray(4).toString('utf8'));
      conn.write(frame('p', Buffer.from((scram as { response: string }).response)));
    } else if (code === 12 && scram) {
      sasl.finalizeSession(scram, m.body.subarray(4).toString('utf8'));
    } else if (code !== 0) throw new Error(`unsupported authentication request ${code}`);
  }
}
