// Time of the planner alone, in-process: parse + planStatement with the catalog already cached.
import pg from 'pg';
import { Catalog } from '../catalog/catalog.ts';
import { describeStatement } from '../exec/describe.ts';
import { fromPg } from '../pg/sql-client.ts';
import { mentionedNames } from '../plan/checks.ts';
import { planStatement } from '../plan/planner.ts';
import type { Ast } from '../sql/ast.ts';
import { initParser, parseSql } from '../sql/parser.ts';
import { type Percentiles, percentiles } from './stats.ts';

/**
 * Describes each statement and loads its catalog view once (as the coordinator's cache holds it), then times
 * `parseSql` + `planStatement` `runs` times: the CPU cost planning adds per statement, without round trips.
 *
 * @example
 *   await measurePlanner(databaseUrl, [{ name: 'Q1', sql }], 1000, 4); // [{ statement: 'Q1', kind: 'parallel', ms: { p50, p99, n } }]
 */
export async function measurePlanner(
  databaseUrl: string,
  statements: { name: string; sql: string }[],
  runs: number,
  workers: number,
): Promise<{ statement: string; kind: string; ms: Percentiles }[]> {
  await initParser();
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    const searchPath = (await client.query<{ p: string }>(`SELECT current_setting('search_path') AS p`))
      .rows[0]?.p;
    const catalog = new Catalog();
    const out = [];
    for (const s of statements) {
      const parse = (): Ast => (parseSql(s.sql)[0] as { stmt: Ast }).stmt;
      const description = await describeStatement(client, s.sql);
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const view = await catalog.view(
        fromPg(client),
        {
          ...mentionedNames(parse()),
          types: [...description.fields.map((f) => f.typeOid), ...description.paramTypes],
        },
        searchPath ?? '',
      );
      await client.query('COMMIT');
      const plan = () =>
        planStatement({
          stmt: parse(),
          catalog: view,
          resultTypes: description.fields.map((f) => f.typeOid),
          resultNames: description.fields.map((f) => f.name),
          paramTypes: description.paramTypes,
          chunks: { workers },
        });
      const kind = plan().kind;
      const ms: number[] = [];
      for (let i = 0; i < runs; i += 1) {
        const t0 = performance.now();
        plan();
        ms.push(performance.now() - t0);
      }
      out.push({ statement: s.name, kind, ms: percentiles(ms) });
    }
    return out;
  } finally {
    await client.end().catch(() => {});
  }
}
