// One worker as a child process (`mini-balancer worker`), for tests that kill, stop or slow it down.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/mini-balancer.js', import.meta.url));

export interface WorkerProcess {
  id: string;
  url: string;
  pid: number;
  child: ChildProcess;
  /** SIGKILL (after SIGCONT, in case it was stopped); resolves when it has exited. */
  kill(): Promise<void>;
}

/**
 * Starts `node bin/mini-balancer.js worker --host 127.0.0.1 --port 0` (or at `listen`) and waits for its
 * `listening` line. The worker exits with this process (stdin closes) if a test forgets it.
 *
 * @example
 *   const w = await spawnWorker('w1', databaseUrl, secret);
 *   process.kill(w.pid, 'SIGSTOP');
 *   await w.kill();
 */
export async function spawnWorker(
  id: string,
  databaseUrl: string,
  secret: string,
  listen: { host: string; port: number } = { host: '127.0.0.1', port: 0 },
): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [BIN, 'worker', '--host', listen.host, '--port', String(listen.port), '--database-url', databaseUrl],
    {
      env: {
        ...process.env,
        MB_WORKER_SECRET: secret,
        MB_WORKER_EXIT_WITH_PARENT: '1',
        MB_LOG_LEVEL: 'error',
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const { listening: url, pid } = await new Promise<{ listening: string; pid: number }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`worker ${id} did not start`)), 30_000);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      out += text;
      const line = out.split('\n').find((l) => l.includes('"listening"'));
      if (!line) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as { listening: string; pid: number });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker ${id} exited with ${code} before listening`));
    });
  });
  return {
    id,
    url,
    pid,
    child,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
      await exited;
    },
  };
}
