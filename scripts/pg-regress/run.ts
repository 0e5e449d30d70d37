// `npm run test:pg-regress`: PostgreSQL's own regression suite directly and through the gateway; fails on any difference.
//
// 1. scripts/ci/install-pg-regress.sh installs PostgreSQL 15, pg_regress, the server's own test sources and
//    regress.so (idempotent; says what is missing when it cannot).
// 2. A throwaway cluster (as pg_regress --temp-instance configures one); pg_regress runs parallel_schedule
//    against it directly.
// 3. A second throwaway cluster, `mini-balancer serve` in front of it (coordinator on the test database, auto
//    mode, a low cost threshold so that many statements split); pg_regress runs again through the gateway.
// 4. The tests that pass directly must pass through the gateway. Exit 0 when they do, 1 when some do not,
//    2 when the suite could not run.
//
// Settings (environment): MB_PG_REGRESS_WORKERS (2), MB_PG_REGRESS_COST_THRESHOLD (10),
// MB_PG_REGRESS_TIMEOUT_S (per pg_regress run, 420), MB_PG_REGRESS_OUT (output directory, default a new
// temporary one), MB_PG_REGRESS_KEEP=1 (keep the clusters' data directories), MB_PG_REGRESS_DIFF_LINES (40),
// MB_PG_REGRESS_SERVE_ARGS (more `serve` flags, space-separated, e.g. "--chunk-timeout-ms 30000"),
// MB_PG_REGRESS_MIN_SPLIT (50; fail when fewer statements were split through the gateway),
// MB_PG_REGRESS_CACHE (see the install script), MB_LOG_LEVEL (the gateway's).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Cluster, createTestDatabase, SUPERUSER, startCluster } from './cluster.ts';
import { splitEvidence, splitMetrics, summarizeGatewayLog } from './evidence.ts';
import { startGateway } from './gateway.ts';
import { ensurePrerequisites, type Prerequisites } from './prerequisites.ts';
import { cleanUpOnSignals, cleanupAll, giveToPgUser } from './processes.ts';
import { type RegressRun, runRegress } from './regress.ts';
import { compare, formatReport } from './report.ts';
import { tally } from './results.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const DATABASE = 'regression';

