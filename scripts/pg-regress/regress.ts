// One pg_regress run of the parallel schedule against a server that is already running (--use-existing).
import fs from 'node:fs';
import path from 'node:path';
import type { Prerequisites } from './prerequisites.ts';
import { asPgUser, finished, giveToPgUser, onCleanup, signalGroup, startGroup } from './processes.ts';
import { type Outcome, parseOutcomes, scheduleTests, splitDiffs } from './results.ts';

export interface RegressRun {
  /** pg_regress's exit code: 0 all passed, 1 some failed, 2 could not run; null when it was killed. */
  code: number | null;
  timedOut: boolean;
  ms: number;
  outputDir: string;
  outcomes: Map<string, Outcome>;
  /** regression.diffs, one hunk per failed test. */
  diffs: Map<string, string>;
}

export interface RegressOptions {
  prereq: Prerequisites;
  /** Where pg_regress connects: the server itself or the gateway. */
  host: string;
  port: number;
  user: string;
  database: string;
  outputDir: string;
  timeoutMs: number;
  /** Prefix of the output lines echoed to our stdout. */
  label: string;
}

/**
 * Runs pg_regress with PostgreSQL's parallel_schedule as `make installcheck-parallel` does
 * (--max-concurrent-tests=20), the database created beforehand (see createTestDatabase).
 */
export async function runRegress(opts: RegressOptions): Promise<RegressRun> {
  const { prereq } = opts;
  fs.mkdirSync(opts.outputDir, { recursive: true });
  giveToPgUser(opts.outputDir);
  const schedule = path.join(prereq.inputDir, 'parallel_schedule');
  const args = [
    `--bindir=${prereq.bindir}`,
    `--inputdir=${prereq.inputDir}`,
    `--outputdir=${opts.outputDir}`,
    `--dlpath=${prereq.dlpath}`,
    `--schedule=${schedule}`,
    '--max-concurrent-tests=20',
    '--use-existing',
    `--host=${opts.host}`,
    `--port=${opts.port}`,
    `--user=${opts.user}`,
    `--dbname=${opts.database}`,
  ];
  // pg_regress sets PGTZ, PGDATESTYLE and PGOPTIONS itself; nothing else from our environment may reach psql.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
  const started = Date.now();
  let output = '';
  const child = startGroup(...asPgUser(prereq.pgRegress, args), {
    logFile: path.join(opts.outputDir, 'pg_regress.log'),
    env,
    cwd: opts.outputDir,
    onLine: (line) => {
      output += `${line}\n`;
      console.log(`${opts.label} ${line}`);
    },
  });
  const unregister = onCleanup(() => {
    signalGroup(child, 'SIGKILL');
  });
  const end = await finished(child, opts.timeoutMs);
  unregister();
  if (end.timedOut) console.log(`${opts.label} stopped after ${Math.round(opts.timeoutMs / 1000)} s`);
  const diffsFile = path.join(opts.outputDir, 'regression.diffs');
  const diffs = fs.existsSync(diffsFile) ? fs.readFileSync(diffsFile, 'utf8') : '';
  return {
    code: end.code,
    timedOut: end.timedOut,
    ms: Date.now() - started,
    outputDir: opts.outputDir,
    outcomes: parseOutcomes(output, scheduleTests(fs.readFileSync(schedule, 'utf8'))),
    diffs: splitDiffs(diffs),
  };
}
