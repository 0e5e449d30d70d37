// One client connection: startup (TLS, authentication relayed to PostgreSQL), then every message relayed to the
// session's own backend, except single SELECTs (simple or extended protocol) the coordinator splits.
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { protocolViolation, queryCanceled, tooManyConnections } from '../errors/codes.ts';
import { PgError, toPgError } from '../errors/pg-error.ts';
import type { QueryRequest, QueryResult } from '../exec/api.ts';
import { mayChangeCatalog } from '../sql/ddl.ts';
import { BackendChannel } from './backend-channel.ts';
import { splittableBatch } from './batch.ts';
import { readsOf, receiveFrom } from './client-socket.ts';
import {
  encodeBindComplete,
  encodeCloseComplete,
  encodeParseComplete,
  type ParseMessage,
  parseBindMessage,
  parseParseMessage,
  parseTarget,
} from './extended-messages.ts';
import { FrameScanner } from './frame-scanner.ts';
import {
  decisionKeyOf,
  type GatewayCoordinator,
  type InterceptAnswer,
  type InterceptContext,
  type InterceptRequest,
  intercept,
} from './intercept.ts';
import {
  MAX_AUTH_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  type Message,
  MessageReader,
  StartupPacketReader,
} from './message-reader.ts';
import {
  encodeCommandComplete,
  encodeErrorResponse,
  encodeReadyForQuery,
  parseBackendKeyData,
  parseQuery,
  parseReadyForQuery,
  parseStartupPacket,
  SSL_REQUEST_CODE,
  type StartupPacket,
} from './messages.ts';
import { ReadBuffer, writeRead } from './read-buffer.ts';
import { MAYBE_SELECT, quietSelect, type ShapeCache, shapeKey, shapeSeed } from './shape-cache.ts';
import { dropsPrepared, type Interceptable, interceptable } from './split-query.ts';

/** A statement the coordinator may take: what it is, its decision key and its shape (see shape-cache.ts). */
interface Candidate {
  what: Interceptable;
  decisionKey: string;
  shape: number;
}

/** A prepared statement of the client, with what the gateway made of it (computed on first use). */
interface Prepared {
  parse: ParseMessage;
  candidate?: Candidate | null;
}

export interface SessionContext {
  /** The PostgreSQL every session connects to. */
  backend: { host: string; port: number };
  /** 'prefer': TLS to PostgreSQL when it offers it (no certificate check, as libpq's sslmode=prefer). */
  backendTls: 'prefer' | 'disable';
  /** Certificate and key for clients asking for TLS; none: SSLRequest is answered 'N'. */
  tls: tls.SecureContext | undefined;
  coordinator: GatewayCoordinator;
  /** The database the workers read: only sessions on it split. */
  database: string;
  /** Also split statements without an ORDER BY fixing their row order (see plan/order.ts). */
  splitUnordered: boolean;
  /** A client not authenticated within this time is disconnected. */
  authTimeoutMs: number;
  logger: Logger;
  /** Sessions by the BackendKeyData their client got (`pid:secret`), for CancelRequest. */
  byKey: Map<string, Session>;
  /** Shapes of statements that recently ran whole, shared by all sessions. */
  shapes: ShapeCache;
  /** Called for every statement the gateway split (for the dashboard's history and the metrics). */
  onSplit: ((request: QueryRequest, result: QueryResult, ms: number) => void) | undefined;
}

/** Key of a BackendKeyData / CancelRequest pair. */
export const cancelKey = (processId: number, secretKey: number): string => `${processId}:${secretKey}`;

/** Statements longer than this are relayed without being parsed (a 1 MB IN list parses for ~0.5 s). */
const MAX_ANALYZED_LENGTH = 64 * 1024;

/** Extended-protocol messages that may belong to a batch the gateway answers itself. */
const BATCH_TYPES = new Set(['P', 'B', 'D', 'E', 'C', 'S']);

