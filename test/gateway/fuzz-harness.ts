// The fuzz test's harness: the stack, a healthy session querying throughout, and the checks run after each case.
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import pg from 'pg';
import { expect } from 'vitest';
import { RAW_TEXT } from '../../src/pg/raw-text.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { authenticate, type Credentials, RawConnection, startupMessage } from './wire.ts';

/** application_name of every fuzz session, so pg_stat_activity shows the ones that outlive their client. */
export const FUZZ_APP = 'mb-fuzz';
/** A statement the coordinator splits. */
export const AGGREGATE = 'SELECT l_returnflag, count(*), sum(l_quantity) FROM lineitem GROUP BY 1 ORDER BY 1';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** A long-lived pg.Client session through the gateway, querying in a loop and checking every answer. */
export class HealthySession {
  runs = 0;
  readonly failures: string[] = [];
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: pg.Client,
    private readonly aggregate: string[][],
  ) {}

  /** One round: a split aggregate (simple protocol), a parameterized query (extended), a plain count. */
  async once(): Promise<void> {
    const i = this.runs++;
    try {
      if (i % 3 === 0) {
        const r = await this.client.query({ text: AGGREGATE, rowMode: 'array' });
        expect(r.rows).toEqual(this.aggregate);
      } else if (i % 3 === 1) {
        const r = await this.client.query({ text: 'SELECT $1::int * 2 AS d', values: [i], rowMode: 'array' });
        expect(r.rows).toEqual([[String(i * 2)]]);
      } else {
        const r = await this.client.query({ text: 'SELECT count(*) FROM nation', rowMode: 'array' });
        expect(r.rows).toEqual([['25']]);
      }
    } catch (e) {
      this.failures.push(`healthy query ${i}: ${(e as Error).message}`);
    }
  }

  /** Queries in the background until stopped (or until the first wrong answer). */
  start(): void {
    this.loop = (async () => {
      while (!this.stopped && this.failures.length === 0) {
        await this.once();
        await sleep(10);
      }
    })();
  }

  /** Stops the background loop (the session stays open for a last `once()`). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.client.end().catch(() => {});
  }
}

/**
 * The gateway of a test stack, a direct monitoring connection, and a healthy session through the gateway
 * that has answered once and keeps querying in the background.
 */
export class FuzzHarness {
  private constructor(
    readonly stack: TestStack,
    readonly who: Credentials,
    private readonly monitor: pg.Client,
    readonly healthy: HealthySession,
  ) {}

  static async start(): Promise<FuzzHarness> {
    const stack = await startTestStack({ workers: 2 });
    const url = new URL(stack.databaseUrl);
    const who = {
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: decodeURIComponent(url.pathname.slice(1)),
    };
    const monitor = new pg.Client({ connectionString: stack.databaseUrl, types: RAW_TEXT });
    await monitor.connect();
    const aggregate = (await monitor.query({ text: AGGREGATE, rowMode: 'array' })).rows;
    url.hostname = '127.0.0.1';
    url.port = String(stack.pgPort);
    const client = new pg.Client({ connectionString: url.toString(), types: RAW_TEXT });
    const healthy = new HealthySession(client, aggregate);
    client.on('error', (err) => healthy.failures.push(`healthy session error: ${err.message}`));
    await client.connect();
    await healthy.once(); // before any fuzzing
    expect(healthy.failures).toEqual([]);
    healthy.start();
    return new FuzzHarness(stack, who, monitor, healthy);
  }

  async stop(): Promise<void> {
    await this.healthy.close();
    await this.monitor.end();
    await this.stack.stop();
  }

  open(): Promise<RawConnection> {
    return RawConnection.open(this.stack.pgPort);
  }

  /** Start-up and authentication as the suite's user, tagged with FUZZ_APP. */
  login(conn: RawConnection): Promise<void> {
    return authenticate(conn, this.who, { application_name: FUZZ_APP });
  }

  /** The StartupMessage `login` sends, for cases that stop before authenticating. */
  startup(): Buffer {
    return startupMessage({ user: this.who.user, database: this.who.database, application_name: FUZZ_APP });
  }

  /** The listener accepts and the event loop answers: an SSLRequest gets its one-byte answer. */
  async gatewayAnswers(): Promise<boolean> {
    const conn = await this.open();
    try {
      const request = Buffer.alloc(8);
      request.writeInt32BE(8);
      request.writeInt32BE(80_877_103, 4);
      conn.write(request);
      return await conn.until(() => conn.unframed.length > 0, 5000);
    } finally {
      conn.socket.destroy();
    }
  }

  /** After every case: the gateway still answers and the healthy session saw nothing wrong. */
  async expectUnharmed(): Promise<void> {
    expect(await this.gatewayAnswers(), 'the gateway answers a new connection').toBe(true);
    expect(this.healthy.failures).toEqual([]);
  }

  /** Backends of fuzz sessions, and backends still authenticating, that PostgreSQL has open. */
  async fuzzBackends(): Promise<number> {
    const r = await this.monitor.query({
      text: `SELECT count(*) FROM pg_stat_activity
             WHERE backend_type = 'client backend' AND (application_name = $1 OR state = 'starting')`,
      values: [FUZZ_APP],
      rowMode: 'array',
    });
    return Number(r.rows[0]?.[0]);
  }

  /** Waits until no fuzz session has a backend any more; returns how many remain after `ms`. */
  async backendsSettle(ms = 10_000): Promise<number> {
    const deadline = Date.now() + ms;
    for (;;) {
      const n = await this.fuzzBackends();
      if (n === 0 || Date.now() > deadline) return n;
      await sleep(100);
    }
  }

  /**
   * Client connections the gateway holds open (established or half-closed by the client): sockets whose
   * local port is the gateway's, from the kernel's table (TIME_WAIT entries have no inode and are left out).
   */
  gatewayConnections(): number {
    const port = this.stack.pgPort.toString(16).toUpperCase().padStart(4, '0');
    return readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(`:${port}`) && f[3] !== '0A' && f[9] !== '0').length;
  }
}

/** This process's heap after a full collection, the least of three samples (the gateway runs in it). */
export async function heapUsedAfterGc(): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    gc();
    samples.push(process.memoryUsage().heapUsed);
    await sleep(50);
  }
  return Math.min(...samples);
}
