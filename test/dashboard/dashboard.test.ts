// The dashboard in a real browser (Debian chromium, headless, through playwright-core) against a 4-worker stack.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/cli/serve.ts';
import { PRESETS } from '../../src/dashboard/app/presets.ts';
import { ensureDashboardBuilt } from '../../src/dashboard/build.ts';
import type { HistoryEntry } from '../../src/http/live-stats.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.resolve('test-results/dashboard');
const PRESET = PRESETS.find((p) => p.name === 'Employees by Department')!;
const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

/** Browser messages the test expects: the 400 answer to the bad statement it runs on purpose. */
const EXPECTED_CONSOLE = /Failed to load resource: the server responded with a status of 400/;

let server: RunningServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const consoleErrors: string[] = [];
const expectedErrors: string[] = [];

async function open(size: keyof typeof SIZES, hash = ''): Promise<Page> {
  const context = await browser.newContext({ viewport: SIZES[size], reducedMotion: 'reduce' });
  contexts.push(context);
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location().url;
    const line = `${msg.text()} (${where})`;
    if (EXPECTED_CONSOLE.test(msg.text()) && where.endsWith('/api/query')) expectedErrors.push(line);
    else consoleErrors.push(line);
  });
  page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message}`));
  await page.goto(`${server.httpUrl}/${hash}`);
  await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor();
  return page;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });

async function goTo(page: Page, title: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: title }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
}

async function resultCells(page: Page): Promise<string[][]> {
  // Expressions run in the page (the suite's TypeScript has no DOM types).
  return page.evaluate<string[][]>(
    `[...document.querySelectorAll('table.results tbody tr')].map((r) => [...r.cells].map((c) => c.textContent))`,
  );
}

// Without chromium (scripts/ci/install-chromium.sh) the test is skipped, except on CI where it must run.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('dashboard in chromium', () => {
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    await ensureDashboardBuilt();
    server = await startServer({
      databaseUrl: inject('databaseUrl'),
      workers: 4,
      httpPort: 0,
      healthIntervalMs: 200,
      restartDelayMs: null,
      logger: pino({ level: 'silent' }),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  it('System Status shows 4 healthy workers, PostgreSQL and the coordinator', async () => {
    const page = await open('desktop');
    await expect.poll(() => page.locator('[data-testid=worker-row][data-state=healthy]').count()).toBe(4);
    await expect.poll(() => page.getByTestId('healthy-count').textContent()).toContain('4 / 4 healthy');
    await page
      .getByText(/^\d+\.\d+/)
      .first()
      .waitFor(); // PostgreSQL's version
    expect(await page.getByRole('heading', { name: 'PostgreSQL' }).isVisible()).toBe(true);
  });

  it('Analytics runs "Employees by Department" with Ctrl+Enter: the rows are PostgreSQL\'s, one bar per worker', async () => {
    const page = await open('desktop', '#/analytics');
    await page.getByRole('button', { name: PRESET.name }).click();
    await page.getByRole('textbox', { name: /SQL statement/ }).press('Control+Enter');
    await page.getByTestId('result-summary').waitFor();

    const direct = new pg.Client({ connectionString: inject('databaseUrl') });
    await direct.connect();
    const expected = await direct.query({ text: PRESET.sql, rowMode: 'array' }).finally(() => direct.end());
    const want = (expected.rows as unknown[][]).map((r) => r.map((v) => (v === null ? 'NULL' : String(v))));
    expect(want.length).toBeGreaterThan(1);
    expect(await resultCells(page)).toEqual(want);

    const [latest] = (await (await fetch(`${server.httpUrl}/api/history`)).json()) as HistoryEntry[];
    if (!latest) throw new Error('no history entry');
    expect(latest.mode).toBe('parallel');
    const workers = [...new Set(latest.shards.map((s) => s.worker))].sort();
    expect(workers.length).toBeGreaterThan(1);
    const bars = await page
      .getByTestId('dist-worker')
      .evaluateAll((gs) => gs.map((g) => g.getAttribute('data-worker')));
    expect([...bars].sort()).toEqual(workers);
    const chart = page.getByRole('img', { name: /^Worker Query Distribution/ });
    expect(await chart.count()).toBe(1);

    await page.getByRole('button', { name: 'Compare with direct' }).click();
    await expect.poll(() => page.getByTestId('comparison').textContent()).toMatch(/direct .*× · same rows/);
    await shot(page, 'analytics-1280x800');
  });

  it('a bad statement shows its SQLSTATE; Query History lists it with the others', async () => {
    const page = await open('desktop', '#/analytics');
    await page.getByRole('textbox', { name: /SQL statement/ }).fill('SELECT * FROM no_such_table');
    await page.getByRole('button', { name: /^Run/ }).click();
    const error = page.getByTestId('query-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('42P01');
    expect(await error.textContent()).toContain('relation "no_such_table" does not exist');

    await goTo(page, 'Query History');
    await expect.poll(() => page.getByTestId('history-row').count()).toBeGreaterThanOrEqual(3);
    expect(await page.getByTestId('history-row').first().textContent()).toContain('42P01');
    const parallelRow = page.getByTestId('history-row').filter({ hasText: 'parallel' }).first();
    await parallelRow.getByRole('button').click();
    await page.getByRole('img', { name: /^Worker Query Distribution/ }).waitFor();
    await shot(page, 'history-1280x800');
  });

  it('a killed worker turns red within the health-check interval', async () => {
    const page = await open('desktop');
    const victim = server.fleet.workers()[1]!;
    process.kill(victim.pid, 'SIGKILL');
    const row = page.locator(`[data-testid=worker-row][data-worker="${victim.id}"]`);
    await row.and(page.locator('[data-state=unhealthy]')).waitFor({ timeout: 5000 });
    const badge = row.locator('.badge');
    expect(await badge.textContent()).toBe('unhealthy');
    const color = await page.evaluate<string>(
      `getComputedStyle(document.querySelector('[data-worker="${victim.id}"] .badge')).backgroundColor`,
    );
    expect(color).toBe('rgb(220, 38, 38)');
    await expect.poll(() => page.getByTestId('healthy-count').textContent()).toContain('3 / 4 healthy');
    await shot(page, 'status-1280x800');
  });

  it('reads at 390×844: every page, with a result', async () => {
    const page = await open('phone');
    await shot(page, 'status-390x844');
    await goTo(page, 'Analytics');
    await page.getByRole('button', { name: PRESET.name }).click();
    await page.getByRole('button', { name: /^Run/ }).click();
    await page.getByTestId('result-summary').waitFor();
    await page.getByRole('img', { name: /^Worker Query Distribution/ }).scrollIntoViewIfNeeded();
    await shot(page, 'analytics-390x844');
    await goTo(page, 'Query History');
    await shot(page, 'history-390x844');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it("no console errors besides the bad statement's 400", () => {
    expect(consoleErrors).toEqual([]);
    expect(expectedErrors.length).toBeLessThanOrEqual(1);
  });

  it('shows "disconnected" when the coordinator goes away', async () => {
    const page = await open('desktop');
    await server.stop();
    await page
      .getByRole('alert')
      .filter({ hasText: 'Disconnected from the coordinator' })
      .waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('connection').textContent()).toBe('disconnected');
  });
});
