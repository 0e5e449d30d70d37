// The coordinator: plans each statement, runs a parallel plan's chunks on the workers inside one exported
// snapshot, and finishes the merge; everything else runs whole on PostgreSQL.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { Catalog } from '../catalog/catalog.ts';
import { listFleet } from '../cluster/list-fleet.ts';
import { PRIMARY, type ServerSet } from '../cluster/servers.ts';
import type { Fleet } from '../cluster/types.ts';
import { invalidRequest } from '../errors/codes.ts';
import { PgError, toPgError } from '../errors/pg-error.ts';
import { buildFinalQuery, CannotMerge, fieldRoles } from '../merge/final-query.ts';
import { RAW_TEXT } from '../pg/raw-text.ts';
import { fromPg, type SqlClient } from '../pg/sql-client.ts';
import { mentionedNames } from '../plan/checks.ts';
import { chunkPlanPays, type ExplainNode, MIN_SPLIT_PAGES, splitPaysOff } from '../plan/payoff.ts';
import { planStatement } from '../plan/planner.ts';
import type { DistributedPlan, ParallelPlan, UnionPlan } from '../plan/types.ts';
import type { Ast } from '../sql/ast.ts';
import { mayChangeCatalog } from '../sql/ddl.ts';
import { initParser, type ParsedStatement, parseSql, statementSql } from '../sql/parser.ts';
import type { FieldInfo } from '../worker/protocol.ts';
import type { QueryRequest, QueryResult, ShardStat } from './api.ts';
import { type Description, describeStatement } from './describe.ts';
import { type Consistency, pinnedPlacement, spreadPlacement } from './placement.ts';
import { openReplicaHost, type ReplicaHost, replicaBroke } from './replica-host.ts';
import { Scheduler, type SchedulerOptions } from './scheduler.ts';
import type { ChunkPlacement } from './scheduler-state.ts';
import { shardSettings } from './shard-settings.ts';
import { planSummary } from './summary.ts';
import type { WorkerRef } from './worker-client.ts';

export type { WorkerRef };

export interface CoordinatorOptions {
  databaseUrl: string;
  /** The worker fleet (a registry with health checks); when absent, `workers` wrapped as an all-healthy fleet. */
  fleet?: Fleet;
  /** The workers as a plain list, each running up to 4 chunks at once (used when `fleet` is absent). */
  workers?: () => WorkerRef[];
  secret: string;
  logger: Logger;
  defaultChunks?: number;
  /** In `auto` mode, statements whose estimated cost is below this run whole. */
  costThreshold?: number;
  /** In `auto` mode, a split table with fewer pages runs whole (default MIN_SPLIT_PAGES, 8 MB). */
  minSplitPages?: number;
  /** Scheduler settings: chunk timeout, attempts per chunk, wait for a worker, speculation (see scheduler.ts). */
  chunkTimeoutMs?: number;
  maxAttempts?: number;
  noWorkerTimeoutMs?: number;
  speculation?: SchedulerOptions['speculation'];
  /** The primary and its read replicas (src/cluster/servers.ts); absent or without replicas: the primary only. */
  servers?: ServerSet;
  /** How chunks use the replicas (default `snapshot`; see placement.ts). */
  consistency?: Consistency;
}

/**
 * A client session that has a statement split on its own PostgreSQL connection (the gateway): planning, the
 * snapshot, the final merge and any fallback run there, with the session's settings, role and temporary
 * objects; the shards run with its role and result-affecting settings.
 */
export interface SessionTarget {
  conn: SqlClient;
  /** Parse + Describe on the session connection, with the parameter types the client declared. */
  describe(sql: string): Promise<Description>;
  /** The client's own REPEATABLE READ transaction block is open and has written nothing: split inside it. */
  inTransaction: boolean;
  /** current_user of the session. */
  role: string;
  /** The session's settings to run shards with (set_config names and current_setting values). */
  settings: Record<string, string>;
  searchPath: string;
  /** Catalog cache scope: whatever besides search_path changes what names mean for this session. */
  catalogScope: string;
  /** The session's statement_timeout in ms (0: none). */
  statementTimeoutMs: number;
  /** Key under which a "too cheap to split" decision is remembered (see `precheck`). */
  decisionKey: string;
  /** Split only statements whose row order is fixed by the statement (see plan/order.ts). */
  fixedOrderOnly: boolean;
}

/** A session statement the coordinator did not split: the client's backend runs it unchanged. */
export interface NotSplit {
  passthrough: true;
  plan: Record<string, unknown>;
}

