// Builds COPY text rows straight into a byte buffer, so generating millions of rows creates no per-field strings.
import { copyText } from './copy.ts';

const TAB = 9;
const NEWLINE = 10;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;

/**
 * An append-only byte buffer for COPY text format. `ascii` and `bytes` write generated values as they are
 * (the caller knows they need no escaping); `text` escapes and UTF-8 encodes arbitrary strings.
 *
 * @example
 *   const w = new CopyWriter();
 *   w.int(1).tab().ascii('AFRICA').tab().cents(-5).end();
 *   w.take().toString(); // '1\tAFRICA\t-0.05\n'
 */
export class CopyWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(capacity = 1 << 20) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Bytes written since the last `take`. */
  get length(): number {
    return this.pos;
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** Field separator. */
  tab(): this {
    this.reserve(1);
    this.buf[this.pos++] = TAB;
    return this;
  }

  /** Row terminator. */
  end(): this {
    this.reserve(1);
    this.buf[this.pos++] = NEWLINE;
    return this;
  }

  /** A string known to be ASCII without tab, newline, carriage return or backslash, written unescaped. */
  ascii(value: string): this {
    const n = value.length;
    this.reserve(n);
    const buf = this.buf;
    let at = this.pos;
    for (let i = 0; i < n; i++) buf[at++] = value.charCodeAt(i);
    this.pos = at;
    return this;
  }

  /** Bytes `source[from, to)` known to need no escaping (e.g. a slice of the TPC-H text pool). */
  bytes(source: Uint8Array, from: number, to: number): this {
    this.reserve(to - from);
    const buf = this.buf;
    let at = this.pos;
    for (let i = from; i < to; i++) buf[at++] = source[i] ?? 0;
    this.pos = at;
    return this;
  }

  /** Any string (or NULL), escaped for COPY and UTF-8 encoded. */
  text(value: string | null): this {
    const escaped = copyText(value);
    this.reserve(Buffer.byteLength(escaped));
    this.pos += this.buf.write(escaped, this.pos, 'utf8');
    return this;
  }

  /** A safe integer in decimal. */
  int(value: number): this {
    let n = value;
    if (n < 0) {
      this.reserve(1);
      this.buf[this.pos++] = MINUS;
      n = -n;
    }
    let digits = 1;
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    this.reserve(digits);
    let at = this.pos + digits;
    do {
      this.buf[--at] = ZERO + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
    this.pos += digits;
    return this;
  }

  /** An integer number of cents as a decimal with two places (`-5` → `-0.05`). */
  cents(value: number): this {
    const abs = value < 0 ? -value : value;
    const whole = Math.floor(abs / 100);
    const fraction = abs - whole * 100;
    if (value < 0) {
      this.reserve(1);
      this.buf[this.pos++] = MINUS;
    }
    this.int(whole);
    this.reserve(3);
    this.buf[this.pos++] = DOT;
    this.buf[this.pos++] = ZERO + Math.floor(fraction / 10);
    this.buf[this.pos++] = ZERO + (fraction % 10);
    return this;
  }

  /** The bytes written so far, copied out (the writer keeps its buffer and starts over). */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    return out;
  }

  /** Discards what was written. */
  reset(): this {
    this.pos = 0;
    return this;
  }
}

const shared = new CopyWriter();

/**
 * The process-wide scratch writer, emptied. Renderers are synchronous and `take()` before returning, so
 * concurrent loads cannot interleave in it.
 */
export function scratchWriter(): CopyWriter {
  return shared.reset();
}