export class Session {
  private phase: 'startup' | 'relay' | 'closed' = 'startup';
  private client: net.Socket;
  private readonly startup = new StartupPacketReader();
  /** Until authenticated, client messages are as short as PostgreSQL allows then (a password, a SASL token). */
  private readonly fromClient = new MessageReader(MAX_AUTH_MESSAGE_LENGTH);
  private readonly fromServer = new MessageReader();
  private server: net.Socket | null = null;
  /** The StartupMessage has reached PostgreSQL: client messages may follow. */
  private serverReady = false;
  /** Client messages not relayed yet. */
  private readonly queue: Message[] = [];
  /** An extended-protocol batch held back until its Sync shows whether the gateway can answer it. */
  private batch: Message[] | null = null;
  /** A statement is being run through the coordinator. */
  private busy = false;
  /** Transaction status of the last ReadyForQuery; null before the first one (not authenticated yet). */
  private status: string | null = null;
  /** Query, Sync and FunctionCall messages relayed and not yet answered by ReadyForQuery. */
  private outstanding = 0;
  /** Extended-protocol messages relayed since the last Sync. */
  private openBatch = false;
  /** Prepared statements the client created with Parse, by name ('' the unnamed one). */
  private readonly statements = new Map<string, Prepared>();
  private readonly channel: BackendChannel;
  /** The plain-TCP backend socket's reads (a TLS socket reads through its own buffers). */
  private readonly backendReads = new ReadBuffer();
  /** Follows the backend's relayed output (see onServerData); the gateway's own exchanges use fromServer. */
  private readonly scanner = new FrameScanner(new Set(['K', 'Z']), (m) =>
    this.noteServerMessage({ type: m.type, body: m.body, raw: m.body }),
  );
  private key: string | undefined;
  /** The user named in the StartupMessage. */
  private user = '';
  /** Seeds the shape keys of this user's statements (a shape found cheap for one role is not for all). */
  private shapeSeed = 0;
  private abort: AbortController | undefined;
  private readonly authTimer: NodeJS.Timeout;

  constructor(
    client: net.Socket,
    private readonly ctx: SessionContext,
    /** Over the gateway's connection limit: answered 53300 once the startup packet arrives. */
    private readonly overLimit = false,
  ) {
    this.client = client;
    client.setNoDelay(true);
    this.attachClient(client);
    client.on('close', () => this.close());
    this.channel = new BackendChannel(
      (frames) => this.server?.write(frames),
      (m) => this.client.write(m.raw),
    );
    this.authTimer = setTimeout(() => {
      if (this.status === null)
        this.fail(new PgError({ code: '57014', message: 'canceling authentication due to timeout' }));
    }, ctx.authTimeoutMs);
    this.authTimer.unref();
  }

  private attachClient(socket: net.Socket): void {
    receiveFrom(socket, (chunk: Buffer) => this.onClientData(chunk));
    socket.on('error', (err) => this.ctx.logger.debug({ err: err.message }, 'client connection error'));
  }

