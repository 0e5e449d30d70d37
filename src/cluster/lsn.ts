// WAL positions (pg_lsn `X/Y` text) as bigints: parsing, printing, and the end of the WAL inserted so far.

/**
 * `'16/B374D848'` → 0x16B374D848n.
 *
 * @example
 *   parseLsn('0/3000060'); // 50331744n
 */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text.trim());
  if (!m) throw new TypeError(`not a WAL position: ${JSON.stringify(text)}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** 0x16B374D848n → `'16/B374D848'` (PostgreSQL's own spelling). */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Page header sizes of a WAL page (short) and of the first page of a segment (long), 64-bit builds. */
const SHORT_HEADER = 24n;
const LONG_HEADER = 40n;

/**
 * The end of the last WAL record inserted, from `pg_current_wal_insert_lsn()`. That function answers where
 * the next record starts, which is past the page header when the last record filled its page exactly; a
 * standby's replay position then stops at the page boundary and would never "reach" the insert position.
 * Such a position is moved back to the boundary (what PostgreSQL calls the end pointer of the same byte
 * position).
 *
 * @example
 *   insertEnd(parseLsn('0/2000018'), 8192, 16 << 20); // the page boundary 0/2000000
 */
export function insertEnd(lsn: bigint, walBlockSize: number, walSegmentSize: number): bigint {
  const inSegment = lsn % BigInt(walSegmentSize);
  if (inSegment === LONG_HEADER) return lsn - LONG_HEADER;
  const inPage = lsn % BigInt(walBlockSize);
  if (inPage === SHORT_HEADER && inSegment !== SHORT_HEADER) return lsn - SHORT_HEADER;
  return lsn;
}
