// One client connection: startup, relay to its own PostgreSQL backend, and single SELECTs split by the coordinator.
import net from 'node:net';
import type { Logger } from 'pino';
import { PgError, toPgError } from '../errors/pg-error.ts';
import { type Message, MessageReader, StartupPacketReader } from './message-reader.ts';
import {
  encodeErrorResponse,
  parseBackendKeyData,
  parseParse,
  parseQuery,
  parseReadyForQuery,
  parseStartupPacket,
  type StartupPacket,
} from './messages.ts';
import {
  changesSession,
  type GatewayCoordinator,
  neutralStartup,
  runSplitQuery,
  singleSelect,
} from './split-query.ts';

export interface SessionContext {
  /** The PostgreSQL every session connects to. */
  backend: { host: string; port: number };
  coordinator: GatewayCoordinator;
  /** The coordinator's role and database: only sessions of the same ones can split. */
  user: string;
  database: string;
  logger: Logger;
  /** Sessions by the BackendKeyData their client got (`pid:secret`), for CancelRequest. */
  byKey: Map<string, Session>;
}

/** Key of a BackendKeyData / CancelRequest pair. */
export const cancelKey = (processId: number, secretKey: number): string => `${processId}:${secretKey}`;

export class Session {
  private phase: 'startup' | 'relay' | 'closed' = 'startup';
  private readonly startup = new StartupPacketReader();
  private readonly fromClient = new MessageReader();
  private readonly fromServer = new MessageReader();
  private server: net.Socket | null = null;
  /** Client messages waiting while a split query runs. */
  private readonly queue: Message[] = [];
  private splitting = false;
  /** Transaction status of the last ReadyForQuery; null before the first one. */
  private status: string | null = null;
  /** Query, Sync and FunctionCall messages relayed and not yet answered by ReadyForQuery. */
  private outstanding = 0;
  /** Extended-protocol messages relayed since the last Sync. */
  private openBatch = false;
  /** Whether this session may differ from the coordinator's connections (user, settings, temp objects). */
  private tainted = true;
  private key: string | undefined;
  private abort: AbortController | undefined;

