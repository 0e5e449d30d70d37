// Follows message boundaries in a byte stream without copying it, so relayed backend output can be forwarded
// chunk by chunk as it came; only the bodies of the few messages the gateway must read are collected.
import { invalidLength, MAX_MESSAGE_LENGTH } from './message-reader.ts';

export interface ScannedMessage {
  type: string;
  /** A view of the pushed chunk when the message came whole in one: read it in the callback, or copy it. */
  body: Buffer;
}

/** Header bytes: type + int32 length. */
const HEADER = 5;

export class FrameScanner {
  /** Header bytes received so far of a header cut between chunks. */
  private readonly header = Buffer.alloc(HEADER);
  private headerLength = 0;
  private type = 0;
  /** Body bytes of the current message still to come. */
  private need = 0;
  /** Pieces of a wanted body cut between chunks. */
  private body: Buffer[] = [];
  private keep = false;
  /** Wanted types by byte value. */
  private readonly wantedCodes: Uint8Array = new Uint8Array(256);

  /** @param wanted types whose (small) bodies are handed to `onMessage`; the rest are only counted. */
  constructor(
    wanted: ReadonlySet<string>,
    private readonly onMessage: (m: ScannedMessage) => void,
  ) {
    for (const t of wanted) this.wantedCodes[t.charCodeAt(0)] = 1;
  }

  /** Between two messages: nothing of a message pending. */
  get atBoundary(): boolean {
    return this.need === 0 && this.headerLength === 0;
  }

  /** Reads `chunk`, which the caller may reuse once this returns; throws a 08P01 PgError on an impossible length. */
  push(chunk: Buffer): void {
    let i = 0;
    const end = chunk.length;
    while (i < end) {
      if (this.need > 0) {
        const n = Math.min(this.need, end - i);
        // Copied: the rest of this body comes in a later chunk, and the caller may reuse this one by then.
        if (this.keep) this.body.push(Buffer.from(chunk.subarray(i, i + n)));
        i += n;
        this.need -= n;
        if (this.need === 0) this.finish();
        continue;
      }
      if (this.headerLength === 0 && end - i >= HEADER) {
        // The common case: a whole header in this chunk, read in place; mostly the whole message too.
        const type = chunk[i] as number;
        const len = chunk.readInt32BE(i + 1);
        const next = i + 1 + len;
        if (len >= 4 && len <= MAX_MESSAGE_LENGTH && next <= end) {
          if (this.wantedCodes[type] === 1)
            this.onMessage({ type: String.fromCharCode(type), body: chunk.subarray(i + HEADER, next) });
          i = next;
          continue;
        }
        this.start(type, len);
        i += HEADER;
        continue;
      }
      this.header[this.headerLength++] = chunk[i++] as number;
      if (this.headerLength < HEADER) continue;
      this.headerLength = 0;
      this.start(this.header[0] as number, this.header.readInt32BE(1));
    }
  }

  private start(type: number, len: number): void {
    if (len < 4 || len > MAX_MESSAGE_LENGTH) throw invalidLength();
    this.type = type;
    this.keep = this.wantedCodes[type] === 1;
    this.need = len - 4;
    if (this.need === 0) this.finish();
  }

  private finish(): void {
    if (this.keep) {
      // The pieces of several chunks, joined.
      const body = Buffer.concat(this.body);
      this.body = [];
      this.keep = false;
      this.onMessage({ type: String.fromCharCode(this.type), body });
    }
  }
}
