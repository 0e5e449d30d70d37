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
/** PostgreSQL rejects messages above 1 GB (PQ_LARGE_MESSAGE_LIMIT is 1 GB - 1). */
export const MAX_MESSAGE_LENGTH = 0x3fff_ffff;

/** Accumulates chunks and cuts them into frames; frames that span chunks are reassembled. */
class ByteQueue {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  get length(): number {
    return this.buf.length;
  }

  peekInt32(at: number): number {
    return this.buf.readInt32BE(at);
  }

  take(n: number): Buffer {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** The bytes received but not framed yet (handed on when the protocol phase changes). */
  rest(): Buffer {
    return this.take(this.buf.length);
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

  constructor(private readonly maxLength = MAX_MESSAGE_LENGTH) {}

  push(chunk: Buffer): void {
    this.queue.push(chunk);
  }

  /** The next whole message, or null; throws a 08P01 PgError on an impossible length. */
  next(): Message | null {
    if (this.queue.length < 5) return null;
    const len = this.queue.peekInt32(1);
    if (len < 4 || len > this.maxLength) throw invalidLength();
    if (this.queue.length < len + 1) return null;
    const raw = Buffer.from(this.queue.take(len + 1));
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
