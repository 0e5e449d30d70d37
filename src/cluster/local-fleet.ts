// Runs workers as local child processes (`mini-balancer worker --port 0`) and lists the live ones.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { WorkerRef } from '../exec/worker-client.ts';

/** A worker of the local fleet: its URL and its process id. */
export interface LocalWorkerRef extends WorkerRef {
  pid: number;
}

export interface LocalFleetOptions {
  count: number;
  databaseUrl: string;
  secret: string;
  logger: Logger;
  /** PostgreSQL connections per worker (the worker's default when absent). */
  poolSize?: number;
  /** How long a worker may take to announce itself. */
  startTimeoutMs?: number;
}

export interface LocalFleet {
  /** The workers still running, in id order (`w1`, `w2`, ...). */
  workers(): LocalWorkerRef[];
  /** SIGTERM to every worker, SIGKILL to those still running 5 s later; resolves when all have exited. */
  stop(): Promise<void>;
}

const BIN = fileURLToPath(new URL('../../bin/mini-balancer.js', import.meta.url));
const KILL_AFTER_MS = 5000;
const PINO_LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

interface Member {
  ref: LocalWorkerRef;
  child: ChildProcess;
  alive: boolean;
  exited: Promise<void>;
}

/**
 * Spawns `count` workers and waits until each has printed its `listening` line. The secret goes through
 * the environment (`MB_WORKER_SECRET`), never argv; workers log JSON to stderr, which is re-logged here
 * with the worker's id. Workers exit by themselves if this process dies (their stdin closes).
 *
 * @example
 *   const fleet = await startLocalFleet({ count: 4, databaseUrl, secret, logger });
 *   fleet.workers(); // [{ id: 'w1', url: 'http://127.0.0.1:41234', pid: 4242 }, ...]
 *   await fleet.stop();
 */
export async function startLocalFleet(opts: LocalFleetOptions): Promise<LocalFleet> {
  const members: Member[] = [];
  let stopping = false;

  const spawnOne = async (id: string): Promise<Member> => {
    const log = opts.logger.child({ worker: id });
    const args = [BIN, 'worker', '--host', '127.0.0.1', '--port', '0', '--database-url', opts.databaseUrl];
    if (opts.poolSize !== undefined) args.push('--pool-size', String(opts.poolSize));
    const child = spawn(process.execPath, args, {
      env: {
        ...process.env,
        MB_WORKER_SECRET: opts.secret,
        MB_WORKER_EXIT_WITH_PARENT: '1',
        MB_LOG_LEVEL: opts.logger.level,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      // Own process group: a terminal's Ctrl-C reaches only us, and we stop the workers in order.
      detached: true,
    });
    const stderrTail: string[] = [];
    forEachLine(child.stderr, (line) => {
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
      relog(log, line);
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const url = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`worker ${id} did not start within ${opts.startTimeoutMs ?? 30_000} ms`));
      }, opts.startTimeoutMs ?? 30_000);
      forEachLine(child.stdout, (line) => {
        try {
          const msg = JSON.parse(line) as { listening?: unknown; pid?: unknown };
          if (typeof msg.listening === 'string') {
            clearTimeout(timer);
            resolve({ url: msg.listening, pid: typeof msg.pid === 'number' ? msg.pid : (child.pid ?? 0) });
            return;
          }
        } catch {
          // not the announcement
        }
        log.info({ stdout: line }, 'worker output');
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const tail = stderrTail.join('\n');
        reject(new Error(`worker ${id} exited before listening (code ${code}, signal ${signal})\n${tail}`));
      });
    });
    const member: Member = { ref: { id, url: url.url, pid: url.pid }, child, alive: true, exited };
    child.once('exit', (code, signal) => {
      member.alive = false;
      if (!stopping) log.error({ code, signal }, 'worker exited unexpectedly');
    });
    return member;
  };

  const stopAll = async (list: Member[]): Promise<void> => {
    stopping = true;
    await Promise.all(
      list.map(async (m) => {
        if (m.child.exitCode !== null || m.child.signalCode !== null) return;
        m.child.kill('SIGTERM');
        const timer = setTimeout(() => m.child.kill('SIGKILL'), KILL_AFTER_MS);
        await m.exited;
        clearTimeout(timer);
      }),
    );
  };

  const started = await Promise.allSettled(
    Array.from({ length: opts.count }, (_, i) => spawnOne(`w${i + 1}`)),
  );
  for (const s of started) if (s.status === 'fulfilled') members.push(s.value);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await stopAll(members);
    throw failed.reason;
  }
  opts.logger.info({ workers: members.map((m) => m.ref) }, 'local fleet started');

  let stopped: Promise<void> | null = null;
  return {
    workers: () => members.filter((m) => m.alive).map((m) => ({ ...m.ref })),
    stop: () => {
      stopped ??= stopAll(members);
      return stopped;
    },
  };
}

function forEachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let tail = '';
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => {
    const lines = (tail + text).split('\n');
    tail = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') onLine(line);
  });
  stream.on('end', () => {
    if (tail.trim() !== '') onLine(tail);
  });
}

/** A worker's pino line, logged again through our logger at its level; anything else as a warning. */
function relog(log: Logger, line: string): void {
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const level = PINO_LEVELS[entry.level as number];
    if (level) {
      const { level: _l, time: _t, hostname: _h, name: _n, pid: _p, msg, ...rest } = entry;
      log[level](rest, typeof msg === 'string' ? msg : '');
      return;
    }
  } catch {
    // not JSON: an uncaught exception's stack, a warning from Node
  }
  log.warn({ stderr: line }, 'worker stderr');
}