  constructor(
    private readonly client: net.Socket,
    private readonly ctx: SessionContext,
  ) {
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.onClientData(chunk));
    client.on('error', (err) => ctx.logger.debug({ err: err.message }, 'client connection error'));
    client.on('close', () => this.close());
  }

  /** Closes both sides (idempotent). */
  close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.abort?.abort();
    if (this.key !== undefined && this.ctx.byKey.get(this.key) === this) this.ctx.byKey.delete(this.key);
    this.server?.destroy();
    this.client.end();
    this.client.destroySoon();
  }

  /** A CancelRequest for this session: stops the split query it is running, if any. */
  cancelSplit(): void {
    this.abort?.abort();
  }

  private onClientData(chunk: Buffer): void {
    try {
      if (this.phase === 'startup') {
        this.startup.push(chunk);
        this.readStartup();
      } else if (this.phase === 'relay') {
        this.fromClient.push(chunk);
        this.queue.push(...this.fromClient.drain());
        this.pump();
      }
    } catch (e) {
      this.fail(toPgError(e));
    }
  }

  private readStartup(): void {
    for (let packet = this.startup.next(); packet; packet = this.startup.next()) {
      const parsed = parseStartupPacket(packet);
      if (parsed.kind === 'SSLRequest' || parsed.kind === 'GSSENCRequest') {
        this.client.write('N'); // no encryption; the client goes on with a StartupMessage
        continue;
      }
      if (parsed.kind === 'CancelRequest') {
        this.forwardCancel(parsed, packet);
        return;
      }
      this.connectBackend(parsed, packet);
      const rest = this.startup.rest();
      if (rest.length > 0) this.onClientData(rest);
      return;
    }
  }

  private forwardCancel(req: Extract<StartupPacket, { kind: 'CancelRequest' }>, packet: Buffer): void {
    this.phase = 'closed';
    this.ctx.byKey.get(cancelKey(req.processId, req.secretKey))?.cancelSplit();
    // The key is PostgreSQL's own, so the same bytes cancel the statement on the client's backend.
    const socket = net.connect(this.ctx.backend);
    socket.on('error', (err) => this.ctx.logger.debug({ err: err.message }, 'cancel request failed'));
    socket.on('connect', () => socket.end(packet));
    this.client.destroy();
  }

  private connectBackend(startup: Extract<StartupPacket, { kind: 'StartupMessage' }>, packet: Buffer): void {
    this.phase = 'relay';
    const params = startup.parameters;
    const user = params.user ?? '';
    this.tainted =
      user !== this.ctx.user || (params.database ?? user) !== this.ctx.database || !neutralStartup(params);
    const server = net.connect(this.ctx.backend);
    this.server = server;
    server.setNoDelay(true);
    server.on('data', (chunk: Buffer) => this.onServerData(chunk));
    server.on('error', (err) => {
      this.ctx.logger.debug({ err: err.message }, 'PostgreSQL connection error');
      if (this.status === null && this.phase !== 'closed') {
        this.fail(
          new PgError({
            code: '08006',
            message: 'could not connect to the database server',
            detail: err.message,
          }),
        );
      }
    });
    server.on('close', () => this.close());
    server.on('drain', () => this.client.resume());
    this.client.on('drain', () => server.resume());
    server.write(packet);
  }

  private onServerData(chunk: Buffer): void {
    let messages: Message[];
    try {
      this.fromServer.push(chunk);
      messages = this.fromServer.drain();
      for (const m of messages) this.noteServerMessage(m);
    } catch (e) {
      this.ctx.logger.warn({ err: (e as Error).message }, 'malformed message from PostgreSQL');
      this.close();
      return;
    }
    if (messages.length === 0) return;
    if (!this.client.write(Buffer.concat(messages.map((m) => m.raw)))) this.server?.pause();
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
        this.status = parseReadyForQuery(m.body);
        if (this.outstanding > 0) this.outstanding--;
        break;
      case 'S': // ParameterStatus after start-up: a reported setting changed
        if (this.status !== null) this.tainted = true;
        break;
    }
  }

  /** Relays queued client messages in order, stopping at a Query the coordinator takes. */
  private pump(): void {
    try {
      while (!this.splitting && this.phase === 'relay' && this.queue.length > 0) {
        const m = this.queue.shift() as Message;
        if (this.maySplit(m)) {
          this.split(m);
          return;
        }
        this.relay(m);
      }
    } catch (e) {
      this.ctx.logger.error({ err: e }, 'gateway session failed');
      this.fail(toPgError(e));
    }
  }

  private maySplit(m: Message): boolean {
    return (
      m.type === 'Q' &&
      !this.tainted &&
      this.status === 'I' &&
      this.outstanding === 0 &&
      !this.openBatch &&
      singleSelect(parseQuery(m.body))
    );
  }

  private split(m: Message): void {
    this.splitting = true;
    const abort = new AbortController();
    this.abort = abort;
    runSplitQuery(this.ctx.coordinator, parseQuery(m.body), abort.signal, this.ctx.logger)
      .then((answer) => {
        if (this.phase !== 'relay') return;
        if (answer === null) this.relay(m);
        else if (!this.client.write(Buffer.concat(answer))) this.server?.pause();
      })
      .catch((err) => {
        this.ctx.logger.error({ err }, 'split query failed');
        this.fail(toPgError(err));
      })
      .finally(() => {
        this.abort = undefined;
        this.splitting = false;
        this.pump();
      });
  }

  private relay(m: Message): void {
    switch (m.type) {
      case 'Q': // Query
        this.outstanding++;
        if (!this.tainted && changesSession(parseQuery(m.body))) this.tainted = true;
        break;
      case 'P': // Parse
        this.openBatch = true;
        if (!this.tainted && changesSession(parseParse(m.body))) this.tainted = true;
        break;
      case 'B': // Bind
      case 'E': // Execute
      case 'D': // Describe
      case 'C': // Close
      case 'H': // Flush
        this.openBatch = true;
        break;
      case 'S': // Sync
        this.openBatch = false;
        this.outstanding++;
        break;
      case 'F': // FunctionCall
        this.outstanding++;
        this.tainted = true;
        break;
      case 'X': // Terminate
        this.server?.end(m.raw);
        this.close();
        return;
    }
    if (this.server && !this.server.write(m.raw)) this.client.pause();
  }

  /** Answers a fatal error and closes this connection only. */
  private fail(err: PgError): void {
    if (this.phase === 'closed') return;
    this.client.write(encodeErrorResponse(new PgError({ ...err.fields, severity: 'FATAL' })));
    this.close();
  }
}
