// Child processes of the pg_regress harness: run as the PostgreSQL OS user when we are root, and stopped on exit.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/** PostgreSQL refuses to run as root: as root, servers and pg_regress run as this OS user. */
const PG_OS_USER = 'postgres';

export const runningAsRoot = process.getuid?.() === 0;

/** The argv that runs `cmd` as the PostgreSQL OS user (`postgres` when we are root, ourselves otherwise). */
export function asPgUser(cmd: string, args: string[]): [string, string[]] {
  if (!runningAsRoot) return [cmd, args];
  return ['setpriv', ['--reuid', PG_OS_USER, '--regid', PG_OS_USER, '--init-groups', '--', cmd, ...args]];
}

/** Makes `dir` the PostgreSQL OS user's when we are root, so its servers and pg_regress can write there. */
export function giveToPgUser(dir: string): void {
  if (!runningAsRoot) return;
  const res = spawnSync('chown', ['-R', `${PG_OS_USER}:`, dir], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`chown ${PG_OS_USER} ${dir} failed: ${res.stderr}`);
}

/** Whether the PostgreSQL OS user exists (only needed when we are root). */
export function pgUserExists(): boolean {
  return !runningAsRoot || spawnSync('id', ['-u', PG_OS_USER]).status === 0;
}

type Cleanup = () => Promise<void> | void;
const cleanups: Cleanup[] = [];

/** Registers something to undo on exit, newest first; returns a function that unregisters it. */
export function onCleanup(fn: Cleanup): () => void {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** Runs every registered cleanup, newest first; a failing one is reported and the others still run. */
export async function cleanupAll(): Promise<void> {
  for (let fn = cleanups.pop(); fn; fn = cleanups.pop()) {
    try {
      await fn();
    } catch (err) {
      console.error(`cleanup failed: ${(err as Error).message}`);
    }
  }
}

/** On SIGINT, SIGTERM or SIGHUP: clean up, then exit with 128 + the signal number. */
export function cleanUpOnSignals(): void {
  const codes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
  for (const [signal, code] of Object.entries(codes)) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the servers and the gateway`);
      void cleanupAll().finally(() => process.exit(code));
    });
  }
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

/**
 * Starts `cmd` in a process group of its own (so the whole group can be stopped), output to `logFile`
 * (appended) and, line by line, to `onLine`.
 */
export function startGroup(
  cmd: string,
  args: string[],
  opts: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string; onLine?: (line: string) => void },
): ChildProcess {
  const log = fs.openSync(opts.logFile, 'a');
  const child = spawn(cmd, args, {
    detached: true,
    stdio: ['ignore', opts.onLine ? 'pipe' : log, opts.onLine ? 'pipe' : log],
    env: opts.env ?? process.env,
    cwd: opts.cwd ?? process.cwd(),
  });
  fs.closeSync(log);
  if (opts.onLine) {
    const onLine = opts.onLine;
    const out = fs.createWriteStream(opts.logFile, { flags: 'a' });
    let pending = '';
    const take = (chunk: Buffer) => {
      out.write(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    child.on('close', () => {
      if (pending) onLine(pending);
      out.end();
    });
  }
  return child;
}

/** Sends `signal` to the child's whole process group; false when it is gone. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Resolves when the child exits; after `timeoutMs` its group gets SIGTERM, 10 s later SIGKILL. */
export function finished(child: ChildProcess, timeoutMs = 0): Promise<Finished> {
  return new Promise((resolve) => {
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            signalGroup(child, 'SIGTERM');
            killTimer = setTimeout(() => signalGroup(child, 'SIGKILL'), 10_000);
          }, timeoutMs)
        : undefined;
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      resolve({ code, signal, timedOut });
    };
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode);
    else child.once('exit', done);
  });
}

/** Stops a process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopGroup(child: ChildProcess, graceMs: number): Promise<void> {
  if (!signalGroup(child, 'SIGTERM')) return;
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await finished(child);
  clearTimeout(timer);
  signalGroup(child, 'SIGKILL'); // anything the leader left behind
}

/** Runs a short command to completion; throws with its output when it fails. */
export function runChecked(cmd: string, args: string[], what: string): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8', timeout: 180_000 });
  const output = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  if (res.status !== 0) {
    throw new Error(`${what} failed (${res.error?.message ?? `exit code ${res.status}`}):\n${output.trim()}`);
  }
  return output;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