  /** Closes both sides (idempotent). */
  close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    clearTimeout(this.authTimer);
    this.abort?.abort();
    this.channel.fail(new PgError({ code: '08006', message: 'client connection closed' }));
    if (this.key !== undefined && this.ctx.byKey.get(this.key) === this) this.ctx.byKey.delete(this.key);
    this.server?.destroy();
    this.client.end();
    this.client.destroySoon();
  }

  /** A CancelRequest for this session: stops the statement the coordinator runs for it, if any. */
  cancelSplit(): void {
    this.abort?.abort();
  }

  /** @param view bytes read, valid until this returns (see receiveFrom) */
  private onClientData(view: Buffer): void {
    try {
      if (this.phase === 'relay' && this.oneQuery(view)) return;
      const chunk = Buffer.from(view);
      if (this.phase === 'startup') {
        this.startup.push(chunk);
        this.readStartup();
      } else if (this.phase === 'relay') {
        this.fromClient.push(chunk);
        for (let m = this.fromClient.next(); m; m = this.fromClient.next()) this.queue.push(m);
        this.pump();
      }
    } catch (e) {
      this.fail(toPgError(e));
    }
  }

  /**
   * The usual chunk of a client of the simple protocol, one whole Query with nothing before it, taken as
   * `pump` would take it without queueing it (the per-statement cost of the gateway, see the proxy bench).
   * @param chunk bytes read, valid until this returns
   */
  private oneQuery(chunk: Buffer): boolean {
    if (chunk[0] !== 0x51 || chunk.length < 5 || this.queue.length > 0 || this.fromClient.pending > 0)
      return false;
    const len = chunk.readInt32BE(1);
    if (len + 1 !== chunk.length || len > this.fromClient.maxLength) return false;
    if (this.busy || this.batch !== null || !this.serverReady) return false;
    try {
      if (!this.relayQuiet(chunk)) {
        const owned = Buffer.from(chunk);
        this.takeQuery({ type: 'Q', body: owned.subarray(5), raw: owned });
      }
    } catch (e) {
      this.failed(e);
    }
    return true;
  }

  private readStartup(): void {
    for (let packet = this.startup.next(); packet; packet = this.startup.next()) {
      const parsed = parseStartupPacket(packet);
      if (parsed.kind === 'SSLRequest' || parsed.kind === 'GSSENCRequest') {
        if (parsed.kind === 'SSLRequest' && this.ctx.tls) {
          // Nothing may follow an SSLRequest in clear text before the handshake (CVE-2021-23214).
          if (this.startup.rest().length > 0)
            throw protocolViolation('received unencrypted data after SSL request');
          this.client.write('S');
          this.upgradeClient(this.ctx.tls);
          return;
        }
        this.client.write('N'); // no encryption; the client goes on with a StartupMessage
        continue;
      }
      if (parsed.kind === 'CancelRequest') {
        this.forwardCancel(parsed, packet);
        return;
      }
      if (this.overLimit) throw new PgError({ ...tooManyConnections().fields, severity: 'FATAL' });
      if (parsed.version >> 16 !== 3) {
        throw new PgError({
          code: '0A000',
          message: `unsupported frontend protocol ${parsed.version >> 16}.${parsed.version & 0xffff}: server supports 3.0 to 3.0`,
        });
      }
      this.phase = 'relay';
      this.user = parsed.parameters.user ?? '';
      this.shapeSeed = shapeSeed(this.user);
      this.connectBackend(packet).catch((err) => {
        this.ctx.logger.debug({ err: (err as Error).message }, 'PostgreSQL connection failed');
        this.fail(
          new PgError({
            code: '08006',
            message: 'could not connect to the database server',
            detail: String(err),
          }),
        );
      });
      const rest = this.startup.rest();
      if (rest.length > 0) this.onClientData(rest);
      return;
    }
  }

  private upgradeClient(context: tls.SecureContext): void {
    const raw = this.client;
    receiveFrom(raw, null);
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
    this.client = secure;
    this.attachClient(secure);
    secure.on('close', () => this.close());
  }

  private forwardCancel(req: Extract<StartupPacket, { kind: 'CancelRequest' }>, packet: Buffer): void {
    this.phase = 'closed';
    clearTimeout(this.authTimer);
    this.ctx.byKey.get(cancelKey(req.processId, req.secretKey))?.cancelSplit();
    // The key is PostgreSQL's own, so the same bytes cancel the statement on the client's backend.
    const socket = net.connect(this.ctx.backend);
    socket.on('error', (err) => this.ctx.logger.debug({ err: err.message }, 'cancel request failed'));
    socket.on('connect', () => socket.end(packet));
    this.client.destroy();
  }

  /** Connects to PostgreSQL (over TLS when it offers it) and sends the client's StartupMessage. */
  private async connectBackend(startupPacket: Buffer): Promise<void> {
    // Plain TCP reads land in the session's own buffer and are handed on as views (see ReadBuffer); a TLS
    // socket on top of it reads through its own buffers and emits 'data'.
    let received: (view: Buffer) => void = () => {};
    let socket: net.Socket = net.connect({
      ...this.ctx.backend,
      onread: this.backendReads.onread((view) => received(view)),
    });
    socket.setNoDelay(true);
    this.server = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    let secure: tls.TLSSocket | null = null;
    if (this.ctx.backendTls === 'prefer') {
      const request = Buffer.alloc(8);
      request.writeInt32BE(8, 0);
      request.writeInt32BE(SSL_REQUEST_CODE, 4);
      socket.write(request);
      const answer = await new Promise<Buffer>((resolve, reject) => {
        received = (view) => resolve(Buffer.from(view));
        socket.once('error', reject);
        socket.once('close', () => reject(new Error('PostgreSQL closed the connection')));
      });
      received = () => {};
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      if (answer.length !== 1 || (answer[0] !== 0x53 && answer[0] !== 0x4e))
        throw new Error('invalid answer to SSLRequest');
      if (answer[0] === 0x53) {
        const upgraded = tls.connect({ socket, rejectUnauthorized: false });
        await new Promise<void>((resolve, reject) => {
          upgraded.once('secureConnect', resolve);
          upgraded.once('error', reject);
        });
        secure = upgraded;
        socket = upgraded;
        this.server = upgraded;
      }
    }
    if (this.phase === 'closed') {
      socket.destroy();
      return;
    }
    const server = socket;
    if (secure) secure.on('data', (chunk: Buffer) => this.onServerData(chunk));
    else received = (chunk) => this.onServerData(chunk);
    server.on('error', (err) => this.ctx.logger.debug({ err: err.message }, 'PostgreSQL connection error'));
    server.on('close', () => this.close());
    server.on('drain', () => this.client.resume());
    this.client.on('drain', () => server.resume());
    server.write(startupPacket);
    this.serverReady = true;
    this.pump();
  }

  /** @param view bytes read, valid until this returns (see ReadBuffer) */
  private onServerData(view: Buffer): void {
    // Relaying: forward the bytes as they came, only following message boundaries (and reading K and Z).
    if (!this.channel.busy && this.fromServer.pending === 0) {
      try {
        this.scanner.push(view);
      } catch (e) {
        this.ctx.logger.warn({ err: (e as Error).message }, 'malformed message from PostgreSQL');
        this.close();
        return;
      }
      if (!writeRead(this.client, view, this.backendReads)) this.server?.pause();
      if (this.queue.length > 0) this.pump();
      return;
    }
    const chunk = Buffer.from(view);
    const out: Buffer[] = [];
    try {
      this.fromServer.push(chunk);
      for (let m = this.fromServer.next(); m; m = this.fromServer.next()) {
        if (this.channel.busy) {
          if (m.type === 'Z') this.status = parseReadyForQuery(m.body);
          if (out.length > 0) this.client.write(Buffer.concat(out.splice(0)));
          this.channel.handle(m);
          continue;
        }
        this.noteServerMessage(m);
        out.push(m.raw);
      }
    } catch (e) {
      this.ctx.logger.warn({ err: (e as Error).message }, 'malformed message from PostgreSQL');
      this.close();
      return;
    }
    if (out.length > 0 && !this.client.write(Buffer.concat(out))) this.server?.pause();
    this.pump();
  }

  private noteServerMessage(m: Message): void {
    switch (m.type) {
      case 'K': {
        // BackendKeyData: passed through unchanged; remembered so a CancelRequest also stops our chunks.
        const { processId, secretKey } = parseBackendKeyData(m.body);
        this.key = cancelKey(processId, secretKey);
        this.ctx.byKey.set(this.key, this);
        break;
      }
      case 'Z': // ReadyForQuery
        if (this.status === null) {
          clearTimeout(this.authTimer);
          this.fromClient.maxLength = MAX_MESSAGE_LENGTH;
        }
        this.status = parseReadyForQuery(m.body);
        this.channel.status = this.status; // the channel's statements start from the client's state
        if (this.outstanding > 0) this.outstanding--;
        break;
    }
  }

  /** Whether the next client statement may go to the coordinator (nothing else in flight on the backend). */
  private idle(): boolean {
    return (
      (this.status === 'I' || this.status === 'T') &&
      this.outstanding === 0 &&
      !this.openBatch &&
      this.scanner.atBoundary
    );
  }

  /** Relays queued client messages in order, stopping at a statement the coordinator takes. */
  private pump(): void {
    try {
      while (!this.busy && this.phase === 'relay' && this.serverReady && this.queue.length > 0) {
        const m = this.queue.shift() as Message;
        if (this.batch) {
          this.batch.push(m);
          if (m.type === 'S') {
            const batch = this.batch;
            this.batch = null;
            this.runBatch(batch);
          } else if (!BATCH_TYPES.has(m.type)) {
            const batch = this.batch;
            this.batch = null;
            for (const x of batch) this.relay(x);
          }
          continue;
        }
        if (m.type === 'Q') {
          this.takeQuery(m);
          continue;
        }
        if ((m.type === 'P' || m.type === 'B') && this.idle() && this.batchCandidate(m)) {
          this.batch = [m];
          continue;
        }
        this.relay(m);
      }
    } catch (e) {
      this.failed(e);
    }
  }

  /** Ends the session on an error while relaying client messages. */
  private failed(e: unknown): void {
    const err = toPgError(e);
    // A client's malformed message is its own problem (08P01), not the gateway's.
    if (err.code === '08P01') this.ctx.logger.warn({ err: err.message }, 'malformed client message');
    else this.ctx.logger.error({ err: e }, 'gateway session failed');
    this.fail(err);
  }

  /**
   * Relays a whole Query chunk without decoding its text when nothing in it concerns the gateway: quiet
   * (see quietSelect) and not for the coordinator (a statement is in flight, or its shape runs whole).
   */
  private relayQuiet(chunk: Buffer): boolean {
    const end = chunk.length - 1; // the text's terminating NUL
    if (chunk[end] !== 0 || end - 5 > MAX_ANALYZED_LENGTH || !quietSelect(chunk, 5, end)) return false;
    if (this.idle() && !this.ctx.shapes.has(shapeKey(chunk, this.shapeSeed, 5, end))) return false;
    this.relayQuery(chunk, null, readsOf(this.client)); // relayed as read
    return true;
  }

  /** A simple Query: split through the coordinator, or relayed. */
  private takeQuery(m: Message): void {
    // The text is decoded once: the split decision and the relay's own checks both read it.
    const sql = parseQuery(m.body);
    const c = this.idle() ? this.candidate(this.analyze(sql)) : null;
    if (c) this.runQuery(m, c);
    else this.relay(m, sql);
  }

  /** What a statement is to the gateway, from its text alone (null: relayed whatever happens). */
  private analyze(sql: string): Candidate | null {
    // Parsing and planning run on the event loop every session shares: very long statements are relayed.
    if (sql.length > MAX_ANALYZED_LENGTH || !MAYBE_SELECT.test(sql)) return null;
    const shape = shapeKey(sql, this.shapeSeed);
    if (this.ctx.shapes.has(shape)) return null;
    const what = interceptable(sql);
    if (!what) {
      this.ctx.shapes.add(shape);
      return null;
    }
    return { what, decisionKey: decisionKeyOf(this.user, what), shape };
  }

  /** `c` unless its shape is known to run whole (no table, or recently found too cheap to split). */
  private candidate(c: Candidate | null): Candidate | null {
    if (!c) return null;
    if (this.ctx.shapes.has(c.shape)) return null;
    if (this.ctx.coordinator.precheck(c.what.stmt, c.decisionKey) !== null) {
      this.ctx.shapes.add(c.shape);
      return null;
    }
    return c;
  }

  /** The prepared statement's candidate (analysed once per Parse). */
  private preparedCandidate(p: Prepared | undefined): Candidate | null {
    if (!p) return null;
    if (p.candidate === undefined) p.candidate = this.analyze(p.parse.sql);
    return this.candidate(p.candidate);
  }

  /** A Parse of a statement the coordinator may take, or a Bind of one parsed before. */
  private batchCandidate(m: Message): boolean {
    if (m.type === 'P') return this.candidate(this.analyze(parseParseMessage(m.body).sql)) !== null;
    return this.preparedCandidate(this.statements.get(parseBindMessage(m.body).statement)) !== null;
  }

  /** @param text a Query's text when the caller decoded it already */
  private relay(m: Message, text?: string): void {
    switch (m.type) {
      case 'Q': // Query
        this.relayQuery(m.raw, text ?? parseQuery(m.body));
        return;
      case 'P': {
        // Parse
        this.openBatch = true;
        const p = parseParseMessage(m.body);
        this.statements.set(p.name, { parse: p });
        if (mayChangeCatalog(p.sql)) this.ctx.coordinator.invalidateCatalog();
        break;
      }
      case 'C': {
        // Close
        this.openBatch = true;
        const c = parseTarget(m.body);
        if (c.kind === 'S') this.statements.delete(c.name);
        break;
      }
      case 'B': // Bind
      case 'E': // Execute
      case 'D': // Describe
      case 'H': // Flush
        this.openBatch = true;
        break;
      case 'S': // Sync
        this.openBatch = false;
        this.outstanding++;
        break;
      case 'F': // FunctionCall
        this.outstanding++;
        break;
      case 'X': // Terminate
        this.server?.end(m.raw);
        this.close();
        return;
    }
    if (this.server && !this.server.write(m.raw)) this.client.pause();
  }

  /**
   * Relays a Query; `sql` its text, null when quietSelect found nothing in it for the checks below.
   * @param reads the read buffer `raw` is a view of, if it is one
   */
  private relayQuery(raw: Buffer, sql: string | null, reads?: ReadBuffer): void {
    this.outstanding++;
    this.statements.delete(''); // a simple query replaces the unnamed statement
    if (sql !== null && dropsPrepared(sql)) this.statements.clear();
    if (sql !== null && mayChangeCatalog(sql)) this.ctx.coordinator.invalidateCatalog();
    if (this.server && !writeRead(this.server, raw, reads)) this.client.pause();
  }

  /** A simple Query with one SELECT (or EXPLAIN of one). */
  private runQuery(m: Message, c: Candidate): void {
    this.run(
      c,
      {
        what: c.what,
        values: [],
        paramFormats: [],
        declaredTypes: [],
        resultFormats: [],
        simple: true,
        decisionKey: c.decisionKey,
      },
      async () => {
        // PostgreSQL drops the unnamed statement on every simple query (the split answer drops it too).
        this.statements.delete('');
        return true;
      },
      (answer) => [
        answer.rowDescription,
        ...answer.dataRows,
        encodeCommandComplete(answer.tag),
        encodeReadyForQuery(this.status as 'I' | 'T'),
      ],
      () => this.relay(m),
    );
  }

  /** An extended-protocol batch up to Sync: answered by the gateway when it splits, else relayed. */
  private runBatch(batch: Message[]): void {
    let sb: ReturnType<typeof splittableBatch>;
    try {
      sb = splittableBatch(batch);
    } catch {
      sb = null; // PostgreSQL reports the malformed message
    }
    const prepared: Prepared | undefined = sb
      ? sb.parse
        ? { parse: sb.parse }
        : this.statements.get(sb.bind.statement)
      : undefined;
    const c = this.preparedCandidate(prepared);
    const stmt = prepared?.parse;
    if (!sb || !stmt || !c || !prepared) {
      for (const x of batch) this.relay(x);
      return;
    }
    const parsed = sb;
    const rest = parsed.parse ? batch.slice(1) : batch;
    let parseDone = false;
    this.run(
      c,
      {
        what: c.what,
        decisionKey: c.decisionKey,
        values: parsed.bind.values,
        paramFormats: parsed.bind.paramFormats,
        declaredTypes: stmt.paramTypes,
        resultFormats: parsed.bind.resultFormats,
        simple: false,
      },
      async () => {
        if (!parsed.parse) return true;
        // The statement must exist on the backend whatever happens next (the client may use it again).
        this.statements.set(parsed.parse.name, prepared);
        const err = await this.channel.raw([(batch[0] as Message).raw]);
        if (err) {
          this.statements.delete(parsed.parse.name);
          this.client.write(Buffer.concat([err, encodeReadyForQuery(this.status as 'I')]));
          return false;
        }
        parseDone = true;
        return true;
      },
      (answer) => {
        const out: Buffer[] = [];
        for (const x of batch) {
          if (x.type === 'P') out.push(encodeParseComplete());
          else if (x.type === 'B') out.push(encodeBindComplete());
          else if (x.type === 'D') {
            if (parseTarget(x.body).kind === 'S') out.push(...answer.describeStatement);
            else out.push(answer.rowDescription);
          } else if (x.type === 'E') out.push(...answer.dataRows, encodeCommandComplete(answer.tag));
          else if (x.type === 'C') out.push(encodeCloseComplete());
          else if (x.type === 'S') out.push(encodeReadyForQuery(this.status as 'I' | 'T'));
        }
        return out;
      },
      () => {
        if (parseDone) this.client.write(encodeParseComplete());
        for (const x of parseDone ? rest : batch) this.relay(x);
      },
    );
  }

  /**
   * Runs a statement through the coordinator: `before` (false: already answered), then the split; its answer
   * goes out as `encode` gives it; a passthrough plan or a failed split runs the statement on the backend
   * (`relay`), which gives PostgreSQL's own answer. A cancel answers 57014.
   */
  private run(
    c: Candidate,
    req: InterceptRequest,
    before: () => Promise<boolean | undefined>,
    encode: (answer: InterceptAnswer) => Buffer[],
    relay: () => void,
  ): void {
    const abort = new AbortController();
    const ictx: InterceptContext = {
      channel: this.channel,
      coordinator: this.ctx.coordinator,
      database: this.ctx.database,
      splitUnordered: this.ctx.splitUnordered,
      logger: this.ctx.logger,
      signal: abort.signal,
    };
    this.busy = true;
    this.abort = abort;
    const started = performance.now();
    const go = async () => {
      if ((await before()) === false) return;
      let answer: InterceptAnswer | null = null;
      try {
        answer = await intercept(req, ictx);
      } catch (err) {
        if (this.phase !== 'relay') return;
        if (abort.signal.aborted) {
          await this.answerCancel();
          return;
        }
        this.ctx.logger.info(
          { err: toPgError(err).message },
          'split failed; running the statement on the session',
        );
      }
      if (this.phase !== 'relay') return;
      // Found too cheap to split: statements of this shape are relayed at once for a while.
      if (answer === null && this.ctx.coordinator.precheck(c.what.stmt, c.decisionKey) !== null)
        this.ctx.shapes.add(c.shape);
      if (answer === null) relay();
      else {
        if (!this.client.write(Buffer.concat(encode(answer)))) this.server?.pause();
        if (answer.result) {
          try {
            this.ctx.onSplit?.(
              { sql: req.what.sql, mode: 'auto' },
              answer.result,
              performance.now() - started,
            );
          } catch (err) {
            this.ctx.logger.warn({ err }, 'recording a split statement failed');
          }
        }
      }
    };
    go()
      .catch((err) => {
        this.ctx.logger.error({ err }, 'gateway statement failed');
        this.fail(toPgError(err));
      })
      .finally(() => {
        this.abort = undefined;
        this.busy = false;
        this.pump();
      });
  }

  /** The client cancelled a split statement: 57014 as PostgreSQL says it; a transaction block fails with it. */
  private async answerCancel(): Promise<void> {
    if (this.status === 'T') {
      await this.channel
        .query(
          "DO $mb$BEGIN RAISE EXCEPTION USING ERRCODE = 'query_canceled', MESSAGE = 'canceling statement due to user request'; END$mb$",
        )
        .catch(() => {});
    }
    this.client.write(
      Buffer.concat([encodeErrorResponse(queryCanceled()), encodeReadyForQuery((this.status ?? 'I') as 'I')]),
    );
  }

  /** Answers a fatal error and closes this connection only. */
  private fail(err: PgError): void {
    if (this.phase === 'closed') return;
    this.client.write(encodeErrorResponse(new PgError({ ...err.fields, severity: 'FATAL' })));
    this.close();
  }
}
