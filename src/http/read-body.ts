// Reads an HTTP request body into a string, refusing bodies above a size limit (answered with 413).
import type { IncomingMessage } from 'node:http';

/** Thrown by `readBody` when the body is larger than the limit. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Past this many bytes an oversized body is no longer drained politely: the connection is dropped. */
const DRAIN_FACTOR = 16;

/**
 * Reads the whole body as UTF-8. An oversized body is drained (so the 413 reaches a client that is still
 * sending) unless it is absurdly large, then rejected with `BodyTooLargeError`.
 *
 * @example
 *   const text = await readBody(req, 1024 * 1024);
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? 0) > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (tooLarge) {
        chunks.length = 0;
        if (size > limit * DRAIN_FACTOR) req.socket.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) reject(new BodyTooLargeError(limit));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('request aborted while reading the body'));
    });
  });
}
