// Follows message boundaries in a byte stream without copying it, so relayed backend output can be forwarded
// chunk by chunk as it came; only the bodies of the few messages the gateway must read are collected.
import { invalidLength, MAX_MESSAGE_LENGTH } from './message-reader.ts';

export interface ScannedMessage {
  type: string;
  body: Buffer;
}

export class FrameScanner {
  private header: number[] = [];
  private type = '';
  /** Body bytes of the current message still to come. */
  private need = 0;
  private body: number[] = [];
  private keep = false;

  /** @param wanted types whose (small) bodies are handed to `onMessage`; the rest are only counted. */
  constructor(
    private readonly wanted: ReadonlySet<string>,
    private readonly onMessage: (m: ScannedMessage) => void,
  ) {}

  /** Between two messages: nothing of a message pending. */
  get atBoundary(): boolean {
    return this.need === 0 && this.header.length === 0;
  }

  /** Reads `chunk`; throws a 08P01 PgError on an impossible length. */
  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.need > 0) {
        const n = Math.min(this.need, chunk.length - i);
        if (this.keep) for (let k = 0; k < n; k++) this.body.push(chunk[i + k] as number);
        i += n;
        this.need -= n;
        if (this.need === 0) this.finish();
        continue;
      }
      this.header.push(chunk[i++] as number);
      if (this.header.length < 5) continue;
      const h = Buffer.from(this.header);
      this.header = [];
      const len = h.readInt32BE(1);
      if (len < 4 || len > MAX_MESSAGE_LENGTH) throw invalidLength();
      this.type = String.fromCharCode(h[0] as number);
      this.keep = this.wanted.has(this.type);
      this.body = [];
      this.need = len - 4;
      if (this.need === 0) this.finish();
    }
  }

  private finish(): void {
    if (this.keep) this.onMessage({ type: this.type, body: Buffer.from(this.body) });
    this.keep = false;
    this.body = [];
  }
}
