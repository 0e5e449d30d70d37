// The gateway's own statements on a client session's backend connection (planning, snapshot, final merge), sent
// between the client's statements over the extended protocol and answered to the gateway, not the client.
import { createRequire } from 'node:module';
import type { PgError } from '../errors/pg-error.ts';
import type { Description } from '../exec/describe.ts';
import type { SqlClient, SqlQuery, SqlResult } from '../pg/sql-client.ts';
import {
  type ColumnDescription,
  encodeBind,
  encodeClose,
  encodeDescribe,
  encodeExecute,
  encodeParse,
  encodeSync,
  parseCommandComplete,
  parseDataRow,
  parseErrorResponse,
  parseParameterDescription,
  parseRowDescription,
} from './extended-messages.ts';
import type { Message } from './message-reader.ts';
import { parseReadyForQuery } from './messages.ts';

const require = createRequire(import.meta.url);
/** node-postgres' own parameter serialisation (arrays as array literals, dates, buffers), so values mean the same. */
const { prepareValue } = require('pg/lib/utils.js') as { prepareValue(v: unknown): unknown };

/** Names of the gateway's own statement and portal; closed before each use, so a failed one never lingers. */
const STATEMENT = '__mini_balancer';

interface Exchange {
  messages: Message[];
  /** Called for each DataRow instead of collecting it. */
  onRow: ((m: Message) => void) | undefined;
  resolve(messages: Message[]): void;
  reject(err: Error): void;
}

/** A described statement: the SqlClient view plus PostgreSQL's own column and parameter descriptions. */
export interface FullDescription extends Description {
  columns: ColumnDescription[] | null;
}

/**
 * Runs statements on the backend connection of one client session. The session hands every backend
 * message to `handle()` while `busy`; notifications and parameter changes still go to the client.
 */
export class BackendChannel implements SqlClient {
  private readonly pending: Exchange[] = [];
  /** Transaction status of the last ReadyForQuery this channel consumed. */
  status = 'I';

  constructor(
    private readonly send: (frames: Buffer) => void,
    private readonly toClient: (m: Message) => void,
  ) {}

  get busy(): boolean {
    return this.pending.length > 0;
  }

  /** A backend message while busy. */
  handle(m: Message): void {
    const ex = this.pending[0];
    if (!ex || m.type === 'A' || m.type === 'S') {
      this.toClient(m); // NotificationResponse, ParameterStatus: the session's, whoever caused them
      return;
    }
    if (m.type === 'N') return; // notices of the gateway's own statements
    if (m.type === 'Z') {
      this.status = parseReadyForQuery(m.body);
      this.pending.shift();
      const err = ex.messages.find((x) => x.type === 'E');
      if (err) {
        this.cleanUp();
        ex.reject(Object.assign(parseErrorResponse(err.body), { raw: err.raw }));
      } else ex.resolve(ex.messages);
      return;
    }
    if (m.type === 'D' && ex.onRow) ex.onRow(m);
    else ex.messages.push(m);
  }

  /** The connection is gone: every waiting statement fails with `err`. */
  fail(err: PgError): void {
    for (const ex of this.pending.splice(0)) ex.reject(err);
  }

  async query(q: string | SqlQuery): Promise<SqlResult> {
    const text = typeof q === 'string' ? q : q.text;
    const values = (typeof q === 'string' ? [] : (q.values ?? [])).map(toParam);
    const messages = await this.exchange(
      [
        ...this.closeOwn(),
        encodeParse(STATEMENT, text),
        encodeBind(STATEMENT, STATEMENT, values, [], []),
        encodeDescribe('P', STATEMENT),
        encodeExecute(STATEMENT),
        ...this.closeOwn(),
      ],
      undefined,
    );
    const cols = describedColumns(messages) ?? [];
    const fields = cols.map((c) => ({ name: c.name, dataTypeID: c.typeOid }));
    const rows = messages
      .filter((m) => m.type === 'D')
      .map((m) => parseDataRow(m.body).map((v) => (v === null ? null : v.toString('utf8'))));
    if (typeof q !== 'string' && q.rowMode === 'array') return { rows, fields };
    return {
      rows: rows.map((r) => Object.fromEntries(cols.map((c, i) => [c.name, r[i] ?? null]))),
      fields,
    };
  }

  /** Parse + Describe of `sql` with the declared parameter types (0: inferred), nothing executed. */
  async describe(sql: string, paramTypes: number[] = []): Promise<FullDescription> {
    const messages = await this.exchange(
      [
        ...this.closeOwn(),
        encodeParse(STATEMENT, sql, paramTypes),
        encodeDescribe('S', STATEMENT),
        ...this.closeOwn(),
      ],
      undefined,
    );
    const params = messages.find((m) => m.type === 't');
    const columns = describedColumns(messages);
    return {
      fields: (columns ?? []).map((c) => ({ name: c.name, typeOid: c.typeOid, typmod: c.typmod })),
      paramTypes: params ? parseParameterDescription(params.body) : [],
      columns,
    };
  }

  /**
   * Runs `sql` with raw parameter values and formats, handing each DataRow to `onRow` as PostgreSQL sent it
   * (in the result formats asked for). Answers the command tag.
   */
  async execute(
    sql: string,
    paramTypes: number[],
    values: (Buffer | null)[],
    paramFormats: number[],
    resultFormats: number[],
    onRow: (m: Message) => void,
  ): Promise<string> {
    const messages = await this.exchange(
      [
        ...this.closeOwn(),
        encodeParse(STATEMENT, sql, paramTypes),
        encodeBind(STATEMENT, STATEMENT, values, paramFormats, resultFormats),
        encodeExecute(STATEMENT),
        ...this.closeOwn(),
      ],
      onRow,
    );
    const done = messages.find((m) => m.type === 'C');
    return done ? parseCommandComplete(done.body) : '';
  }

  /**
   * Sends the frames (client messages, e.g. a Parse) and Sync; answers PostgreSQL's ErrorResponse as it
   * sent it (every field, for the client), or null.
   */
  async raw(frames: Buffer[]): Promise<Buffer | null> {
    try {
      await this.exchange(frames, undefined);
      return null;
    } catch (err) {
      return (err as PgError & { raw?: Buffer }).raw ?? null;
    }
  }

  /** Sends frames + Sync; resolves with the answers up to ReadyForQuery, or rejects with the ErrorResponse. */
  private exchange(frames: Buffer[], onRow: ((m: Message) => void) | undefined): Promise<Message[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ messages: [], onRow, resolve, reject });
      this.send(Buffer.concat([...frames, encodeSync()]));
    });
  }

  private closeOwn(): Buffer[] {
    return [encodeClose('P', STATEMENT), encodeClose('S', STATEMENT)];
  }

  /** After an error the rest of a batch is skipped: close what it may have left open. */
  private cleanUp(): void {
    this.exchange(this.closeOwn(), undefined).catch(() => {});
  }
}

function describedColumns(messages: Message[]): ColumnDescription[] | null {
  const t = messages.find((m) => m.type === 'T');
  return t ? parseRowDescription(t.body) : null;
}

function toParam(v: unknown): Buffer | null {
  const p = prepareValue(v);
  if (p === null || p === undefined) return null;
  return Buffer.isBuffer(p) ? p : Buffer.from(String(p), 'utf8');
}
