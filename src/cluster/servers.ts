// The database servers chunks may run on: the primary plus streaming replicas, their health, lag and load.
import pg from 'pg';
import type { Logger } from 'pino';
import { RAW_TEXT } from '../pg/raw-text.ts';
import { formatLsn, insertEnd, parseLsn } from './lsn.ts';
import { FixedRate } from './periodic.ts';
import type { ServerInfo, ServerRole, ServerState } from './server-info.ts';
import { ServerProbe, type ServerSample } from './server-monitor.ts';

export type { ServerInfo, ServerRole, ServerState };

export const PRIMARY = 'primary';
export const DEFAULT_MAX_REPLICA_LAG_MS = 5000;
export const DEFAULT_SERVER_CHECK_MS = 1000;

export interface ServerSetOptions {
  /** The primary (the coordinator's --database-url). */
  primaryUrl: string;
  /** Streaming replicas of it, ids `r1`, `r2`, ... in this order. */
  replicaUrls?: readonly string[];
  /** A replica whose replay lag is over this is out of the rotation (default 5000 ms). */
  maxLagMs?: number;
  /** Time between checks of every server (default 1000 ms). */
  intervalMs?: number;
  logger: Logger;
}

interface Member {
  id: string;
  role: ServerRole;
  /** Full URL, credentials included: never logged, never shown. */
  url: string;
  shownUrl: string;
  probe: ServerProbe | null;
  /** Connections the coordinator runs a statement's snapshot and merge on (replicas only). */
  pool: pg.Pool | null;
  state: ServerState;
  reason: string | null;
  lagMs: number | null;
  lsn: bigint | null;
  lastCheck: number | null;
  /** Date.now() of the last check that found it caught up with the primary. */
  caughtUpAt: number | null;
  statementsRunning: number;
  chunksRunning: number;
  chunksCompleted: number;
  chunksFailed: number;
}

/**
 * The primary and its replicas. Every `intervalMs` it samples the primary's WAL write position, then each
 * replica: up, in recovery, a standby of the same cluster (system identifier, when readable), replay
 * position and lag. Lag is 0 when the replica has replayed at least what the primary had written when
 * sampled just before, so an idle primary never makes a replica look behind; otherwise it is the smaller
 * of the time since the replica was last seen caught up and the age of the last transaction it replayed.
 * A replica that is down, not a standby, or lags over `maxLagMs` is out of the rotation until a check
 * finds it fine again. The primary is always in the rotation.
 *
 * @example
 *   const servers = new ServerSet({ primaryUrl, replicaUrls: [r1, r2], maxLagMs: 5000, logger });
 *   await servers.start();
 *   servers.list(); // [{ id: 'primary', role: 'primary', state: 'up', ... }, { id: 'r1', ... }]
 *   await servers.stop();
 */
export class ServerSet {
  readonly maxLagMs: number;
  readonly intervalMs: number;
  private readonly members: Member[];
  private readonly log: Logger;
  /** Connections to the primary for statement start positions. */
  private readonly primaryPool: pg.Pool | null;
  /** Rounds of checks every `intervalMs` (fixed rate). */
  private readonly loop: FixedRate;
  private round: Promise<void> | null = null;
  private stopped = false;
  private rr = 0;
  private walBlockSize = 8192;
  private walSegmentSize = 16 * 1024 * 1024;

  constructor(opts: ServerSetOptions) {
    this.log = opts.logger.child({ component: 'servers' });
    this.maxLagMs = opts.maxLagMs ?? DEFAULT_MAX_REPLICA_LAG_MS;
    this.intervalMs = opts.intervalMs ?? DEFAULT_SERVER_CHECK_MS;
    this.loop = new FixedRate(this.intervalMs, () => this.checkAll());
    const replicas = opts.replicaUrls ?? [];
    const timeout = Math.max(250, Math.min(2000, this.intervalMs));
    const member = (id: string, role: ServerRole, url: string): Member => ({
      id,
      role,
      url,
      shownUrl: withoutPassword(url),
      probe: replicas.length > 0 ? new ServerProbe(url, timeout, this.log.child({ server: id })) : null,
      pool: role === 'replica' ? this.pool(url, id, 32) : null,
      state: role === 'primary' ? 'up' : 'starting',
      reason: role === 'primary' ? null : 'not checked yet',
      lagMs: null,
      lsn: null,
      lastCheck: null,
      caughtUpAt: null,
      statementsRunning: 0,
      chunksRunning: 0,
      chunksCompleted: 0,
      chunksFailed: 0,
    });
    this.members = [
      member(PRIMARY, 'primary', opts.primaryUrl),
      ...replicas.map((url, i) => member(`r${i + 1}`, 'replica', url)),
    ];
    this.primaryPool = replicas.length > 0 ? this.pool(opts.primaryUrl, PRIMARY, 8) : null;
  }