function intSetting(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, not "${text}"`);
  return n;
}

const settings = {
  workers: intSetting('MB_PG_REGRESS_WORKERS', 2),
  costThreshold: intSetting('MB_PG_REGRESS_COST_THRESHOLD', 10),
  timeoutMs: intSetting('MB_PG_REGRESS_TIMEOUT_S', 420) * 1000,
  diffLines: intSetting('MB_PG_REGRESS_DIFF_LINES', 40),
  serveArgs: (process.env.MB_PG_REGRESS_SERVE_ARGS ?? '').split(/\s+/).filter(Boolean),
  minSplit: intSetting('MB_PG_REGRESS_MIN_SPLIT', 50),
  keep: process.env.MB_PG_REGRESS_KEEP === '1',
};

const phases: { name: string; ms: number }[] = [];

async function phase<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const started = Date.now();
  console.log(`\n== ${name}`);
  try {
    return await fn();
  } finally {
    const ms = Date.now() - started;
    phases.push({ name, ms });
    console.log(`== ${name}: ${(ms / 1000).toFixed(1)} s`);
  }
}

/** A fresh cluster with the test database, for one run. */
async function testCluster(prereq: Prerequisites, dir: string): Promise<Cluster> {
  const cluster = await startCluster({ bindir: prereq.bindir, dir });
  await createTestDatabase(cluster, DATABASE);
  console.log(`PostgreSQL ${prereq.version} on 127.0.0.1:${cluster.port}, data in ${cluster.dataDir}`);
  return cluster;
}

function regress(prereq: Prerequisites, port: number, outputDir: string, label: string): Promise<RegressRun> {
  return runRegress({
    prereq,
    host: '127.0.0.1',
    port,
    user: SUPERUSER,
    database: DATABASE,
    outputDir,
    timeoutMs: settings.timeoutMs,
    label,
  });
}

async function main(): Promise<number> {
  const prereq = await phase('prerequisites (scripts/ci/install-pg-regress.sh)', () =>
    ensurePrerequisites(repoRoot),
  );
  if ('missing' in prereq) {
    console.error('\npg_regress cannot run; missing:');
    for (const m of prereq.missing) console.error(`  - ${m}`);
    return 2;
  }
  const workDir = process.env.MB_PG_REGRESS_OUT
    ? path.resolve(process.env.MB_PG_REGRESS_OUT)
    : fs.mkdtempSync(path.join(os.tmpdir(), 'mini-balancer-pg-regress-'));
  fs.mkdirSync(workDir, { recursive: true });
  giveToPgUser(workDir);
  fs.chmodSync(workDir, 0o755);
  console.log(`working directory: ${workDir}`);

  const directCluster = await phase('direct: initdb, start PostgreSQL', () =>
    testCluster(prereq, path.join(workDir, 'direct')),
  );
  const direct = await phase('direct: pg_regress', () =>
    regress(prereq, directCluster.port, path.join(workDir, 'direct', 'out'), '[direct]'),
  );
  await phase('direct: stop PostgreSQL', () => directCluster.stop());
  const directTally = tally(direct.outcomes);
  if (direct.code === 2 || direct.code === null || directTally.passed === 0) {
    console.error(
      `\nthe direct run could not run (pg_regress exit ${direct.code}${direct.timedOut ? ', timed out' : ''}, ` +
        `${directTally.passed} passed): see ${path.join(direct.outputDir, 'pg_regress.log')} and ` +
        `${directCluster.logFile}`,
    );
    return 2;
  }

  const gatewayCluster = await phase('gateway: initdb, start PostgreSQL', () =>
    testCluster(prereq, path.join(workDir, 'gateway')),
  );
  const gatewayLogFile = path.join(workDir, 'gateway', 'mini-balancer.log');
  const gateway = await phase('gateway: start mini-balancer serve', () =>
    startGateway({
      repoRoot,
      databaseUrl: gatewayCluster.url(DATABASE),
      workers: settings.workers,
      costThreshold: settings.costThreshold,
      extraArgs: settings.serveArgs,
      logFile: gatewayLogFile,
    }),
  );
  console.log(
    `gateway on 127.0.0.1:${gateway.pgPort} (HTTP ${gateway.httpUrl}), ${settings.workers} workers, ` +
      `auto mode, cost threshold ${settings.costThreshold}, --min-split-pages 0 ${settings.serveArgs.join(' ')}`.trimEnd(),
  );
  const viaGateway = await phase('gateway: pg_regress', () =>
    regress(prereq, gateway.pgPort, path.join(workDir, 'gateway', 'out'), '[gateway]'),
  );
  const metrics = await gateway.metrics().then(splitMetrics, (err: Error) => {
    console.error(`GET /metrics failed: ${err.message}`);
    return null;
  });
  await phase('gateway: stop mini-balancer and PostgreSQL', async () => {
    await gateway.stop();
    gatewayCluster.stop();
  });

  const comparison = compare(direct, viaGateway);
  const evidence = splitEvidence(fs.readFileSync(gatewayCluster.logFile, 'utf8'));
  console.log(
    formatReport({
      phases,
      direct,
      gateway: viaGateway,
      comparison,
      evidence,
      metrics,
      gatewayLog: { file: gatewayLogFile, summary: summarizeGatewayLog(gatewayLogFile) },
      diffLines: settings.diffLines,
    }),
  );
  if (!settings.keep) {
    for (const c of [directCluster, gatewayCluster]) fs.rmSync(c.dataDir, { recursive: true, force: true });
  }
  // The closing count: tests passing directly, and whether each passed through the gateway too.
  console.log(
    `\npg_regress: ${comparison.passingBoth} passed, ${comparison.regressions.length} failed, ` +
      `${comparison.failingDirect.length} skipped`,
  );
  if (evidence.split < settings.minSplit) {
    console.error(
      `only ${evidence.split} statements were split; MB_PG_REGRESS_MIN_SPLIT is ${settings.minSplit}`,
    );
    return 1;
  }
  return comparison.regressions.length > 0 ? 1 : 0;
}

cleanUpOnSignals();
const started = Date.now();
let code = 2;
try {
  code = await main();
} catch (err) {
  console.error(`\npg_regress harness failed: ${(err as Error).stack ?? err}`);
} finally {
  await cleanupAll();
}
console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${code}`);
process.exit(code);