/** What running one statement's plan needs: the snapshot connection and the statement's description. */
interface RunContext {
  client: SqlClient;
  fields: FieldInfo[];
  paramTypes: number[];
  params: (string | null)[];
  statementId: string;
  signal: AbortSignal | undefined;
  /** Epoch ms when the session's statement_timeout expires (undefined: no timeout). */
  deadline: number | undefined;
  /** The exported snapshot id (exported on first use). */
  snapshot: () => Promise<string>;
  /** Role and settings the shards run with. */
  role: string | null;
  settings: Record<string, string>;
  /** With read replicas: where the chunks run, given the exported snapshot. */
  placement?: (snapshot: string) => ChunkPlacement;
  /** Settings a final merge on a replica runs with (what the statement's own connection prints with). */
  mergeSettings: Record<string, string>;
}

/** A parallel plan's answer: the rows, one stat per chunk, and why it ran whole instead, if it did. */
type Executed = { rows: (string | null)[][]; shards: ShardStat[]; fallback?: string };

/** Settings whose values change query results; shards run with the coordinator session's values. */
const RESULT_SETTINGS = [
  'DateStyle',
  'IntervalStyle',
  'TimeZone',
  'search_path',
  'bytea_output',
  'lc_monetary',
];

/** Default split threshold in PostgreSQL cost units (about a sequential scan of 10k rows). */
export const DEFAULT_COST_THRESHOLD = 500;
/** Above this many estimated result rows, a plan that needs a final statement runs whole instead. */
const MAX_MERGE_ROWS = 200_000;

/** PostgreSQL's estimate for the whole statement: total cost, result rows and its plan (absent when EXPLAIN failed). */
interface CostEstimate {
  cost: number;
  rows: number;
  plan?: ExplainNode;
}

/** How long a statement shape found too cheap to split runs whole without asking PostgreSQL again. */
const CHEAP_TTL_MS = 10_000;

/** Statements that may drop a connection's prepared statements (a word match: false alarms cost a reconnect). */
const DROPS_PREPARED = /\b(discard|deallocate)\b/i;

export class Coordinator {
  /** Statement shapes (by decision key) recently found to run whole: far below the threshold, or a split that does not pay. */
  private readonly cheap = new Map<string, { reason: string; until: number }>();
  private readonly pool: pg.Pool;
  private readonly catalog = new Catalog();
  private settings: Record<string, string> = {};
  /** The same settings as the primary prints with (its own extra_float_digits): a final merge on a replica uses them. */
  private printSettings: Record<string, string> = {};
  private role: string | null = null;
  /** The session's statement_timeout in ms (0: none). */
  private statementTimeoutMs = 0;
  private readonly log: Logger;
  private readonly fleet: Fleet;
  private readonly scheduler: Scheduler;

