// A worker's side of self-registration: register with the coordinator, heartbeat, drain and deregister on shutdown.
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import { idFromUrl } from './registry.ts';

export const DEFAULT_HEARTBEAT_MS = 3000;

export interface RegistrationOptions {
  /** The coordinator's HTTP API, e.g. `http://coordinator:8080`. */
  coordinatorUrl: string;
  secret: string;
  /** Where the coordinator reaches this worker. */
  url: string;
  /** Defaults to the coordinator's choice (the URL's host:port). */
  id?: string;
  pid: number;
  /** Chunks this worker takes at once (the coordinator's default when absent). */
  concurrency?: number;
  /** Time between heartbeats (re-registrations), default 3000 ms. */
  heartbeatMs?: number;
  /** Time one request to the coordinator may take (default 2000 ms). */
  timeoutMs?: number;
  logger: Logger;
}

/**
 * Keeps a worker registered: registers at once, then again every `heartbeatMs` (so a restarted coordinator
 * learns it again within one interval). On shutdown: `drain()` (the coordinator sends no new chunks), let
 * the running chunks finish, then `deregister()`. Failures are logged, never thrown: a worker keeps serving
 * whether or not the coordinator is reachable.
 *
 * @example
 *   const link = new CoordinatorLink({ coordinatorUrl, secret, url: worker.url, pid: process.pid, logger });
 *   link.start();
 *   // on SIGTERM:
 *   await link.drain(); await worker.close(); await link.deregister();
 */
export class CoordinatorLink {
  private readonly heartbeatMs: number;
  private readonly timeoutMs: number;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | null = null;
  private beat: Promise<void> | null = null;
  private stopped = false;
  /** The id the coordinator confirmed (ours, or the one it chose). */
  private id: string;
  /** Whether the last registration attempt failed (to log an outage once, and its end). */
  private failing = false;
  private registered = false;

  constructor(private readonly opts: RegistrationOptions) {
    this.heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.log = opts.logger.child({ coordinator: opts.coordinatorUrl });
    this.id = opts.id ?? idFromUrl(opts.url);
  }

  /** Registers now and keeps heartbeating until `drain()` or `stop()`. */
  start(): void {
    if (this.stopped || this.beat) return;
    this.tick();
  }

  /** Resolves after the next registration attempt has finished (for tests and start-up ordering). */
  async settled(): Promise<void> {
    await this.beat;
  }

  /** Stops heartbeating and tells the coordinator to send no new chunks. */
  async drain(): Promise<void> {
    this.stop();
    await this.beat;
    const ok = await this.post('/api/workers/drain', { id: this.id });
    if (ok) this.log.info({ id: this.id }, 'draining: the coordinator sends no new chunks');
  }

  /** Stops heartbeating and removes this worker from the coordinator's registry. */
  async deregister(): Promise<void> {
    this.stop();
    await this.beat;
    const ok = await this.post('/api/workers/deregister', { id: this.id });
    if (ok) this.log.info({ id: this.id }, 'deregistered');
  }

  /** Stops heartbeating (no request). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private tick(): void {
    this.timer = null;
    this.beat = this.register().finally(() => {
      if (this.stopped) return;
      this.timer = setTimeout(() => this.tick(), this.heartbeatMs);
    });
  }

  private async register(): Promise<void> {
    const body: Record<string, unknown> = { url: this.opts.url, pid: this.opts.pid };
    if (this.opts.id !== undefined) body.id = this.opts.id;
    if (this.opts.concurrency !== undefined) body.concurrency = this.opts.concurrency;
    const answer = await this.post('/api/workers/register', body, !this.failing);
    if (answer === null) {
      this.failing = true;
      return;
    }
    if (typeof answer.id === 'string') this.id = answer.id;
    if (this.failing || !this.registered) {
      this.log.info({ id: this.id, url: this.opts.url }, 'registered with the coordinator');
    }
    this.failing = false;
    this.registered = true;
  }

  /** POSTs JSON with the secret; the parsed answer on 2xx, else null (logged as a warning when `loud`). */
  private post(path: string, body: unknown, loud = true): Promise<Record<string, unknown> | null> {
    const text = JSON.stringify(body);
    return new Promise((resolve) => {
      let done = false;
      const finish = (answer: Record<string, unknown> | null, problem?: string, detail?: unknown): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (problem !== undefined) {
          const fields = { path, problem, detail };
          if (loud) this.log.warn(fields, 'request to the coordinator failed');
          else this.log.debug(fields, 'request to the coordinator failed');
        }
        resolve(answer);
      };
      let req: http.ClientRequest;
      try {
        const target = new URL(path, this.opts.coordinatorUrl);
        req = (target.protocol === 'https:' ? https : http).request(target, {
          method: 'POST',
          agent: false,
          headers: {
            authorization: `Bearer ${this.opts.secret}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(text),
          },
        });
      } catch (err) {
        this.log.error({ err, path }, 'cannot reach the coordinator: bad URL');
        resolve(null);
        return;
      }
      const timer = setTimeout(() => {
        req.destroy();
        finish(null, `no answer within ${this.timeoutMs} ms`);
      }, this.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => finish(null, err.code ?? err.message));
      req.on('response', (res) => {
        let answer = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => {
          if (answer.length < 16_384) answer += s;
        });
        res.on('error', (err) => finish(null, err.message));
        res.on('end', () => {
          let parsed: unknown = null;
          try {
            parsed = JSON.parse(answer);
          } catch {
            // not JSON: reported below with the status
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300 && typeof parsed === 'object' && parsed !== null) {
            return finish(parsed as Record<string, unknown>);
          }
          const error = (parsed as { error?: unknown } | null)?.error ?? answer.slice(0, 500);
          const what = status === 401 ? "HTTP 401: the coordinator rejected this worker's secret" : '';
          finish(null, what || `HTTP ${status}`, error);
        });
      });
      req.end(text);
    });
  }
}
