// Builds the dashboard with Vite when dist/dashboard is missing or older than its sources (also a CLI script).
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DASHBOARD_DIST, DASHBOARD_ROOT, dashboardViteConfig } from './vite-config.ts';

let building: Promise<string> | null = null;

/**
 * Answers the folder of the built dashboard, building it first when needed. Concurrent callers in one process
 * share one build; builds in several processes each write a private folder and swap it in with a rename.
 *
 * @example
 *   const dir = await ensureDashboardBuilt(); // .../dist/dashboard, with index.html
 */
export function ensureDashboardBuilt(opts: { force?: boolean } = {}): Promise<string> {
  building ??= (async () => {
    if (!opts.force && (await isFresh())) return DASHBOARD_DIST;
    await buildDashboard();
    return DASHBOARD_DIST;
  })().finally(() => {
    building = null;
  });
  return building;
}

async function buildDashboard(): Promise<void> {
  const { build } = await import('vite');
  const tmp = `${DASHBOARD_DIST}.tmp.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await build(dashboardViteConfig(tmp));
    await rm(DASHBOARD_DIST, { recursive: true, force: true });
    await rename(tmp, DASHBOARD_DIST).catch(async (err: NodeJS.ErrnoException) => {
      // Another process swapped its build in first: theirs is as good as ours.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Whether dist/dashboard/index.html exists and is newer than every source file. */
async function isFresh(): Promise<boolean> {
  const built = await stat(path.join(DASHBOARD_DIST, 'index.html')).catch(() => null);
  if (!built) return false;
  return (await newestSource(DASHBOARD_ROOT)) <= built.mtimeMs;
}

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestSource(full));
    else newest = Math.max(newest, (await stat(full)).mtimeMs);
  }
  return newest;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const started = performance.now();
  const dir = await ensureDashboardBuilt({ force: process.argv.includes('--force') });
  process.stdout.write(`dashboard built in ${dir} (${Math.round(performance.now() - started)} ms)\n`);
}
