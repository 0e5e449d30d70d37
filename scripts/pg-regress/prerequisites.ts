// What the run needs (PostgreSQL 15, pg_regress, the test sources, regress.so): installed by scripts/ci/install-pg-regress.sh.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pgUserExists, runningAsRoot } from './processes.ts';

export interface Prerequisites {
  /** Debian version of the server, e.g. 15.18-0+deb12u1. */
  version: string;
  /** initdb, pg_ctl, postgres and psql. */
  bindir: string;
  pgRegress: string;
  /** src/test/regress of the server's own source: sql/, expected/, data/, parallel_schedule. */
  inputDir: string;
  /** regress.so, autoinc.so and refint.so. */
  dlpath: string;
}

/** The install script's cache, as the script itself chooses it. */
function cacheDir(): string {
  if (process.env.MB_PG_REGRESS_CACHE) return process.env.MB_PG_REGRESS_CACHE;
  if (runningAsRoot) return '/var/cache/mini-balancer/pg-regress';
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'mini-balancer', 'pg-regress');
}

/**
 * Runs the (idempotent) install script, then reads what it wrote. Returns the list of what is missing
 * instead when something cannot be had.
 */
export function ensurePrerequisites(repoRoot: string): Prerequisites | { missing: string[] } {
  const script = path.join(repoRoot, 'scripts', 'ci', 'install-pg-regress.sh');
  const res = spawnSync('bash', [script], { stdio: 'inherit' });
  if (res.status !== 0) {
    return { missing: [`${path.relative(repoRoot, script)} failed (see its messages above)`] };
  }
  const envFile = path.join(cacheDir(), 'current.env');
  if (!fs.existsSync(envFile)) return { missing: [`${envFile} (written by the install script)`] };
  const vars = new Map<string, string>();
  for (const line of fs.readFileSync(envFile, 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) vars.set(line.slice(0, i), line.slice(i + 1));
  }
  const prereq: Prerequisites = {
    version: vars.get('PG_VERSION') ?? '',
    bindir: vars.get('PG_BINDIR') ?? '',
    pgRegress: vars.get('PG_REGRESS') ?? '',
    inputDir: vars.get('PG_REGRESS_INPUTDIR') ?? '',
    dlpath: vars.get('PG_REGRESS_DLPATH') ?? '',
  };
  const needed = [
    path.join(prereq.bindir, 'initdb'),
    path.join(prereq.bindir, 'pg_ctl'),
    path.join(prereq.bindir, 'psql'),
    prereq.pgRegress,
    path.join(prereq.inputDir, 'parallel_schedule'),
    path.join(prereq.dlpath, 'regress.so'),
    path.join(prereq.dlpath, 'autoinc.so'),
    path.join(prereq.dlpath, 'refint.so'),
  ];
  const missing = needed.filter((f) => !fs.existsSync(f));
  if (!pgUserExists()) missing.push("the OS user 'postgres' (PostgreSQL does not run as root)");
  return missing.length > 0 ? { missing } : prereq;
}
