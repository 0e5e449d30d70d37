// Runs workers as local child processes (`mini-balancer worker --port 0`), restarts those that die, lists the live ones.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { WorkerRef } from '../exec/worker-client.ts';
import type { WorkerRegistry } from './registry.ts';

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
  /**
   * Where the workers are entered (source `local`, with pid; `unhealthy` until a health check passes). A
   * worker that dies is reported as a fault at once, and entered again, same id, when it has restarted.
   */
  registry?: WorkerRegistry;
  /** Chunks each worker may run at once, for the registry (its default when absent). */
  concurrency?: number;
  /**
   * Delay before restarting a worker that died (default 500 ms), doubled after each failed start up to 10 s;
   * null: dead workers stay dead.
   */
  restartDelayMs?: number | null;
}

export interface LocalFleet {
  /** The workers still running, in id order (`w1`, `w2`, ...). */
  workers(): LocalWorkerRef[];
  /**
   * Marks every worker draining in the registry, then SIGTERM to each, SIGKILL to those still running 5 s
   * later; cancels pending restarts; resolves when all have exited.
   */
  stop(): Promise<void>;
}

const BIN = fileURLToPath(new URL('../../bin/mini-balancer.js', import.meta.url));
const KILL_AFTER_MS = 5000;
const MAX_RESTART_DELAY_MS = 10_000;
/** A worker that ran this long before dying restarts after the base delay again. */
const STABLE_AFTER_MS = 30_000;
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
  startedAt: number;
}

/**
 * Spawns `count` workers and waits until each has printed its `listening` line. The secret goes through
 * the environment (`MB_WORKER_SECRET`), never argv; workers log JSON to stderr, which is re-logged here
 * with the worker's id. Workers exit by themselves if this process dies (their stdin closes). A worker
 * that dies is restarted after a short backoff under the same id (new port and pid).
 *
 * @example
 *   const fleet = await startLocalFleet({ count: 4, databaseUrl, secret, logger, registry });
 *   fleet.workers(); // [{ id: 'w1', url: 'http://127.0.0.1:41234', pid: 4242 }, ...]
 *   await fleet.stop();
 */
export async function startLocalFleet(opts: LocalFleetOptions): Promise<LocalFleet> {
  const members = new Map<string, Member>();
  let stopping = false;
  const baseDelay = opts.restartDelayMs === undefined ? 500 : opts.restartDelayMs;
  const delays = new Map<string, number>();
  const restartTimers = new Set<NodeJS.Timeout>();
  const restarting = new Set<Promise<void>>();

  const enter = (m: Member): void => {
    const spec = { id: m.ref.id, url: m.ref.url, pid: m.ref.pid, source: 'local' as const };
    opts.registry?.add(opts.concurrency === undefined ? spec : { ...spec, concurrency: opts.concurrency });
  };

  const scheduleRestart = (id: string, delay: number): void => {
    delays.set(id, Math.min(delay * 2, MAX_RESTART_DELAY_MS));
    const timer = setTimeout(() => {
      restartTimers.delete(timer);
      if (stopping) return;
      const log = opts.logger.child({ worker: id });
      const task = spawnOne(id).then(
        (m) => {
          members.set(id, m);
          if (stopping) return;
          enter(m);
          log.info({ url: m.ref.url, pid: m.ref.pid }, 'worker restarted');
        },
        (err: unknown) => {
          log.error({ err }, 'worker failed to restart');
          if (!stopping) scheduleRestart(id, delays.get(id) ?? MAX_RESTART_DELAY_MS);
        },
      );
      restarting.add(task);
      void task.finally(() => restarting.delete(task));
    }, delay);
    restartTimers.add(timer);
  };

  const onExit = (member: Member, code: number | null, signal: NodeJS.Signals | null): void => {
    member.alive = false;
    if (stopping) return;
    const { id } = member.ref;
    opts.logger.child({ worker: id }).error({ code, signal }, 'worker exited unexpectedly');
    opts.registry?.reportFault(id, `its process exited (${signal ?? `code ${code}`})`);
    if (baseDelay === null) return;
    const stable = Date.now() - member.startedAt >= STABLE_AFTER_MS;
    scheduleRestart(id, stable ? baseDelay : (delays.get(id) ?? baseDelay));
  };

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
        // Local workers are entered by this fleet; they must not also register themselves.
        MB_COORDINATOR_URL: '',
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
    const member: Member = {
      ref: { id, url: url.url, pid: url.pid },
      child,
      alive: true,
      exited,
      startedAt: Date.now(),
    };
    if (child.exitCode !== null || child.signalCode !== null) member.alive = false;
    else child.once('exit', (code, signal) => onExit(member, code, signal));
    return member;
  };

  const stopAll = async (): Promise<void> => {
    stopping = true;
    for (const timer of restartTimers) clearTimeout(timer);
    restartTimers.clear();
    await Promise.allSettled([...restarting]);
    const list = [...members.values()];
    for (const m of list) opts.registry?.drain(m.ref.id);
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

  const ids = Array.from({ length: opts.count }, (_, i) => `w${i + 1}`);
  const started = await Promise.allSettled(ids.map((id) => spawnOne(id)));
  for (const s of started) if (s.status === 'fulfilled') members.set(s.value.ref.id, s.value);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  for (const m of members.values()) enter(m);
  opts.logger.info({ workers: [...members.values()].map((m) => m.ref) }, 'local fleet started');

  let stopped: Promise<void> | null = null;
  return {
    workers: () => [...members.values()].filter((m) => m.alive).map((m) => ({ ...m.ref })),
    stop: () => {
      stopped ??= stopAll();
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
