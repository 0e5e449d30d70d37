// The differential suite through the PostgreSQL-protocol gateway: every case runs directly and through the
// gateway (split threshold 0 and unordered statements too, so whatever can split does), in text format with node-postgres and in binary
// format byte for byte; column names, type OIDs, formats and values must be identical.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryResult } from '../../src/exec/api.ts';
import type { NotSplit } from '../../src/exec/coordinator.ts';
import { RAW_TEXT } from '../../src/pg/raw-text.ts';
import { type RawResult, type RawSession, rawSession } from '../support/raw-session.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import type { DiffCase } from './case.ts';
import { allCases } from './cases/index.ts';
import { compareResults, type Result } from './compare.ts';
import { tpchQueries } from './tpch-queries.ts';

/** Statements (text and binary runs) that must split: auto mode decides here, as for any client (798 of 888 at the time of writing). */
const MIN_SPLIT = 600;

const cases: DiffCase[] = [
  ...allCases,
  ...tpchQueries.map((q): DiffCase => ({ name: `TPC-H ${q.name}`, sql: q.sql, ordered: true })),
];

let stack: TestStack | undefined;
let direct: pg.Client | undefined;
let viaText: pg.Client | undefined;
let directRaw: RawSession | undefined;
let viaRaw: RawSession | undefined;
let split = 0;
let planned = 0;

beforeAll(async () => {
  stack = await startTestStack({ workers: 3, costThreshold: 0, splitUnordered: true });
  const gatewayUrl = new URL(stack.databaseUrl);
  gatewayUrl.hostname = '127.0.0.1';
  gatewayUrl.port = String(stack.pgPort);
  direct = new pg.Client({ connectionString: stack.databaseUrl, types: RAW_TEXT });
  viaText = new pg.Client({ connectionString: gatewayUrl.toString(), types: RAW_TEXT });
  await Promise.all([direct.connect(), viaText.connect()]);
  directRaw = await rawSession(stack.databaseUrl);
  viaRaw = await rawSession(gatewayUrl.toString());
  // Count the statements the gateway split (a wrapper, not a mock: the real coordinator answers).
  const coordinator = stack.server.coordinator;
  const real = coordinator.querySession.bind(coordinator);
  coordinator.querySession = async (...args: Parameters<typeof real>): Promise<QueryResult | NotSplit> => {
    const out = await real(...args);
    planned++;
    if (!('passthrough' in out)) split++;
    return out;
  };
});

afterAll(async () => {
  try {
    console.log(`gateway differential: ${split} of ${planned} planned statements split`);
    if (planned >= cases.length) {
      expect(split, `statements the gateway split (of ${planned} planned)`).toBeGreaterThanOrEqual(MIN_SPLIT);
    }
  } finally {
    directRaw?.close();
    viaRaw?.close();
    await direct?.end();
    await viaText?.end();
    await stack?.stop();
  }
});

async function textResult(client: pg.Client, kase: DiffCase): Promise<Result> {
  const r = await client.query({ text: kase.sql, values: kase.params ?? [], rowMode: 'array' });
  return { columns: r.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID })), rows: r.rows };
}

const FLOAT4 = 700;
const FLOAT8 = 701;

/** Binary values as comparable text: floats decoded (compared within rounding), everything else as hex. */
function binaryAsText(r: RawResult): Result {
  return {
    columns: r.columns.map((c) => ({ name: c.name, typeOid: c.typeOid })),
    rows: r.rows.map((row) =>
      row.map((v, i) => {
        if (v === null) return null;
        const t = r.columns[i]?.typeOid;
        if (t === FLOAT8 && v.length === 8) return String(v.readDoubleBE(0));
        if (t === FLOAT4 && v.length === 4) return String(v.readFloatBE(0));
        return v.toString('hex');
      }),
    ),
  };
}

describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, kase) => {
  it('text format (node-postgres)', async () => {
    const want = await textResult(direct!, kase);
    const got = await textResult(viaText!, kase);
    expect(compareResults(want, got, { ordered: kase.ordered ?? false })).toBeNull();
  });

  it('binary format (raw protocol)', async () => {
    const want = await directRaw!.query(kase.sql, kase.params ?? [], [1]);
    const got = await viaRaw!.query(kase.sql, kase.params ?? [], [1]);
    expect(got.columns).toEqual(want.columns);
    expect(
      compareResults(binaryAsText(want), binaryAsText(got), { ordered: kase.ordered ?? false }),
    ).toBeNull();
  });
});