  /** Whether any replica is configured (without one, everything runs on the primary as before). */
  get hasReplicas(): boolean {
    return this.members.length > 1;
  }

  /** Checks every server once, then every `intervalMs`. */
  async start(): Promise<void> {
    if (!this.hasReplicas || this.stopped) return;
    if (this.primaryPool) {
      const res = await this.primaryPool
        .query(
          "SELECT current_setting('wal_block_size') AS b, (SELECT setting FROM pg_settings WHERE name = 'wal_segment_size') AS s",
        )
        .catch(() => null);
      const row = res?.rows[0] as { b?: string; s?: string } | undefined;
      if (row?.b) this.walBlockSize = Number(row.b);
      if (row?.s) this.walSegmentSize = Number(row.s);
    }
    await this.checkAll();
    if (!this.stopped) this.loop.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.loop.stop();
    await this.round?.catch(() => {});
    for (const m of this.members) {
      await m.probe?.close();
      await m.pool?.end().catch(() => {});
    }
    await this.primaryPool?.end().catch(() => {});
  }

  /** One round of checks (the primary first, then every replica at once); never throws. */
  checkAll(): Promise<void> {
    this.round ??= this.checkRound().finally(() => {
      this.round = null;
    });
    return this.round;
  }

  list(): ServerInfo[] {
    return this.members.map((m) => ({
      id: m.id,
      role: m.role,
      url: m.shownUrl,
      state: m.state,
      inRotation: this.inRotation(m),
      lagMs: m.lagMs === null ? null : Math.round(m.lagMs),
      replayLsn: m.lsn === null ? null : formatLsn(m.lsn),
      statementsRunning: m.statementsRunning,
      chunksRunning: m.chunksRunning,
      chunksCompleted: m.chunksCompleted,
      chunksFailed: m.chunksFailed,
      lastCheck: m.lastCheck === null ? null : new Date(m.lastCheck).toISOString(),
      reason: m.reason,
    }));
  }

  /** Ids of the servers in the rotation: the primary first, then the replicas that are up. */
  available(): string[] {
    return this.members.filter((m) => this.inRotation(m)).map((m) => m.id);
  }

  /** The server's connection URL (credentials included: for the workers, never for logs). */
  urlOf(id: string): string {
    return this.member(id).url;
  }

  /** A connection to a replica for a statement's snapshot and final merge; release it when done. */
  connect(id: string): Promise<pg.PoolClient> {
    const pool = this.member(id).pool;
    if (!pool) throw new Error(`server ${id} has no statement pool`);
    return pool.connect();
  }

  /**
   * Where the primary's WAL ends now (`pg_current_wal_insert_lsn()`, moved back over a page header): every
   * transaction committed before this call, asynchronously committed ones included, ends at or before it.
   * A replica that has replayed this far sees all of them.
   */
  async startLsn(): Promise<bigint> {
    if (!this.primaryPool) throw new Error('no replicas configured');
    const res = await this.primaryPool.query('SELECT pg_current_wal_insert_lsn()::text AS l');
    const text = String((res.rows[0] as { l: string }).l);
    return insertEnd(parseLsn(text), this.walBlockSize, this.walSegmentSize);
  }

  /**
   * Servers in the rotation ordered for the next statement: fewest statements running there, then fewest
   * chunks, ties taken in turn (so statements one after another still visit every server).
   */
  rankForStatement(): string[] {
    return this.rank((m) => [m.statementsRunning, m.chunksRunning]);
  }

  /** Servers in the rotation ordered for the next chunk: fewest chunks running, ties taken in turn. */
  rankForChunk(): string[] {
    return this.rank((m) => [m.chunksRunning, 0]);
  }

  /** The replay position the last check saw (null: unknown, or the primary). */
  replayedLsn(id: string): bigint | null {
    const m = this.member(id);
    return m.role === 'replica' ? m.lsn : null;
  }

  /** A chunk or statement on `id` failed because of the server: out of the rotation until a check passes. */
  reportFault(id: string, reason: string): void {
    const m = this.members.find((x) => x.id === id);
    if (!m || m.role === 'primary' || m.state === 'down') return;
    this.log.warn({ server: id, reason }, 'replica failed; out of the rotation until a check passes');
    m.state = 'down';
    m.reason = reason;
    m.lagMs = null;
  }

