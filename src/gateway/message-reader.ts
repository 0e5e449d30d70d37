// Framing of the PostgreSQL protocol 3.0 byte stream: the untyped startup packet and typed messages.
import { protocolViolation } from '../errors/codes.ts';
import type { PgError } from '../errors/pg-error.ts';

/** A typed message as it came over the wire: type byte, body, and the exact bytes to relay. */
export interface Message {
  /** The type byte as a character ('Q', 'Z', ...). */
  type: string;
  /** The body after the int32 length. */
  body: Buffer;
  /** Type byte + length + body, unchanged. */
  raw: Buffer;
}

/** PostgreSQL's own limit for a startup packet (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_PACKET_LENGTH = 10_000;
/** PostgreSQL's limit for a message before authentication completes (PG_MAX_AUTH_TOKEN_LENGTH). */
export const MAX_AUTH_MESSAGE_LENGTH = 65_535;
/** PostgreSQL rejects messages above 1 GB (PQ_LARGE_MESSAGE_LIMIT is 1 GB - 1). */
export const MAX_MESSAGE_LENGTH = 0x3fff_ffff;

/**
 * Accumulates chunks and cuts them into frames; frames that span chunks are reassembled once (a chunk list,
 * so a large frame arriving in many pieces costs linear, not quadratic, copying).
 */
class ByteQueue {
  private chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first chunk, merged with the following ones until it holds at least `n` bytes (n <= length). */
  private head(n: number): Buffer {
    const first = this.chunks[0] ?? Buffer.alloc(0);
    if (first.length >= n) return first;
    let take = 0;
    let size = 0;
    while (size < n) size += (this.chunks[take++] as Buffer).length;
    const merged = Buffer.concat(this.chunks.slice(0, take), size);
    this.chunks.splice(0, take, merged);
    return merged;
  }

  peekInt32(at: number): number {
    return this.head(at + 4).readInt32BE(at);
  }

  take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.head(n);
    const out = first.subarray(0, n);
    if (first.length > n) this.chunks[0] = first.subarray(n);
    else this.chunks.shift();
    this.length -= n;
    return out;
  }

  /** The bytes received but not framed yet (handed on when the protocol phase changes). */
  rest(): Buffer {
    return this.take(this.length);
  }
}

/**
 * Reads startup packets (int32 length including itself, then the payload: protocol version or request
 * code and parameters). Returns null until a whole packet is there.
 */
export class StartupPacketReader {
  private readonly queue = new ByteQueue();

  push(chunk: Buffer): void {
    this.queue.push(chunk);
  }

  /** The next whole packet (length prefix included), or null; throws a 08P01 PgError on a bad length. */
  next(): Buffer | null {
    if (this.queue.length < 4) return null;
    const len = this.queue.peekInt32(0);
    if (len < 8 || len > MAX_STARTUP_PACKET_LENGTH) throw invalidLength();
    if (this.queue.length < len) return null;
    return Buffer.from(this.queue.take(len));
  }

  rest(): Buffer {
    return this.queue.rest();
  }
}

/** Reads typed messages (byte type, int32 length including itself, body). */
export class MessageReader {
  private readonly queue = new ByteQueue();

  /** The longest message accepted; may be raised later (PostgreSQL allows less before authentication). */
  constructor(public maxLength = MAX_MESSAGE_LENGTH) {}

  /** `chunk` becomes the reader's: the messages it yields are views of it, so it must not be reused. */
  push(chunk: Buffer): void {
    this.queue.push(chunk);
  }

  /** Bytes received and not yet cut into messages. */
  get pending(): number {
    return this.queue.length;
  }

  /** The next whole message, or null; throws a 08P01 PgError on an impossible length. */
  next(): Message | null {
    if (this.queue.length < 5) return null;
    const len = this.queue.peekInt32(1);
    if (len < 4 || len > this.maxLength) throw invalidLength();
    if (this.queue.length < len + 1) return null;
    // A view, not a copy: the chunks pushed are the reader's (see push).
    const raw = this.queue.take(len + 1);
    return { type: String.fromCharCode(raw[0] as number), body: raw.subarray(5), raw };
  }

  /** Every whole message available now. */
  drain(): Message[] {
    const out: Message[] = [];
    for (let m = this.next(); m; m = this.next()) out.push(m);
    return out;
  }
}

export const invalidLength = (): PgError => protocolViolation('invalid message length');
