// Maps a SQLSTATE to the HTTP status the API answers with: user errors 4xx, unavailability 503, bugs 500.

/** Specific codes first, then two-character classes; anything else is the client's statement's fault (400). */
const BY_CODE: Record<string, number> = {
  '54000': 413, // program_limit_exceeded: we use it for oversized bodies too
  '57014': 400, // query_canceled (statement timeout, user request)
};

const BY_CLASS: Record<string, number> = {
  '08': 503, // connection exception: a worker or PostgreSQL unreachable
  '53': 503, // insufficient resources
  '57': 503, // operator intervention (57P01 admin shutdown, 57P03 cannot connect now)
  '58': 500, // system error
  XX: 500, // internal error
};

/**
 * The HTTP status for an error with this SQLSTATE.
 *
 * @example
 *   httpStatusFor('42P01'); // 400
 *   httpStatusFor('08006'); // 503
 */
export function httpStatusFor(code: string): number {
  if (code === '08P01') return 400; // protocol violation: the request itself is malformed
  return BY_CODE[code] ?? BY_CLASS[code.slice(0, 2)] ?? 400;
}