  statementStarted(id: string): void {
    this.member(id).statementsRunning++;
  }

  statementFinished(id: string): void {
    const m = this.member(id);
    m.statementsRunning = Math.max(0, m.statementsRunning - 1);
  }

  chunkStarted(id: string): void {
    this.member(id).chunksRunning++;
  }

  /** `aborted`: stopped by the scheduler (another attempt won, the statement ended): not counted as either. */
  chunkFinished(id: string, outcome: 'ok' | 'failed' | 'aborted'): void {
    const m = this.member(id);
    m.chunksRunning = Math.max(0, m.chunksRunning - 1);
    if (outcome === 'ok') m.chunksCompleted++;
    else if (outcome === 'failed') m.chunksFailed++;
  }

  private rank(key: (m: Member) => [number, number]): string[] {
    const start = this.rr++;
    const live = this.members.filter((m) => this.inRotation(m));
    const turn = (i: number) => (i - (start % live.length) + live.length) % live.length;
    return live
      .map((m, i) => ({ m, k: key(m), t: turn(i) }))
      .sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.t - b.t)
      .map((x) => x.m.id);
  }

  private inRotation(m: Member): boolean {
    return m.role === 'primary' || m.state === 'up';
  }

  private member(id: string): Member {
    const m = this.members.find((x) => x.id === id);
    if (!m) throw new Error(`unknown server ${id}`);
    return m;
  }

  private pool(url: string, id: string, max: number): pg.Pool {
    const pool = new pg.Pool({
      connectionString: url,
      max,
      types: RAW_TEXT,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 5000,
      application_name: 'mini-balancer coordinator',
    });
    pool.on('error', (err) => this.log.debug({ server: id, err: err.message }, 'idle connection lost'));
    return pool;
  }

  private async checkRound(): Promise<void> {
    const [primary, ...replicas] = this.members;
    if (!primary) return;
    const base = await this.sample(primary);
    if (base) {
      if (base.inRecovery) {
        primary.reason = 'the primary is itself in recovery: replicas are not used';
        primary.lsn = null;
      } else {
        primary.reason = null;
        primary.lsn = base.lsn;
      }
    }
    await Promise.all(replicas.map((r) => this.checkReplica(r, base)));
  }

  private async sample(m: Member): Promise<ServerSample | null> {
    try {
      const s = (await m.probe?.check()) ?? null;
      if (s) {
        m.lastCheck = s.at;
        if (m.role === 'primary') m.state = 'up';
      }
      return s;
    } catch (err) {
      const reason = `no answer: ${err instanceof Error ? err.message : String(err)}`;
      if (m.state !== 'down') this.log.warn({ server: m.id, reason }, 'server check failed');
      m.state = 'down';
      m.reason = reason;
      if (m.role === 'replica') m.lagMs = null;
      return null;
    }
  }

  private async checkReplica(m: Member, base: ServerSample | null): Promise<void> {
    const s = await this.sample(m);
    if (!s) return;
    const was = m.state;
    m.lsn = s.lsn;
    const set = (state: ServerState, reason: string | null) => {
      m.state = state;
      m.reason = reason;
      if (state !== was) this.log.info({ server: m.id, state, reason, lagMs: m.lagMs }, 'replica state');
    };
    if (!s.inRecovery) return set('invalid', 'not in recovery (promoted, or not a standby)');
    if (!base || base.inRecovery || base.lsn === null)
      return set('invalid', 'the primary cannot be checked, so its replicas are not used');
    if (s.systemId !== null && base.systemId !== null && s.systemId !== base.systemId)
      return set('invalid', 'a different cluster than the primary (system identifier differs)');
    if (s.lsn !== null && s.lsn >= base.lsn) {
      m.caughtUpAt = base.at;
      m.lagMs = 0;
    } else {
      const since = m.caughtUpAt === null ? null : Math.max(0, s.at - m.caughtUpAt);
      const candidates = [since, s.replayAgeMs].filter((x): x is number => x !== null);
      m.lagMs = candidates.length === 0 ? null : Math.min(...candidates);
    }
    if (m.lagMs === null) return set('lagging', 'replay lag not known yet');
    if (m.lagMs > this.maxLagMs)
      return set(
        'lagging',
        `replay lag ${Math.round(m.lagMs)} ms is over ${this.maxLagMs} ms${s.replayPaused ? ' (replay paused)' : ''}`,
      );
    set('up', null);
  }
}

/** A connection URL with its password replaced (for the API, the dashboard and logs). */
export function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(database URL)';
  }
}
