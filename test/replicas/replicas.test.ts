// Read replicas with real streaming replication: a primary and two hot standbys, chunks on all three servers.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTpchBench } from '../../src/bench/tpch-bench.ts';
import { BENCH_QUERY_SET } from '../../src/bench/tpch-query-set.ts';
import { type RunningServer, startServer } from '../../src/cli/serve.ts';
import type { ServerInfo } from '../../src/cluster/server-info.ts';
import { loadTpch } from '../../src/data/tpch/load.ts';
import { RAW_TEXT } from '../../src/pg/raw-text.ts';
import type { DiffCase } from '../differential/case.ts';
import { cases as aggregateCases } from '../differential/cases/aggregates.ts';
import { compareResults, type Result } from '../differential/compare.ts';
import { loadTestSchema } from '../fixtures/schema.ts';
import { type ReplicatedCluster, startReplicatedCluster } from '../support/replication.ts';

const SECRET = 'replica-test-worker-secret';
const MAX_LAG_S = 1;
/** Swapping whole rows (all columns but the key) keeps every aggregate that does not look at the key. */
const KEYLESS = aggregateCases.filter((c) => !/\bid\b/i.test(c.sql));

let cluster: ReplicatedCluster | undefined;
/** `snapshot` consistency, with the local workers and the PostgreSQL-protocol gateway. */
let snapshot: RunningServer | undefined;
/** `spread` consistency, on the same workers. */
let spread: RunningServer | undefined;
let direct: pg.Client | undefined;
const expected = new Map<string, Result>();

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, asserted on field by field
  body: any;
}

async function query(server: RunningServer, kase: DiffCase, chunks: number): Promise<Answer> {
  const res = await fetch(`${server.httpUrl}/api/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sql: kase.sql, params: kase.params ?? [], mode: 'parallel', chunks }),
  });
  return { status: res.status, body: await res.json() };
}

/** The answer must be 200 and equal the direct answer on the primary before any write. */
function exact(kase: DiffCase, answer: Answer): string | null {
  if (answer.status !== 200)
    return `${kase.name}: HTTP ${answer.status} ${JSON.stringify(answer.body?.error)}`;
  const want = expected.get(kase.name) as Result;
  const diff = compareResults(want, answer.body, { ordered: kase.ordered ?? false });
  return diff === null ? null : `${kase.name}: ${diff}`;
}

const serversOf = (answer: Answer): string[] =>
  (answer.body?.stats?.shards ?? []).map((s: { server?: string }) => String(s.server));

async function servers(server: RunningServer): Promise<ServerInfo[]> {
  return (await (await fetch(`${server.httpUrl}/api/servers`)).json()) as ServerInfo[];
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting until ${what}`);
}

const stateOf = async (server: RunningServer, id: string) =>
  (await servers(server)).find((s) => s.id === id)?.state;

beforeAll(async () => {
  cluster = await startReplicatedCluster({
    replicas: 2,
    database: 'mb_replicas',
    load: async (client) => {
      await loadTestSchema(client);
      await loadTpch(client, { scaleFactor: 0.01, seed: 42 });
      await client.query('VACUUM ANALYZE');
    },
  });
  const logger = pino(
    { level: process.env.MB_LOG_LEVEL ?? 'error' },
    pino.destination({ dest: 2, sync: true }),
  );
  const common = {
    databaseUrl: cluster.primary.url,
    replicaUrls: cluster.replicas.map((r) => r.url),
    maxReplicaLagMs: MAX_LAG_S * 1000,
    serverCheckIntervalMs: 200,
    minSplitPages: 0,
    secret: SECRET,
    httpPort: 0,
    logger,
  };
  snapshot = await startServer({ ...common, workers: 3, pgPort: 0, consistency: 'snapshot' });
  spread = await startServer({
    ...common,
    workers: 0,
    workerUrls: snapshot.fleet.workers().map((w) => w.url),
    consistency: 'spread',
  });
  direct = new pg.Client({ connectionString: cluster.primary.url, types: RAW_TEXT });
  await direct.connect();
  for (const kase of aggregateCases) {
    const r = await direct.query({ text: kase.sql, values: kase.params ?? [], rowMode: 'array' });
    expected.set(kase.name, {
      columns: r.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID })),
      rows: r.rows,
    });
  }
}, 180_000);

afterAll(async () => {
  await direct?.end().catch(() => {});
  await spread?.stop();
  await snapshot?.stop();
  await cluster?.stop();
});

