// The dashboard's Vite configuration: a React single-page app built from src/dashboard into dist/dashboard.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InlineConfig } from 'vite';

/** The folder holding index.html and app/. */
export const DASHBOARD_ROOT = path.dirname(fileURLToPath(import.meta.url));
/** Where the built app lands (gitignored `/dist/`). */
export const DASHBOARD_DIST = path.resolve(DASHBOARD_ROOT, '../../dist/dashboard');

/**
 * @example
 *   await build(dashboardViteConfig('/tmp/out'));
 */
export function dashboardViteConfig(outDir: string = DASHBOARD_DIST): InlineConfig {
  return {
    configFile: false,
    root: DASHBOARD_ROOT,
    base: './',
    logLevel: 'warn',
    // No React plugin needed: Vite's own transform compiles TSX with the automatic JSX runtime.
    oxc: { jsx: { runtime: 'automatic' } },
    build: { outDir, emptyOutDir: true, sourcemap: false, reportCompressedSize: false, target: 'es2022' },
  };
}
