// PgJDBC (Debian's libpostgresql-jdbc-java on Java 17) through the gateway: simple protocol, named server-side
// statements (prepareThreshold=1) and binary results, each answer equal to the direct run's.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import {
  CREATE_SCRATCH,
  ERROR_CASES,
  gatewayUrl,
  jsonLines,
  PARALLEL_SQL,
  PASSTHROUGH_SQL,
  PREPARED_ARGS,
  PREPARED_SQL,
  requireExecutable,
  requireFile,
  runProcess,
  SCRATCH_TABLE,
  SPLIT_ERROR_SQL,
} from './support.ts';

const JAVA = '/usr/bin/java';
const JAR = '/usr/share/java/postgresql.jar';
const PROGRAM = path.join(import.meta.dirname, 'JdbcClient.java');

let stack: TestStack | undefined;

beforeAll(async () => {
  requireExecutable(JAVA, 'openjdk-17-jdk-headless');
  // `java File.java` compiles in memory with the JDK's compiler: a JRE alone cannot run the program.
  requireExecutable('/usr/bin/javac', 'openjdk-17-jdk-headless');
  requireFile(JAR, 'libpostgresql-jdbc-java');
  stack = await startTestStack({ workers: 2, costThreshold: 0 });
});

afterAll(async () => {
  await stack?.stop();
});

type Result = { columns: [string, string, number, number][]; rows: (string | null)[][] };
type ErrorFields = { sqlState: string; message: string; position?: number; detail?: string; hint?: string };
type Step = { mode: string; step: string; result?: unknown; error?: ErrorFields };

/** The key/SQL arguments JdbcClient.java reads; JDBC marks parameters with `?`. */
function programArgs(): string[] {
  const args = [
    ['parallel', PARALLEL_SQL],
    ['passthrough', PASSTHROUGH_SQL],
    ['prepared', PREPARED_SQL.replace('$1', '?')],
    ['splitError', SPLIT_ERROR_SQL],
    ['scratch', SCRATCH_TABLE],
    ['createScratch', CREATE_SCRATCH],
    ...PREPARED_ARGS.map((a) => ['arg', a]),
    ...ERROR_CASES.map((c) => ['error', c.sql]),
  ];
  return args.flat();
}

async function scenario(databaseUrl: string, target: 'via the gateway' | 'direct'): Promise<Step[]> {
  const u = new URL(databaseUrl);
  const jdbcUrl = `jdbc:postgresql://${u.host}${u.pathname}`;
  const r = await runProcess(
    JAVA,
    [
      // A short-lived JVM: C1 only and the serial collector halve the start-up (and the in-memory compile).
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-cp',
      JAR,
      PROGRAM,
      jdbcUrl,
      decodeURIComponent(u.username),
      decodeURIComponent(u.password),
      ...programArgs(),
    ],
    { timeoutMs: 90_000 },
  );
  if (r.code !== 0)
    throw new Error(
      `java ${PROGRAM} (${target}) exited ${r.timedOut ? 'killed after 90 s' : r.code}:\n${r.stdout}\n${r.stderr}`,
    );
  return jsonLines(r.stdout) as Step[];
}

describe('PgJDBC through the gateway', () => {
  it('simple and extended protocol, prepareThreshold=1, binary transfer, errors, a transaction', async () => {
    const [via, direct] = await Promise.all([
      scenario(gatewayUrl(stack!.databaseUrl, stack!.pgPort), 'via the gateway'),
      scenario(stack!.databaseUrl, 'direct'),
    ]);
    expect(via).toEqual(direct);

    const step = (mode: string, name: string) => {
      const s = via.find((x) => x.mode === mode && x.step === name);
      if (!s) throw new Error(`no step ${mode}/${name} in ${JSON.stringify(via)}`);
      return s;
    };
    for (const mode of ['simple', 'extended']) {
      expect((step(mode, 'parallel').result as Result).rows.length).toBeGreaterThan(1);
      expect((step(mode, 'passthrough').result as Result).rows).toHaveLength(5);
      for (const { sql, code } of ERROR_CASES) {
        expect(step(mode, `error ${sql}`).error?.sqlState).toBe(code);
        expect(step(mode, `error prepared ${sql}`).error?.sqlState).toBe(code);
        expect((step(mode, `after error ${sql}`).result as Result).rows).toEqual([['2']]);
      }
      expect(step(mode, 'error SELEC 1').error).toMatchObject({
        position: 1,
        message: 'syntax error at or near "SELEC"',
      });
      expect(step(mode, 'failing parallel').error?.sqlState).toBe('22012');
    }

    // Named statements: four executions of one PreparedStatement, prepared once on the server.
    for (const mode of ['extended', 'binary']) {
      const runs = step(mode, 'prepared').result as Result[];
      expect(runs).toHaveLength(4);
      expect(runs[0]!.rows.length).toBeGreaterThan(1);
      // Same argument, same rows, whatever wire format the driver chose for each execution.
      expect(runs[2]!.rows).toEqual(runs[0]!.rows);
      expect(runs[3]!.rows).toEqual(runs[1]!.rows);
      expect(runs[1]!.rows).not.toEqual(runs[0]!.rows);
      // Once the named statement is described, the driver asks for binary results (int4, int8, float8, date).
      expect(runs[3]!.columns.filter((c) => c[3] === 1).map((c) => c[1])).toEqual(
        expect.arrayContaining(['int8', 'float8', 'date', 'int4']),
      );
      const statements = (step(mode, 'server-side statements').result as Result).rows;
      // (the driver prints a binary text[] as {"numeric"}, a text one as {numeric})
      expect(statements).toContainEqual([PREPARED_SQL, expect.stringMatching(/^\{"?numeric"?\}$/), 'f']);
    }
    // prepareThreshold=-1 and binaryTransferEnable=NUMERIC: binary from the first execution, numeric included.
    const binary = (step('binary', 'prepared').result as Result[])[0]!;
    expect(binary.columns.filter((c) => c[3] === 1).map((c) => c[1])).toEqual(
      expect.arrayContaining(['int8', 'numeric', 'float8', 'date', 'int4']),
    );

    // The same transaction with client-side parameters over the simple protocol and with named statements.
    for (const mode of ['simple', 'extended']) {
      expect(step(mode, 'transaction').result).toEqual([
        [2],
        {
          columns: [
            ['id', 'int4', 4, expect.any(Number)],
            ['note', 'text', 12, 0],
          ],
          rows: [
            ['1', 'one'],
            ['2', 'two'],
          ],
        },
        expect.objectContaining({ rows: (step('simple', 'parallel').result as Result).rows }),
        { columns: [['n', 'int8', -5, expect.any(Number)]], rows: [['2']] },
        { columns: [['n', 'int8', -5, expect.any(Number)]], rows: [['0']] },
        expect.objectContaining({ sqlState: '22012' }),
        expect.objectContaining({ sqlState: '25P02' }),
        { updated: 2 },
        expect.objectContaining({
          rows: [
            ['1', 'one'],
            ['2', null],
          ],
        }),
        expect.objectContaining({ sqlState: '23505', detail: 'Key (id)=(1) already exists.' }),
      ]);
    }
  });
});