describe('read replicas', () => {
  it('lists the primary and both replicas in GET /api/servers, streaming and in the rotation', async () => {
    const list = await servers(snapshot!);
    expect(list.map((s) => [s.id, s.role, s.state, s.inRotation])).toEqual([
      ['primary', 'primary', 'up', true],
      ['r1', 'replica', 'up', true],
      ['r2', 'replica', 'up', true],
    ]);
    for (const s of list) {
      expect(s.url).not.toContain('replica-test-secret');
      expect(s.replayLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    }
    expect(list.filter((s) => s.role === 'replica').map((s) => s.lagMs)).toEqual([0, 0]);
  });

  it(`spread: all ${aggregateCases.length} aggregate cases exact on static data, chunks on all three servers`, async () => {
    const problems: string[] = [];
    const used = new Map<string, number>();
    let split = 0;
    for (const kase of aggregateCases) {
      const answer = await query(spread!, kase, 6);
      const p = exact(kase, answer);
      if (p) problems.push(p);
      if (answer.body?.plan?.mode === 'parallel') split++;
      for (const s of serversOf(answer)) used.set(s, (used.get(s) ?? 0) + 1);
    }
    expect(problems).toEqual([]);
    expect(split).toBeGreaterThan(aggregateCases.length / 2);
    expect([...used.keys()].sort()).toEqual(['primary', 'r1', 'r2']);
    const counts = await servers(spread!);
    for (const s of counts) expect(s.chunksCompleted, s.id).toBeGreaterThan(0);
  });

  it(`snapshot: ${KEYLESS.length} aggregate cases exact while a writer swaps rows; one server per statement, all three used`, async () => {
    const writer = new pg.Client({ connectionString: cluster!.primary.url });
    await writer.connect();
    const cols = (
      await writer.query<{ c: string }>(
        "SELECT quote_ident(attname) AS c FROM pg_attribute WHERE attrelid = 't_facts'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'id' ORDER BY attnum",
      )
    ).rows.map((r) => r.c);
    // One statement swaps everything but the key between two rows: every aggregate that ignores the key
    // keeps its value, while both rows move to new pages. A statement whose chunks saw different snapshots
    // would see a swapped row twice or not at all.
    const swap = `UPDATE t_facts t SET (${cols.join(', ')}) = (SELECT ${cols.join(', ')} FROM t_facts s
      WHERE s.id = CASE WHEN t.id = $1 THEN $2::bigint ELSE $1::bigint END) WHERE t.id IN ($1, $2)`;
    let stop = false;
    let swaps = 0;
    const writing = (async () => {
      while (!stop) {
        const a = 1 + Math.floor(Math.random() * 20_000);
        const b = 1 + ((a + Math.floor(Math.random() * 19_999)) % 20_000);
        await writer.query(swap, [a, b]);
        swaps++;
      }
    })();
    const problems: string[] = [];
    const hosts = new Map<string, number>();
    let swapsDuringReads = 0;
    try {
      while (swaps < 5) await new Promise((r) => setTimeout(r, 5));
      const before = swaps;
      for (let round = 0; round < 2; round++) {
        for (const kase of KEYLESS) {
          const answer = await query(snapshot!, kase, 4);
          const p = exact(kase, answer);
          if (p) problems.push(p);
          if (answer.body?.plan?.mode !== 'parallel') continue;
          const host = String(answer.body.stats.server);
          hosts.set(host, (hosts.get(host) ?? 0) + 1);
          const pinned = serversOf(answer).filter((s) => s !== host);
          if (pinned.length > 0) problems.push(`${kase.name}: chunks on ${pinned} but snapshot on ${host}`);
        }
      }
      swapsDuringReads = swaps - before;
    } finally {
      stop = true;
      await writing;
      await writer.end();
    }
    expect(problems).toEqual([]);
    expect([...hosts.keys()].sort()).toEqual(['primary', 'r1', 'r2']);
    expect(swapsDuringReads, 'swaps committed while the statements ran').toBeGreaterThan(KEYLESS.length);
  });

  it('gateway sessions: statements of an idle session use the replicas, a REPEATABLE READ block stays on the primary', async () => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: snapshot!.pgPort as number,
      user: 'postgres',
      password: 'replica-test-secret',
      database: 'mb_replicas',
      types: RAW_TEXT,
    });
    await client.connect();
    const cases = KEYLESS.filter((c) => c.expectSplit && !c.params).slice(0, 12);
    const problems: string[] = [];
    const check = async (kase: DiffCase) => {
      const r = await client.query({ text: kase.sql, rowMode: 'array' });
      const got = { columns: r.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID })), rows: r.rows };
      const diff = compareResults(expected.get(kase.name) as Result, got, { ordered: true });
      if (diff) problems.push(`${kase.name}: ${diff}`);
    };
    type Entry = { id: number; mode: string; shards: { server?: string }[] };
    const history = async () => (await (await fetch(`${snapshot!.httpUrl}/api/history`)).json()) as Entry[];
    const serversIn = (entries: Entry[]) => [
      ...new Set(entries.flatMap((h) => h.shards.map((x) => x.server))),
    ];
    let idle: Entry[];
    let inBlock: Entry[];
    try {
      // Through the gateway only statements with a fixed row order split; these answer one row each.
      const lastId = async () => Math.max(0, ...(await history()).map((h) => h.id));
      const start = await lastId();
      for (const kase of cases) await check(kase);
      const mid = await lastId();
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      for (const kase of cases) await check(kase);
      await client.query('COMMIT');
      const all = await history();
      idle = all.filter((h) => h.id > start && h.id <= mid);
      inBlock = all.filter((h) => h.id > mid);
    } finally {
      await client.end();
    }
    expect(problems).toEqual([]);
    expect(idle.length, 'statements split in the idle session').toBeGreaterThan(3);
    expect(inBlock.length, 'statements split in the block').toBeGreaterThan(3);
    expect(serversIn(idle).length).toBeGreaterThan(1);
    expect(serversIn(inBlock)).toEqual(['primary']);
  });

  it("a statement error is PostgreSQL's own in both modes (22012), whichever server ran it", async () => {
    const kase: DiffCase = { name: 'division by zero', sql: 'SELECT sum(i4 / (g - g)) FROM t_facts' };
    for (const server of [snapshot!, spread!]) {
      for (let i = 0; i < 3; i++) {
        const answer = await query(server, kase, 4);
        expect(answer.body?.error?.code).toBe('22012');
      }
    }
  });

  it('npm run bench with --replica-url: the server series (1, 2, 3 servers), answers equal, speedup reported', async () => {
    const outDir = await mkdtemp(path.join(tmpdir(), 'mb-bench-replicas-'));
    try {
      const { ok, report, files } = await runTpchBench({
        databaseUrl: cluster!.primary.url,
        scaleFactor: 0.01,
        load: false,
        runs: 1,
        workersList: [1],
        mode: 'parallel',
        outDir,
        overhead: null,
        command: 'test',
        queries: BENCH_QUERY_SET.filter((q) => q.id === 'Q1' || q.id === 'Q6'),
        replicaUrls: cluster!.replicas.map((r) => r.url),
        serverWorkers: 2,
        logger: pino({ level: 'silent' }),
        out: () => {},
      });
      expect(report.queries.flatMap((q) => q.mismatches)).toEqual([]);
      expect(ok).toBe(true);
      expect(report.targets.filter((t) => t.servers).map((t) => [t.id, t.servers])).toEqual([
        ['srv-1', 1],
        ['srv-2', 2],
        ['srv-3', 3],
      ]);
      expect(path.basename(files[0] as string)).toMatch(/-sf0\.01-servers\.md$/);
      const md = await readFile(files[0] as string, 'utf8');
      expect(md).toContain('## Speedup against database servers');
      expect(md).toMatch(/\| Q1 \| [\d.]+ \| [\d.]+ \| [\d.]+x \| [\d.]+ \| [\d.]+x \|/);
      expect(md).not.toContain('replica-test-secret');
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });

  it('a replica made to lag past the bound gets no chunks, and comes back once it catches up', async () => {
    const r1 = new pg.Client({ connectionString: cluster!.replicas[0]!.url });
    await r1.connect();
    try {
      await r1.query('SELECT pg_wal_replay_pause()');
      await direct!.query('UPDATE accounts SET amount = amount + 1 WHERE id = 1');
      await until('r1 is lagging', async () => (await stateOf(snapshot!, 'r1')) === 'lagging');
      await until('r1 is lagging for spread', async () => (await stateOf(spread!, 'r1')) === 'lagging');
      const info = (await servers(snapshot!)).find((s) => s.id === 'r1');
      expect(info?.inRotation).toBe(false);
      expect(info?.lagMs).toBeGreaterThan(MAX_LAG_S * 1000);
      const used = new Set<string>();
      const problems: string[] = [];
      for (const kase of KEYLESS.slice(0, 15)) {
        for (const server of [snapshot!, spread!]) {
          const answer = await query(server, kase, 6);
          const p = exact(kase, answer);
          if (p) problems.push(p);
          for (const s of serversOf(answer)) used.add(s);
          if (answer.body?.stats?.server) used.add(answer.body.stats.server);
        }
      }
      expect(problems).toEqual([]);
      expect(used.has('r1')).toBe(false);
      expect(used.has('r2')).toBe(true);
    } finally {
      await r1.query('SELECT pg_wal_replay_resume()').catch(() => {});
      await r1.end();
    }
    await until('r1 is back in the rotation', async () => (await stateOf(snapshot!, 'r1')) === 'up');
  });

  it('stopping a replica mid-run (immediate shutdown) still gives exact answers; it leaves the rotation', async () => {
    const problems: string[] = [];
    const used = new Set<string>();
    let done = 0;
    const run = (async () => {
      for (let round = 0; round < 3; round++) {
        for (const kase of KEYLESS.slice(0, 20)) {
          for (const server of [snapshot!, spread!]) {
            const answer = await query(server, kase, 6);
            const p = exact(kase, answer);
            if (p) problems.push(p);
            for (const s of serversOf(answer)) used.add(s);
            done++;
          }
        }
      }
    })();
    await until('a few statements ran', async () => done >= 15);
    await cluster!.replicas[1]!.crash();
    const crashedAt = done;
    await run;
    expect(problems).toEqual([]);
    expect(done - crashedAt, 'statements after the crash').toBeGreaterThan(20);
    expect(used.has('r2')).toBe(true);
    expect(await stateOf(snapshot!, 'r2')).toBe('down');
    expect(await stateOf(spread!, 'r2')).toBe('down');
  });
});
