// A socket's own read buffer (Node's `onread`): reads land in it and are handed on as views, not copies.
import type net from 'node:net';

/** Bytes per read: PostgreSQL sends at most 8 kB per write; a client's larger writes take a few reads. */
export const READ_SIZE = 16 * 1024;

/**
 * The read buffer of one socket. Each read is handed to the receiver as a view of the buffer, valid until
 * the receiver returns: a receiver that keeps the bytes (queues them, or hands them to a write that did not
 * complete at once) either copies them or calls `keep()`, after which the next read goes to a new buffer.
 * The common relay step (read, look, write that completes at once) thus copies nothing.
 */
export class ReadBuffer {
  private buffer = Buffer.allocUnsafeSlow(READ_SIZE);

  /** The socket's `onread` option, delivering each read to `receive`. */
  onread(receive: (view: Buffer) => void): {
    buffer: () => Uint8Array;
    callback: (n: number, buf: Uint8Array) => boolean;
  } {
    return {
      // Node asks for the buffer of the next read after every read.
      buffer: () => this.buffer,
      callback: (n, buf) => {
        receive((buf as Buffer).subarray(0, n));
        return true;
      },
    };
  }

  /** The last view handed out stays in use: the next read goes to a new buffer. */
  keep(): void {
    this.buffer = Buffer.allocUnsafeSlow(READ_SIZE);
  }
}

/**
 * Writes `view`, a read of `reads`, to `to`. A write that does not complete at once holds the view, so
 * `reads` then moves on to a new buffer (no buffer: the view was a copy already). Returns what write() does.
 */
export function writeRead(to: net.Socket, view: Buffer, reads: ReadBuffer | undefined): boolean {
  const flowing = to.write(view);
  if (to.writableLength > 0) reads?.keep();
  return flowing;
}
