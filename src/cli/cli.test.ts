// The `mini-balancer` command as a user runs it: help, exit codes, and `serve` / `worker` as real processes.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/mini-balancer.js', import.meta.url));
const databaseUrl = inject('databaseUrl');
const started: ChildProcess[] = [];

function start(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, MB_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  return child;
}

async function run(args: string[], env: Record<string, string> = {}) {
  const child = start(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, stdout, stderr };
}

/** Resolves with the first stdout line matching `pattern`. */
function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    let errors = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${errors}`)),
      timeoutMs,
    );
    child.stderr?.on('data', (d: Buffer) => {
      errors += d.toString();
    });
    child.stdout?.on('data', (d: Buffer) => {
      text += d.toString();
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing ${pattern}:\n${errors}`));
    });
  });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('help and usage errors', () => {
  it.each([[[]], [['--help']], [['-h']], [['help']]])(
    '%j prints the command list and exits 0',
    async (args) => {
      const { code, stdout } = await run(args);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: mini-balancer <command>/);
      for (const cmd of ['demo', 'serve', 'worker', 'load', 'bench']) expect(stdout).toContain(`  ${cmd} `);
    },
  );

  it.each(['demo', 'serve', 'worker', 'load', 'bench'])(
    '%s --help prints its options and exits 0',
    async (cmd) => {
      const { code, stdout } = await run([cmd, '--help']);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`^Usage: mini-balancer ${cmd}`));
      expect(stdout).toContain('--help');
    },
  );

  it.each([
    ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['an unknown flag', ['serve', '--frob'], /Unknown option '--frob'/],
    ['a missing database URL', ['serve'], /--database-url is required/],
    [
      'a bad number',
      ['serve', '--database-url', 'postgres://x', '--workers', 'many'],
      /--workers must be an integer/,
    ],
    ['a worker without a secret', ['worker', '--database-url', 'postgres://x'], /--secret is required/],
    [
      'an unknown data set',
      ['load', '--database-url', 'postgres://x', '--dataset', 'x'],
      /--dataset must be/,
    ],
  ])('%s exits 2 with a message', async (_name, args, message) => {
    const { code, stderr } = await run(args, { MB_DATABASE_URL: '', MB_WORKER_SECRET: '' });
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe('worker', () => {
  it('announces itself with one JSON line and exits 0 on SIGTERM', async () => {
    const child = start(['worker', '--database-url', databaseUrl, '--port', '0'], {
      MB_WORKER_SECRET: randomBytes(8).toString('hex'),
    });
    const [line] = await waitForLine(child, /^.*\n/);
    const announced = JSON.parse(line) as { listening: string; pid: number };
    expect(announced).toEqual({
      listening: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      pid: child.pid,
    });
    expect((await fetch(`${announced.listening}/healthz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });
});

describe('serve', () => {
  it('serves /healthz and /api/workers on the suite database, and shuts down on SIGTERM', async () => {
    const child = start([
      'serve',
      '--database-url',
      databaseUrl,
      '--workers',
      '2',
      '--http-port',
      '0',
      '--pg-port',
      '0',
    ]);
    const [, url] = await waitForLine(child, /HTTP API: (http:\/\/127\.0\.0\.1:\d+)/);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const workers = (await (await fetch(`${url}/api/workers`)).json()) as { id: string; pid: number }[];
    expect(workers.map((w) => w.id)).toEqual(['w1', 'w2']);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    for (const w of workers) expect(() => process.kill(w.pid, 0)).toThrow();
  });

  it('adds static workers from --worker-url beside local ones, and serves /metrics', async () => {
    const child = start([
      'serve',
      '--pg-port',
      '0',
      '--database-url',
      databaseUrl,
      '--workers',
      '1',
      '--worker-url',
      'http://127.0.0.1:1',
      '--health-interval-ms',
      '200',
      '--worker-concurrency',
      '3',
      '--http-port',
      '0',
    ]);
    const [, url] = await waitForLine(child, /HTTP API: (http:\/\/127\.0\.0\.1:\d+)/);
    const workers = (await (await fetch(`${url}/api/workers`)).json()) as Record<string, unknown>[];
    expect(workers.map((w) => [w.id, w.source, w.state, w.concurrency])).toEqual([
      ['s1', 'static', 'unhealthy', 3],
      ['w1', 'local', 'healthy', 3],
    ]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('mb_worker_state{worker="w1",state="healthy"} 1');
    expect(metrics).toContain('mb_worker_state{worker="s1",state="unhealthy"} 1');
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });
});
