// Streams generated rows into PostgreSQL with COPY FROM STDIN (text format), with backpressure and progress.
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** Rows already rendered as COPY text lines (UTF-8 bytes or a string), and how many there are. */
export interface CopyBatch {
  data: Buffer | string;
  rows: number;
}

/** COPY text format's NULL marker. */
export const COPY_NULL = '\\N';

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * Escapes a value for COPY text format (backslash, tab, newline, carriage return); `null` becomes `\N`.
 *
 * @example
 *   copyText('a\tb'); // 'a\\tb'
 *   copyText(null);   // '\\N'
 */
export function copyText(value: string | null): string {
  if (value === null) return COPY_NULL;
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] ?? c);
}

/** Renders one COPY line from already formatted fields (`null` is NULL; text is escaped). */
export function copyLine(fields: readonly (string | number | boolean | null)[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] ?? null;
    if (i > 0) line += '\t';
    line += typeof field === 'string' || field === null ? copyText(field) : String(field);
  }
  return `${line}\n`;
}

/**
 * Runs `COPY table FROM STDIN` and streams the batches into it; the next batch is generated only when the
 * socket has drained, so memory stays flat. Calls `onRows` with each batch's row count once it is sent.
 * Resolves with the row count the server reports. `freeze` needs the table created in the same transaction.
 *
 * @example
 *   await copyBatches(client, 'region', [{ data: '0\tAFRICA\tx\n', rows: 1 }]);
 */
export async function copyBatches(
  client: pg.ClientBase,
  table: string,
  batches: Iterable<CopyBatch>,
  onRows?: (rows: number) => void,
  options: { freeze?: boolean } = {},
): Promise<number> {
  const stream = client.query(copyFrom(`COPY ${table} FROM STDIN${options.freeze ? ' WITH (FREEZE)' : ''}`));
  await pipeline(async function* () {
    for (const batch of batches) {
      yield batch.data;
      onRows?.(batch.rows);
    }
  }, stream);
  return stream.rowCount;
}

/**
 * Splits `units` generation units into batches of about `perBatch` and renders each with `render`.
 *
 * @example
 *   copyBatches(client, 'part', rangeBatches(2000, 1000, (from, to) => renderParts(ctx, from, to)));
 */
export function* rangeBatches(
  units: number,
  perBatch: number,
  render: (from: number, to: number) => CopyBatch,
): Generator<CopyBatch> {
  for (let from = 0; from < units; from += perBatch) {
    yield render(from, Math.min(units, from + perBatch));
  }
}