  constructor(private readonly opts: CoordinatorOptions) {
    this.pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 32, types: RAW_TEXT });
    this.log = opts.logger;
    if (opts.fleet) this.fleet = opts.fleet;
    else if (opts.workers) this.fleet = listFleet(opts.workers);
    else throw new TypeError('Coordinator needs a fleet or a workers list');
    const scheduling: SchedulerOptions = { fleet: this.fleet, logger: opts.logger };
    if (opts.chunkTimeoutMs !== undefined) scheduling.chunkTimeoutMs = opts.chunkTimeoutMs;
    if (opts.maxAttempts !== undefined) scheduling.maxAttempts = opts.maxAttempts;
    if (opts.noWorkerTimeoutMs !== undefined) scheduling.noWorkerTimeoutMs = opts.noWorkerTimeoutMs;
    if (opts.speculation !== undefined) scheduling.speculation = opts.speculation;
    this.scheduler = new Scheduler(scheduling);
    // An idle connection PostgreSQL closed (restart, idle timeout) must not take the coordinator down.
    this.pool.on('error', (err) => this.log.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
  }

  async init(): Promise<void> {
    await initParser();
    const res = await this.pool.query({
      text: 'SELECT name, setting FROM pg_settings WHERE name = ANY($1)',
      values: [[...RESULT_SETTINGS, 'statement_timeout', 'extra_float_digits']],
    });
    const settings: Record<string, string> = {};
    for (const r of res.rows) {
      if (r.name === 'statement_timeout') {
        // pg_settings reports it in ms. Chunks get it too, so PostgreSQL enforces it on each of them.
        this.statementTimeoutMs = Number(r.setting);
        settings.statement_timeout = String(r.setting);
        continue;
      }
      const name = RESULT_SETTINGS.find((s) => s.toLowerCase() === String(r.name).toLowerCase()) ?? r.name;
      settings[name] = r.setting;
    }
    // Exact float text on the way to the merge; the final statement prints with the session's own setting.
    this.printSettings = { ...settings };
    settings.extra_float_digits = '3';
    this.settings = settings;
    // Shards run as the role the statement runs as here, so GRANTs and row-level security apply as directly.
    this.role = String((await this.pool.query('SELECT current_user AS u')).rows[0]?.u);
  }

  async close(): Promise<void> {
    await this.scheduler.close();
    await this.pool.end();
  }

  async explain(req: QueryRequest): Promise<unknown> {
    const out = await this.prepare(req, true);
    return out.summary;
  }

  async query(req: QueryRequest, signal?: AbortSignal): Promise<QueryResult> {
    const out = await this.run(req, signal, undefined);
    if ('passthrough' in out) throw new Error('unreachable: HTTP statements run whole in run()');
    return out;
  }

  /**
   * Plans `req` on the client session's own connection and, when the plan is parallel, runs it there (see
   * SessionTarget). Answers NotSplit when the session's backend should run the statement itself; then nothing
   * is left open on the connection. Errors leave an idle session's connection idle again and a transaction
   * block as it was; the caller may then run the statement whole to get PostgreSQL's own answer.
   */
  async querySession(
    req: QueryRequest,
    session: SessionTarget,
    signal?: AbortSignal,
  ): Promise<QueryResult | NotSplit> {
    return this.run(req, signal, session);
  }

  /**
   * A reason to run a session's statement whole that costs no round trip: it reads no table, or a statement
   * of the same shape (`decisionKey`: fingerprint, constants ignored) was estimated far below the split
   * threshold moments ago. Null: plan it.
   */
  precheck(stmt: Ast, decisionKey: string): string | null {
    if (mentionedNames(stmt).tables.length === 0) return 'no table to split';
    return this.recall(decisionKey);
  }

  /** The reason a statement under `decisionKey` was found to run whole, while that is still fresh. */
  private recall(decisionKey: string): string | null {
    const hit = this.cheap.get(decisionKey);
    return hit && hit.until > Date.now() ? hit.reason : null;
  }

  /** The plan the session's statement would run with (nothing is left open on the connection). */
  async explainSession(req: QueryRequest, session: SessionTarget): Promise<Record<string, unknown>> {
    return (await this.prepare(req, true, session)).summary;
  }

  private async run(
    req: QueryRequest,
    signal: AbortSignal | undefined,
    session: SessionTarget | undefined,
  ): Promise<QueryResult | NotSplit> {
    const started = performance.now();
    const prepared = await this.prepare(req, false, session);
    const { plan, client, description } = prepared;
    const done = async (ok: boolean) => {
      if (!client) return;
      if (!session) await client.query(ok ? 'COMMIT' : 'ROLLBACK').catch(() => {});
      else if (!session.inTransaction) await client.query(ok ? 'COMMIT' : 'ROLLBACK');
    };
    try {
      if (plan.kind === 'passthrough' || !client || !description) {
        await done(false);
        if (session) return { passthrough: true, plan: prepared.summary };
        return await this.runWhole(req, prepared.summary, started, prepared.planMs, prepared.pooled);
      }
      const timeoutMs = session ? session.statementTimeoutMs : this.statementTimeoutMs;
      let exported: string | undefined;
      const ctx: RunContext = {
        client,
        fields: description.fields,
        paramTypes: description.paramTypes,
        params: req.params ?? [],
        statementId: prepared.statementId,
        signal,
        deadline: timeoutMs > 0 ? Date.now() + timeoutMs - (performance.now() - started) : undefined,
        snapshot: async () => {
          exported ??= (await client.query({ text: 'SELECT pg_export_snapshot()', rowMode: 'array' }))
            .rows[0]?.[0];
          return exported as string;
        },
        role: session ? session.role : this.role,
        settings: session ? session.settings : this.settings,
        mergeSettings: session ? session.settings : this.printSettings,
      };
      const whole = { sql: req.sql, values: req.params ?? [] };
      const { result, server } = await this.place(ctx, session, (c) =>
        plan.kind === 'union' ? this.runUnion(plan, c, whole) : this.runParallel(plan, c, whole),
      );
      await done(true);
      return {
        columns: description.fields.map((f) => ({ name: f.name, typeOid: f.typeOid })),
        rows: result.rows,
        plan: {
          ...prepared.summary,
          ...(result.fallback ? { mode: 'passthrough', reason: result.fallback } : {}),
        },
        stats: {
          elapsedMs: performance.now() - started,
          planMs: prepared.planMs,
          shards: result.shards,
          ...(server === undefined ? {} : { server }),
        },
      };
    } catch (err) {
      if (client) await done(false).catch(() => {});
      throw toPgErrorLogged(err, this.log);
    } finally {
      prepared.pooled?.release();
    }
  }

  /**
   * Runs a parallel plan where the servers allow. Without replicas: on the planning connection, as always.
   * With them, the primary's WAL position is read first (every transaction committed before this statement
   * ends at or before it); then in `spread` consistency the snapshot and merge stay on the planning
   * connection and each chunk goes to any server that has replayed that far; in `snapshot` consistency the
   * least loaded server takes the whole statement: a replica exports its own snapshot once it has replayed
   * that far (else the next server), and if anything fails there the statement runs again on the primary in
   * the planning snapshot. Session statements bound to the primary (a transaction block of the client's,
   * temporary objects) and a failed WAL read keep everything on the primary.
   */
  private async place(
    ctx: RunContext,
    session: SessionTarget | undefined,
    execute: (ctx: RunContext) => Promise<Executed>,
  ): Promise<{ result: Executed; server?: string }> {
    const servers = this.opts.servers;
    if (!servers?.hasReplicas) return { result: await execute(ctx) };
    const onPrimary = async (): Promise<{ result: Executed; server: string }> => {
      servers.statementStarted(PRIMARY);
      try {
        const placement = (snap: string) => pinnedPlacement(servers, PRIMARY, snap);
        return { result: await execute({ ...ctx, placement }), server: PRIMARY };
      } finally {
        servers.statementFinished(PRIMARY);
      }
    };
    const bound = session && (session.inTransaction || session.catalogScope !== session.role);
    if (bound || servers.available().length < 2) return onPrimary();
    let lsn: bigint;
    try {
      lsn = await servers.startLsn();
    } catch (err) {
      this.log.warn({ why: messageOf(err) }, 'cannot read the primary WAL position; not using replicas');
      return onPrimary();
    }
    if ((this.opts.consistency ?? 'snapshot') === 'spread') {
      servers.statementStarted(PRIMARY);
      try {
        const placement = (snap: string) => spreadPlacement(servers, snap, lsn);
        return { result: await execute({ ...ctx, placement }), server: PRIMARY };
      } finally {
        servers.statementFinished(PRIMARY);
      }
    }
    const host = await this.replicaHost(servers, lsn, ctx);
    if (!host) return onPrimary();
    servers.statementStarted(host.server);
    try {
      const placement = (snap: string) => pinnedPlacement(servers, host.server, snap);
      const result = await execute({
        ...ctx,
        client: host.client,
        snapshot: async () => host.snapshot,
        placement,
      });
      await host.close(true);
      return { result, server: host.server };
    } catch (err) {
      const broken = replicaBroke(err);
      await host.close(false, broken);
      const late = ctx.deadline !== undefined && Date.now() >= ctx.deadline;
      if (ctx.signal?.aborted || late || toPgError(err).code === '57014') throw err;
      if (broken) servers.reportFault(host.server, messageOf(err));
      // A statement error (division by zero) is expected to fail on the primary the same way: not a warning.
      this.log[broken ? 'warn' : 'debug'](
        { statementId: ctx.statementId, server: host.server, why: messageOf(err) },
        'statement failed on a replica; running it on the primary',
      );
      return onPrimary();
    } finally {
      servers.statementFinished(host.server);
    }
  }

  /** The first server in load order that is a replica and has replayed `lsn` (null: the primary's turn). */
  private async replicaHost(servers: ServerSet, lsn: bigint, ctx: RunContext): Promise<ReplicaHost | null> {
    for (const id of servers.rankForStatement()) {
      if (id === PRIMARY) return null;
      try {
        const host = await openReplicaHost(servers, id, lsn, ctx.role, ctx.mergeSettings);
        if (host) return host;
        this.log.debug({ statementId: ctx.statementId, server: id }, 'replica behind the statement start');
      } catch (err) {
        if (replicaBroke(err)) servers.reportFault(id, messageOf(err));
        this.log.warn(
          { statementId: ctx.statementId, server: id, why: messageOf(err) },
          'replica refused the statement',
        );
      }
    }
    return null;
  }

  /** Parses, describes and plans. For a parallel plan the returned client holds the snapshot transaction. */
  private async prepare(
    req: QueryRequest,
    explainOnly: boolean,
    session?: SessionTarget,
  ): Promise<{
    plan: DistributedPlan;
    summary: Record<string, unknown>;
    /** For a parallel plan: the connection holding the snapshot transaction (or the client's block). */
    client: SqlClient | undefined;
    /** The pooled connection behind `client` (HTTP statements), to release. */
    pooled: pg.PoolClient | undefined;
    description: { fields: FieldInfo[]; paramTypes: number[] } | undefined;
    planMs: number;
    statementId: string;
  }> {
    if (typeof req.sql !== 'string') throw invalidRequest('sql must be a string');
    const t0 = performance.now();
    const statementId = randomUUID().slice(0, 8);
    const mode = req.mode ?? 'auto';
    const none = (reason: string) => {
      const plan: DistributedPlan = { kind: 'passthrough', reason };
      return {
        plan,
        summary: planSummary(plan),
        client: undefined,
        pooled: undefined,
        description: undefined,
        planMs: performance.now() - t0,
        statementId,
      };
    };
    if (mode === 'passthrough') return none('passthrough requested');
    let stmt: Ast;
    let text: string;
    try {
      const stmts = parseSql(req.sql);
      if (stmts.length !== 1) return none(stmts.length === 0 ? 'empty statement' : 'several statements');
      const parsed = stmts[0] as ParsedStatement;
      stmt = parsed.stmt;
      text = statementSql(req.sql, parsed);
    } catch {
      return none('the SQL parser rejected the statement (PostgreSQL reports the error)');
    }
    if (!stmt.SelectStmt) return none(`${Object.keys(stmt)[0]} is not a SELECT`);
    // Sessions remember "runs whole" by statement shape (see precheck), HTTP statements by their text.
    const decisionKey = session?.decisionKey ?? `sql:${req.sql}`;
    const remembered = session || mode !== 'auto' ? null : this.recall(decisionKey);
    if (remembered !== null) return none(remembered);
    const workers = this.fleet.available().length;
    if (workers === 0) return none('no workers available');
    const pooled = session ? undefined : await this.pool.connect();
    const client: SqlClient = session ? session.conn : fromPg(pooled as pg.PoolClient);
    // Planning runs in the snapshot transaction, or in a savepoint of the client's own block (released when
    // the plan is parallel: pg_export_snapshot() refuses to run in a subtransaction).
    const inBlock = session?.inTransaction === true;
    const abandon = async () => {
      if (inBlock) {
        await client.query('ROLLBACK TO SAVEPOINT mb_plan');
        await client.query('RELEASE SAVEPOINT mb_plan');
      } else await client.query('ROLLBACK');
      pooled?.release();
    };
    const threshold = this.opts.costThreshold ?? DEFAULT_COST_THRESHOLD;
    /** Statements under the same key (shape for sessions, text for HTTP) run whole for a while unplanned. */
    const remember = (reason: string) => {
      if (this.cheap.size > 10_000) this.cheap.clear();
      this.cheap.set(decisionKey, { reason, until: Date.now() + CHEAP_TTL_MS });
    };
    const tooCheap = (cost: number) => {
      const reason = `estimated cost ${cost} is below the split threshold`;
      if (cost < threshold / 4) remember(reason);
      return reason;
    };
    // Outside a transaction block the estimate comes first, in autocommit: a statement too cheap to split
    // (most are) then costs one round trip, without a snapshot transaction, Describe or catalog.
    let estimate: CostEstimate | undefined;
    if (mode === 'auto' && !inBlock) {
      try {
        estimate = await this.estimateCost(client, text, req.params ?? [], false);
      } catch (err) {
        pooled?.release();
        throw err;
      }
      if (estimate.cost < threshold) {
        pooled?.release();
        return none(tooCheap(estimate.cost));
      }
    }
    try {
      await client.query(inBlock ? 'SAVEPOINT mb_plan' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const description = session
        ? await session.describe(req.sql)
        : await describeStatement(pooled as pg.PoolClient, req.sql);
      const view = await this.catalog.view(
        client,
        {
          ...mentionedNames(stmt),
          types: [...description.fields.map((f) => f.typeOid), ...description.paramTypes],
        },
        session ? session.searchPath : (this.settings.search_path ?? ''),
        session ? session.catalogScope : '',
      );
      let cost: number | undefined;
      let estRows = 0;
      let explained: ExplainNode | undefined;
      if (mode === 'auto') {
        ({
          cost,
          rows: estRows,
          plan: explained,
        } = estimate ?? (await this.estimateCost(client, text, req.params ?? [], true)));
        if (cost < threshold) {
          await abandon();
          return { ...none(tooCheap(cost)), description };
        }
      }
      const chunks = req.chunks ?? this.opts.defaultChunks ?? { workers };
      const planInput = {
        stmt,
        catalog: view,
        resultTypes: description.fields.map((f) => f.typeOid),
        resultNames: description.fields.map((f) => f.name),
        paramTypes: description.paramTypes,
        chunks,
        ...(session?.fixedOrderOnly ? { fixedOrderOnly: true } : {}),
      };
      // Forced splits (mode parallel, or no cost threshold) keep groups whole per chunk whenever they can;
      // auto mode does only when partial groups would be too many to merge (below).
      const forced = mode === 'parallel' || threshold === 0;
      let plan = planStatement({ ...planInput, ...(forced ? { groupKeySplit: true } : {}) });
      if (mode === 'auto' && plan.kind === 'parallel' && plan.merge.final && estRows > MAX_MERGE_ROWS) {
        plan = {
          kind: 'passthrough',
          reason: `about ${Math.round(estRows)} result rows: merging them costs more than splitting saves`,
        };
      }
      // A cost threshold of 0 asks to split whatever can be split; otherwise PostgreSQL's own plan of the
      // statement says whether block ranges and a merge can beat it.
      if (mode === 'auto' && plan.kind === 'parallel' && threshold > 0 && explained) {
        let no = splitPaysOff(plan, explained, this.opts.minSplitPages ?? MIN_SPLIT_PAGES);
        if (no?.rule === 'many groups') {
          // Split on a group key instead, so no partial groups travel, if the chunks read their key ranges
          // through an index.
          const alt = planStatement({ ...planInput, groupKeySplit: true });
          if (
            alt.kind === 'parallel' &&
            alt.merge.kind === 'rows' &&
            !(alt.merge.final && estRows > MAX_MERGE_ROWS) &&
            (await this.chunkPays(client, alt, req.params ?? []))
          ) {
            plan = alt;
            no = null;
          }
        }
        if (no) {
          plan = { kind: 'passthrough', reason: no.reason };
          remember(no.reason);
        }
      }
      const summary = { ...planSummary(plan), ...(cost !== undefined ? { cost } : {}) };
      const planMs = performance.now() - t0;
      if (plan.kind === 'passthrough' || explainOnly) {
        await abandon();
        return { plan, summary, client: undefined, pooled: undefined, description, planMs, statementId };
      }
      if (inBlock) await client.query('RELEASE SAVEPOINT mb_plan');
      return { plan, summary, client, pooled, description, planMs, statementId };
    } catch (err) {
      await abandon().catch(() => pooled?.release());
      throw err;
    }
  }

  /**
   * Whether a middle chunk's plan pays (see `chunkPlanPays`): EXPLAIN of the shard statement with that
   * chunk's bounds, in a savepoint of the planning transaction.
   */
  private async chunkPays(
    client: SqlClient,
    plan: ParallelPlan,
    params: (string | null)[],
  ): Promise<boolean> {
    const chunk = plan.split.chunks[Math.floor(plan.split.chunks.length / 2)];
    if (!chunk) return false;
    const values = [...plan.shardParams.user.map((k) => params[k - 1] ?? null), chunk.lo, chunk.hi];
    const explained = await explainJson(client, `EXPLAIN (FORMAT JSON) ${plan.shardSql}`, values, true);
    const alias = plan.split.ref[plan.split.ref.length - 1] ?? plan.split.table.name;
    return explained !== null && chunkPlanPays(explained, plan.split.table.name, alias);
  }

  /**
   * PostgreSQL's estimated total cost of the statement (EXPLAIN of its own text, with the parameters: no
   * deparse); 0 when EXPLAIN fails (the statement then runs whole and PostgreSQL reports the error). In a
   * transaction the EXPLAIN runs in a savepoint, so a failure leaves the transaction usable.
   */
  private async estimateCost(
    client: SqlClient,
    /** One SELECT, as parsed (no `;`, no second statement). */
    text: string,
    params: (string | null)[],
    inTransaction: boolean,
  ): Promise<CostEstimate> {
    const plan = await explainJson(client, `EXPLAIN (FORMAT JSON) ${text}`, params, inTransaction);
    if (plan === null) return { cost: 0, rows: 0 };
    return { cost: Number(plan['Total Cost'] ?? 0), rows: Number(plan['Plan Rows'] ?? 0), plan };
  }

  /** Runs the statement unchanged, on its own connection (autocommit), as a client would directly. */
  private async runWhole(
    req: QueryRequest,
    summary: Record<string, unknown>,
    started: number,
    planMs: number,
    client: pg.PoolClient | undefined,
  ): Promise<QueryResult> {
    const c = client ?? (await this.pool.connect());
    try {
      const res = await c.query({ text: req.sql, values: req.params ?? [], rowMode: 'array' });
      if (mayChangeCatalog(req.sql)) this.invalidateCatalog();
      const last = Array.isArray(res) ? res[res.length - 1] : res;
      return {
        columns: (last?.fields ?? []).map((f: pg.FieldDef) => ({ name: f.name, typeOid: f.dataTypeID })),
        rows: (last?.rows ?? []) as (string | null)[][],
        plan: summary,
        stats: { elapsedMs: performance.now() - started, planMs, shards: [] },
      };
    } catch (err) {
      throw toPgErrorLogged(err, this.log);
    } finally {
      // A connection that may have dropped its prepared statements (the catalog's among them) is closed, not
      // pooled again: node-postgres would still send them by name.
      if (!client) c.release(DROPS_PREPARED.test(req.sql) ? true : undefined);
    }
  }

  /** Runs a parallel plan's chunks and finishes its merge on `ctx.client` (which holds the snapshot). */
  private async runParallel(
    plan: ParallelPlan,
    ctx: RunContext,
    whole: { sql: string; values: (string | null)[] },
  ): Promise<Executed> {
    const { client, params } = ctx;
    const outFields = ctx.fields;
    const userValues = plan.shardParams.user.map((k) => params[k - 1] ?? null);
    let outcome: Awaited<ReturnType<Scheduler['submit']>>;
    try {
      const snapshot = await ctx.snapshot();
      outcome = await this.scheduler.submit({
        plan,
        statementId: ctx.statementId,
        secret: this.opts.secret,
        snapshot,
        ...(ctx.placement ? { placement: ctx.placement(snapshot) } : {}),
        settings: shardSettings(ctx.settings, plan),
        role: ctx.role,
        userValues,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(ctx.deadline !== undefined ? { deadline: ctx.deadline } : {}),
      });
    } catch (err) {
      if (toPgError(err).code !== LOCK_NOT_AVAILABLE) throw err;
      // A shard's table lock queued behind DDL that itself waits for this statement's snapshot connection:
      // PostgreSQL cannot see that cycle, so shards give up after SHARD_LOCK_TIMEOUT and the statement runs
      // whole on the connection that already holds its locks.
      this.log.warn(
        { statementId: ctx.statementId },
        'a shard could not lock its table; running the statement whole',
      );
      const res = await client.query({ text: whole.sql, values: whole.values, rowMode: 'array' });
      return {
        rows: res.rows as (string | null)[][],
        shards: [],
        fallback: 'a shard could not lock its table (DDL waiting)',
      };
    }
    const merge = plan.merge;
    await client.query('SAVEPOINT mb_final');
    try {
      let rows: (string | null)[][];
      if (!merge.final) {
        const roles = fieldRoles(merge, outcome.fields);
        const targets = roles.flatMap((r, i) => (r.kind === 'target' ? [i] : []));
        const same =
          targets.length === outFields.length &&
          targets.every((i, k) => outcome.fields[i]?.typeOid === outFields[k]?.typeOid);
        if (!same && outcome.fields.length > 0)
          throw new CannotMerge('shard result types differ from the statement');
        rows = outcome.rows.map((r) => (r.length === targets.length ? r : r.slice(0, targets.length)));
        if (merge.kind === 'rows') {
          const end = merge.limit === null ? undefined : merge.offset + merge.limit;
          rows = rows.slice(merge.offset, end);
        }
      } else {
        const fq = buildFinalQuery({
          merge,
          fields: outcome.fields,
          rows: outcome.rows,
          names: outFields.map((f) => f.name),
          typeName: (oid) => this.typeName(oid),
          paramTypes: ctx.paramTypes.map((oid) => this.typeName(oid)),
          params,
        });
        const res = await client.query({ text: fq.sql, values: fq.values, rowMode: 'array' });
        const same =
          res.fields.length === outFields.length &&
          res.fields.every((f, i) => f.dataTypeID === outFields[i]?.typeOid);
        if (!same) throw new CannotMerge('final result types differ from the statement');
        rows = res.rows as (string | null)[][];
      }
      await client.query('RELEASE SAVEPOINT mb_final');
      return { rows, shards: outcome.shards };
    } catch (err) {
      // The merge could not be finished exactly: run the statement whole, in the same snapshot.
      const why = err instanceof CannotMerge ? err.message : toPgError(err).message;
      this.log.warn({ statementId: ctx.statementId, why }, 'final merge failed; running the statement whole');
      await client.query('ROLLBACK TO SAVEPOINT mb_final');
      const res = await client.query({ text: whole.sql, values: whole.values, rowMode: 'array' });
      return {
        rows: res.rows as (string | null)[][],
        shards: outcome.shards,
        fallback: `merge fell back: ${why}`,
      };
    }
  }

  /** Runs a UNION ALL branch by branch in the statement's snapshot, then its ORDER BY/LIMIT. */
  private async runUnion(
    plan: UnionPlan,
    ctx: RunContext,
    whole: { sql: string; values: (string | null)[] },
  ): Promise<Executed> {
    const { client, params } = ctx;
    const all: (string | null)[][] = [];
    const shards: ShardStat[] = [];
    const runWhole = async (why: string) => {
      this.log.warn({ statementId: ctx.statementId, why }, 'union merge failed; running the statement whole');
      const res = await client.query({ text: whole.sql, values: whole.values, rowMode: 'array' });
      return { rows: res.rows as (string | null)[][], shards, fallback: `merge fell back: ${why}` };
    };
    for (const b of plan.branches) {
      const values = b.params.map((k) => params[k - 1] ?? null);
      if (b.plan.kind === 'parallel') {
        const out = await this.runParallel(b.plan, ctx, { sql: b.sql, values });
        all.push(...out.rows);
        shards.push(...out.shards);
      } else {
        await client.query('SAVEPOINT mb_branch');
        try {
          const res = await client.query({ text: b.sql, values, rowMode: 'array' });
          const same =
            res.fields.length === ctx.fields.length &&
            res.fields.every((f, i) => f.dataTypeID === ctx.fields[i]?.typeOid);
          await client.query('RELEASE SAVEPOINT mb_branch');
          if (!same) return await runWhole('a branch has other column types than the union');
          all.push(...(res.rows as (string | null)[][]));
        } catch (err) {
          await client.query('ROLLBACK TO SAVEPOINT mb_branch');
          throw err;
        }
      }
    }
    const merge = plan.merge;
    if (!merge.final) {
      const end = merge.limit === null ? undefined : merge.offset + merge.limit;
      return { rows: all.slice(merge.offset, end), shards };
    }
    const fq = buildFinalQuery({
      merge,
      fields: ctx.fields,
      rows: all,
      names: ctx.fields.map((f) => f.name),
      typeName: (oid) => this.typeName(oid),
      paramTypes: ctx.paramTypes.map((oid) => this.typeName(oid)),
      params,
    });
    const res = await client.query({ text: fq.sql, values: fq.values, rowMode: 'array' });
    return { rows: res.rows as (string | null)[][], shards };
  }

  /** Forgets everything the catalog cached (after DDL through the gateway: a cached column may have changed). */
  invalidateCatalog(): void {
    this.catalog.invalidate();
    this.cheap.clear();
  }

  /** [schema, name] of a type the catalog has loaded. */
  typeName(oid: number): [string, string] | undefined {
    return this.catalog.typeNameOf(oid);
  }
}

/**
 * The top plan node of an `EXPLAIN (FORMAT JSON)` statement, or null when PostgreSQL refuses it. In a
 * transaction it runs in a savepoint, so a failure leaves the transaction usable.
 */
async function explainJson(
  client: SqlClient,
  explain: string,
  values: (string | null)[],
  inTransaction: boolean,
): Promise<ExplainNode | null> {
  if (inTransaction) await client.query('SAVEPOINT mb_explain');
  try {
    const res = await client.query({ text: explain, values });
    if (inTransaction) await client.query('RELEASE SAVEPOINT mb_explain');
    const doc = JSON.parse(String(res.rows[0]?.['QUERY PLAN'] ?? '[]'));
    return (doc[0]?.Plan as ExplainNode | undefined) ?? null;
  } catch {
    if (inTransaction) await client.query('ROLLBACK TO SAVEPOINT mb_explain');
    return null;
  }
}

/** lock_not_available: a shard gave up waiting for its table lock. */
const LOCK_NOT_AVAILABLE = '55P03';

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function toPgErrorLogged(err: unknown, log: Logger): PgError {
  const e = toPgError(err);
  if (e.code === 'XX000' && !(err instanceof PgError)) log.error({ err }, 'unexpected error');
  return e;
}
