// Asks PostgreSQL to describe a statement (Parse + Describe, no execution): result columns and parameter types.
import type pg from 'pg';
import { toPgError } from '../errors/pg-error.ts';
import type { FieldInfo } from '../worker/protocol.ts';

export interface Description {
  fields: FieldInfo[];
  paramTypes: number[];
}

interface Connection {
  parse(q: { text: string; name?: string; types?: number[] }): void;
  describe(q: { type: string; name?: string }): void;
  sync(): void;
  on(event: string, fn: (msg: unknown) => void): void;
  removeListener(event: string, fn: (msg: unknown) => void): void;
}

/**
 * A node-postgres "submittable" (the extension point pg-cursor uses): sends Parse/Describe/Sync for the unnamed
 * statement and collects RowDescription and ParameterDescription. Errors are PostgreSQL's own (SQLSTATE, position).
 */
class DescribeQuery {
  fields: FieldInfo[] = [];
  paramTypes: number[] = [];
  private connection: Connection | undefined;
  private readonly onParams = (msg: unknown): void => {
    this.paramTypes = [...((msg as { dataTypeIDs: number[] }).dataTypeIDs ?? [])];
  };

  constructor(
    private readonly text: string,
    private readonly done: (err: unknown, d?: Description) => void,
  ) {}

  submit(connection: Connection): void {
    this.connection = connection;
    connection.on('parameterDescription', this.onParams);
    connection.parse({ text: this.text, types: [] });
    connection.describe({ type: 'S', name: '' });
    connection.sync();
  }

  handleRowDescription(msg: {
    fields: { name: string; dataTypeID: number; dataTypeModifier: number }[];
  }): void {
    this.fields = msg.fields.map((f) => ({
      name: f.name,
      typeOid: f.dataTypeID,
      typmod: f.dataTypeModifier,
    }));
  }

  handleError(err: unknown): void {
    // node-postgres drops the active query on an ErrorResponse, so ReadyForQuery will not reach us: finish
    // now (later queries on this client still wait for that ReadyForQuery).
    this.connection?.removeListener('parameterDescription', this.onParams);
    this.done(toPgError(err));
  }

  handleReadyForQuery(): void {
    this.connection?.removeListener('parameterDescription', this.onParams);
    this.done(undefined, { fields: this.fields, paramTypes: this.paramTypes });
  }

  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}
  handleCopyData(): void {}
}

export function describeStatement(client: pg.ClientBase, text: string): Promise<Description> {
  return new Promise((resolve, reject) => {
    const q = new DescribeQuery(text, (err, d) => (err ? reject(err) : resolve(d as Description)));
    (client as unknown as { query(q: unknown): void }).query(q);
  });
}
