// Writes a chunk's NDJSON response: fields, rows in bounded batches, then done/error; reports backpressure.
import type { Writable } from 'node:stream';
import type { ChunkLine, FieldInfo } from './protocol.ts';

export interface BatchLimits {
  /** Flush a rows line after this many rows... */
  rows: number;
  /** ...or once the batch holds about this many bytes of JSON. */
  bytes: number;
}

export const DEFAULT_BATCH: BatchLimits = { rows: 500, bytes: 64 * 1024 };

/**
 * Buffers rows into `{"rows":[...]}` lines. A partial batch is flushed on the next turn of the event loop,
 * so rows arriving in one socket read leave together and a slow trickle is not held back.
 *
 * @example
 *   const out = new NdjsonWriter(res);
 *   out.line({ fields });
 *   for (const r of rows) if (!out.row(r)) await out.drained();
 *   out.end({ done: { rows: n, ms } });
 */
export class NdjsonWriter {
  private parts: string[] = [];
  private bytes = 0;
  private scheduled: NodeJS.Immediate | null = null;
  private ended = false;

  constructor(
    private readonly out: Writable,
    private readonly limits: BatchLimits = DEFAULT_BATCH,
  ) {}

  /** Writes a non-row line (after any buffered rows). */
  line(value: ChunkLine): void {
    this.flush();
    this.write(`${JSON.stringify(value)}\n`);
  }

  fields(fields: FieldInfo[]): void {
    this.line({ fields });
  }

  /** Buffers one row; returns false when the reader is behind and the producer should pause. */
  row(values: (string | null)[]): boolean {
    if (this.ended) return true;
    const json = JSON.stringify(values);
    this.parts.push(json);
    this.bytes += json.length + 1;
    if (this.parts.length >= this.limits.rows || this.bytes >= this.limits.bytes) this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
    return !this.out.writableNeedDrain;
  }

  /** Resolves when the reader has caught up (or the response is gone). */
  drained(): Promise<void> {
    if (!this.out.writableNeedDrain || this.out.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.out.off('drain', done);
        this.out.off('close', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
    });
  }

  /** Writes buffered rows as one line. */
  flush(): void {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = null;
    }
    if (this.parts.length === 0) return;
    const line = `{"rows":[${this.parts.join(',')}]}\n`;
    this.parts = [];
    this.bytes = 0;
    this.write(line);
  }

  /** Writes the final line and ends the response. */
  end(last: ChunkLine): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    if (!this.out.destroyed) this.out.end(`${JSON.stringify(last)}\n`);
  }

  private write(text: string): void {
    if (this.ended || this.out.destroyed) return;
    this.out.write(text);
  }
}
