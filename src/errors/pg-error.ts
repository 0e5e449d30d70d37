// The one error type of Mini-Balancer: a PostgreSQL error (severity, SQLSTATE, message, detail, hint, position).

export interface PgErrorFields {
  severity?: string;
  code: string;
  message: string;
  detail?: string | undefined;
  hint?: string | undefined;
  position?: string | undefined;
  internalPosition?: string | undefined;
  internalQuery?: string | undefined;
  where?: string | undefined;
  schema?: string | undefined;
  table?: string | undefined;
  column?: string | undefined;
  dataType?: string | undefined;
  constraint?: string | undefined;
}

/**
 * An error as PostgreSQL reports it. Errors from PostgreSQL are carried unchanged; our own errors are
 * built by the constructors in `codes.ts` with precise SQLSTATEs.
 *
 * @example
 *   throw new PgError({ code: '0A000', message: 'window functions are not supported here' });
 */
export class PgError extends Error {
  readonly severity: string;
  readonly code: string;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly position: string | undefined;
  readonly fields: PgErrorFields;

  constructor(fields: PgErrorFields) {
    super(fields.message);
    this.name = 'PgError';
    this.severity = fields.severity ?? 'ERROR';
    this.code = fields.code;
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.position = fields.position;
    this.fields = { ...fields, severity: this.severity };
  }

  /** The JSON shape the HTTP API answers with. */
  toJSON(): { code: string; message: string; detail?: string; hint?: string; position?: string } {
    const out: { code: string; message: string; detail?: string; hint?: string; position?: string } = {
      code: this.code,
      message: this.message,
    };
    if (this.detail !== undefined) out.detail = this.detail;
    if (this.hint !== undefined) out.hint = this.hint;
    if (this.position !== undefined) out.position = this.position;
    return out;
  }
}

/** Whether a thrown value looks like an error object from node-postgres (`pg.DatabaseError`). */
function isDatabaseErrorLike(e: unknown): e is { code: string; message: string } & Record<string, unknown> {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { code?: unknown }).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((e as { code: string }).code) &&
    typeof (e as { message?: unknown }).message === 'string'
  );
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Turns anything thrown into a PgError: PostgreSQL's own errors keep every field; anything else becomes
 * XX000 (the caller logs the original).
 */
export function toPgError(e: unknown): PgError {
  if (e instanceof PgError) return e;
  if (isDatabaseErrorLike(e)) {
    return new PgError({
      severity: str(e.severity) ?? 'ERROR',
      code: e.code,
      message: e.message,
      detail: str(e.detail),
      hint: str(e.hint),
      position: str(e.position),
      internalPosition: str(e.internalPosition),
      internalQuery: str(e.internalQuery),
      where: str(e.where),
      schema: str(e.schema),
      table: str(e.table),
      column: str(e.column),
      dataType: str(e.dataType),
      constraint: str(e.constraint),
    });
  }
  return new PgError({ code: 'XX000', message: 'internal error in mini-balancer' });
}
