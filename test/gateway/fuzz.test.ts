// Protocol fuzzing of the gateway over real sockets: random and mutated frames, truncated messages, huge
// lengths, abrupt disconnects. The gateway must stay up, other sessions must not notice, memory must not grow.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chunks,
  endingArb,
  impossibleLengthArb,
  type Mutation,
  mutate,
  mutationArb,
  requestArb,
  splitsArb,
  validFrameArb,
} from './frame-arbitraries.ts';
import { AGGREGATE, FuzzHarness, heapUsedAfterGc, sleep } from './fuzz-harness.ts';
import * as wire from './wire.ts';
import { errorFields, RawConnection } from './wire.ts';

/** Replay a failure with FC_SEED=<seed>; CI always uses the same seed, developers get a new one each run. */
const seed = process.env.FC_SEED
  ? Number(process.env.FC_SEED)
  : process.env.CI
    ? 20_260_101
    : Math.floor(Math.random() * 2 ** 31);

let h: FuzzHarness;

beforeAll(async () => {
  console.log(`gateway fuzz: seed ${seed} (replay with FC_SEED=${seed})`);
  h = await FuzzHarness.start();
});

afterAll(async () => {
  await h?.stop();
});

/** Sends the bytes in the given writes, then leaves as `ending` says. */
async function sendAndLeave(
  conn: RawConnection,
  bytes: Buffer,
  splits: number[],
  ending: 'terminate' | 'end' | 'reset',
): Promise<void> {
  for (const c of chunks(bytes, splits)) {
    conn.write(c);
    await sleep(1);
  }
  if (ending === 'terminate') {
    await conn.until(() => conn.closed, 100);
    conn.write(wire.terminate());
    conn.drop('end');
  } else conn.drop(ending);
}

/** One abrupt way to leave a session, for the soak and the abrupt-disconnect property. */
type Abrupt = 'during-auth' | 'half-frame' | 'huge-length' | 'mid-split';

async function runAbrupt(kind: Abrupt, frame: Buffer, cut: number, how: 'reset' | 'end'): Promise<void> {
  const conn = await h.open();
  try {
    if (kind === 'during-auth') {
      conn.write(h.startup());
      await sleep(cut % 20);
    } else {
      await h.login(conn);
      if (kind === 'half-frame') conn.write(frame.subarray(0, 1 + (cut % (frame.length - 1))));
      else if (kind === 'huge-length') {
        const head = Buffer.alloc(5);
        head.write('Q');
        head.writeInt32BE([0x3fff_ffff, 0x1000_0000, 1 << 20][cut % 3] as number, 1);
        conn.write(Buffer.concat([head, Buffer.alloc(1 + (cut % 65_536), 0x20)]));
      } else {
        conn.write(wire.query(AGGREGATE)); // the coordinator is running it when the client goes
        await sleep(cut % 30);
      }
    }
  } finally {
    conn.drop(how);
  }
}

const abruptArb = fc.tuple(
  fc.constantFrom<Abrupt>('during-auth', 'half-frame', 'huge-length', 'mid-split'),
  validFrameArb.filter((f) => f.length > 1),
  fc.nat(),
  fc.constantFrom<'reset' | 'end'>('reset', 'end'),
);
const mutatedArb = fc.tuple(
  fc.array(validFrameArb, { minLength: 1, maxLength: 8 }),
  fc.array(mutationArb, { maxLength: 3 }),
  splitsArb,
  endingArb,
);

async function runMutated(
  frames: Buffer[],
  mutations: Mutation[],
  splits: number[],
  ending: 'terminate' | 'end' | 'reset',
): Promise<void> {
  const conn = await h.open();
  try {
    await h.login(conn);
    await sendAndLeave(conn, mutate(frames, mutations), splits, ending);
  } catch (err) {
    conn.socket.destroy();
    throw err;
  }
}

describe('protocol fuzzing', () => {
  it('a frame with an impossible length gets one ErrorResponse 08P01, then the connection closes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(requestArb, { maxLength: 3 }),
        fc.nat(255),
        impossibleLengthArb,
        fc.uint8Array({ maxLength: 32 }),
        async (prefix, type, length, trailing) => {
          const conn = await h.open();
          try {
            await h.login(conn);
            for (const r of prefix) conn.write(r);
            const want = 1 + prefix.length;
            expect(await conn.until(() => conn.readyCount() >= want || conn.closed, 10_000)).toBe(true);
            expect(conn.readyCount()).toBe(want);
            const answered = conn.messages.length;
            const head = Buffer.alloc(5);
            head[0] = type;
            head.writeInt32BE(length, 1);
            conn.write(Buffer.concat([head, trailing]));
            expect(await conn.until(() => conn.closed, 3000), 'the gateway closes the connection').toBe(true);
            const after = conn.messages.slice(answered);
            expect(after.map((m) => m.type)).toEqual(['E']);
            expect(errorFields((after[0] as wire.BackendMessage).body)).toMatchObject({
              C: '08P01',
              V: 'FATAL',
            });
            expect(conn.unframed.length, 'nothing after the ErrorResponse').toBe(0);
          } finally {
            conn.socket.destroy();
          }
          expect(h.healthy.failures).toEqual([]);
        },
      ),
      { numRuns: 60, seed },
    );
    await h.expectUnharmed();
  }, 60_000);

  it('random bytes instead of a startup packet: an impossible length gets 08P01, nothing breaks', async () => {
    const startupLengthArb = fc.oneof(impossibleLengthArb, fc.integer({ min: 8, max: 72 }));
    const bytesArb = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      fc.tuple(startupLengthArb, fc.uint8Array({ maxLength: 68 })).map(([len, rest]) => {
        const head = Buffer.alloc(4);
        head.writeInt32BE(len);
        return Buffer.concat([head, rest]);
      }),
    );
    await fc.assert(
      fc.asyncProperty(bytesArb, fc.constantFrom<'end' | 'reset'>('end', 'reset'), async (bytes, ending) => {
        const conn = await h.open();
        try {
          conn.write(bytes);
          const len = bytes.length >= 4 ? bytes.readInt32BE(0) : null;
          if (len !== null && (len < 8 || len > 10_000)) {
            expect(await conn.until(() => conn.closed, 3000), 'the gateway closes the connection').toBe(true);
            expect(conn.messages.map((m) => m.type)).toEqual(['E']);
            expect(errorFields((conn.messages[0] as wire.BackendMessage).body)).toMatchObject({ C: '08P01' });
          } else await conn.until(() => conn.closed, 20);
        } finally {
          conn.drop(ending);
        }
        expect(h.healthy.failures).toEqual([]);
      }),
      { numRuns: 250, seed },
    );
    await h.expectUnharmed();
  }, 60_000);

  it('mutated frame sequences after start-up leave the gateway and other sessions unharmed', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedArb, async ([frames, mutations, splits, ending]) => {
        await runMutated(frames, mutations, splits, ending);
        await h.expectUnharmed();
      }),
      { numRuns: 120, seed },
    );
  }, 60_000);

  it('abrupt disconnects (during auth, mid-frame, mid-huge-message, mid-split) leave no backend behind', async () => {
    await fc.assert(
      fc.asyncProperty(abruptArb, async ([kind, frame, cut, how]) => {
        await runAbrupt(kind, frame, cut, how);
        await h.expectUnharmed();
      }),
      { numRuns: 100, seed },
    );
    expect(await h.backendsSettle(), 'fuzz backends still open').toBe(0);
  }, 60_000);

  it('a storm of connects and resets at every start-up stage', async () => {
    const stage = (i: number) => async () => {
      const conn = await h.open();
      if (i % 5 === 1) conn.write(Buffer.from([0, 0, 0]));
      if (i % 5 === 2) conn.write(h.startup());
      if (i % 5 === 3) conn.write(Buffer.from([0, 0, 0, 8, 4, 210, 22, 47])); // SSLRequest
      if (i % 5 === 4) await h.login(conn);
      conn.drop('reset');
    };
    for (let wave = 0; wave < 15; wave++) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => stage(wave * 20 + i)()));
    }
    await h.expectUnharmed();
    expect(await h.backendsSettle(), 'fuzz backends still open').toBe(0);
  }, 60_000);

  it('1000 more fuzz connections: heap, sockets and backends come back to where they were', async () => {
    const cases = fc.sample(
      fc.oneof(
        mutatedArb.map((c) => () => runMutated(...c)),
        abruptArb.map((c) => () => runAbrupt(...c)),
      ),
      { numRuns: 1000, seed },
    );
    const heap: number[] = [];
    const open: number[] = [];
    const batch = 200;
    for (let from = 0; from < cases.length; from += batch) {
      const pending = cases.slice(from, from + batch);
      // Eight at a time: enough to overlap sessions, well below the suite PostgreSQL's max_connections.
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let run = pending.shift(); run; run = pending.shift()) await run();
        }),
      );
      expect(await h.backendsSettle(), `fuzz backends still open after ${from + batch} cases`).toBe(0);
      await sleep(200);
      heap.push(await heapUsedAfterGc());
      open.push(h.gatewayConnections());
    }
    const mb = heap.map((bytes) => (bytes / 2 ** 20).toFixed(1));
    console.log(
      `gateway fuzz soak: heap after each batch ${mb.join(', ')} MB; client connections ${open.join(', ')}`,
    );
    expect((heap.at(-1) as number) - (heap[0] as number)).toBeLessThan(20 * 2 ** 20);
    // Only the healthy session's connection is left.
    expect(open).toEqual(open.map(() => 1));
    await h.expectUnharmed();
  }, 120_000);

  it('before authentication, an oversized message is refused with 08P01 at once, not buffered', async () => {
    // PostgreSQL takes at most PG_MAX_AUTH_TOKEN_LENGTH (65535) bytes per message before authentication.
    const conn = await h.open();
    try {
      conn.write(h.startup());
      expect(await conn.until(() => conn.messages.some((m) => m.type === 'R'), 5000)).toBe(true);
      const answered = conn.messages.length;
      const head = Buffer.alloc(5);
      head.write('p'); // PasswordMessage
      head.writeInt32BE(0x3fff_ffff, 1);
      conn.write(head);
      const mb = Buffer.alloc(1 << 20, 0x41);
      let sent = 0;
      while (!conn.closed && sent < 8 << 20) {
        if (!conn.socket.write(mb)) await conn.until(() => conn.socket.writableLength === 0, 200);
        sent += mb.length;
      }
      await conn.until(() => conn.closed, 2000);
      expect(conn.closed, `still open after ${sent >> 20} MB of a password message`).toBe(true);
      const after = conn.messages.slice(answered);
      expect(after.map((m) => m.type)).toEqual(['E']);
      expect(errorFields((after[0] as wire.BackendMessage).body)).toMatchObject({ C: '08P01' });
    } finally {
      conn.socket.destroy();
    }
    await h.expectUnharmed();
  }, 60_000);

  it('a 48 MB Bind parameter goes through about as fast as PostgreSQL takes it directly', async () => {
    const bytes = 48 << 20;
    const request = Buffer.concat([
      wire.parse('', 'SELECT length($1)'),
      wire.bind('', '', ['x'.repeat(bytes)]),
      wire.execute(''),
      wire.sync(),
    ]);
    /** Milliseconds until the answer, or null when there is none within `limitMs`. */
    const roundTrip = async (port: number, limitMs: number) => {
      const conn = await RawConnection.open(port);
      try {
        await h.login(conn);
        const ready = conn.readyCount();
        const t0 = performance.now();
        conn.write(request);
        if (!(await conn.until(() => conn.readyCount() > ready || conn.closed, limitMs))) return null;
        const ms = performance.now() - t0;
        const row = conn.messages.find((m) => m.type === 'D');
        expect(row?.body.subarray(6).toString(), 'length($1)').toBe(String(bytes));
        return ms;
      } finally {
        conn.socket.destroy();
      }
    };
    const direct = await roundTrip(Number(new URL(h.stack.databaseUrl).port), 30_000);
    if (direct === null) throw new Error('PostgreSQL did not answer the 48 MB Bind within 30 s');
    // Reassembling a frame must be linear in its size; copying 48 MB a few times costs milliseconds.
    const limit = direct + 1000;
    const via = await roundTrip(h.stack.pgPort, limit);
    console.log(
      `48 MB Bind: ${direct.toFixed(0)} ms direct, ${via?.toFixed(0) ?? `over ${limit.toFixed(0)}`} ms through the gateway`,
    );
    expect(via, `answered through the gateway within ${limit.toFixed(0)} ms`).not.toBeNull();
    await h.expectUnharmed();
  }, 60_000);

  it('a 1.3 MB statement in one session does not stall the event loop every other session shares', async () => {
    const sql = `SELECT count(*) FROM lineitem WHERE l_orderkey IN (${Array.from({ length: 200_000 }, (_, i) => i).join(',')})`;
    const conn = await h.open();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    try {
      await h.login(conn);
      const ready = conn.readyCount();
      delay.enable();
      const t0 = performance.now();
      conn.write(wire.query(sql));
      await conn.until(() => conn.readyCount() > ready || conn.closed, 60_000);
      delay.disable();
      const stallMs = delay.max / 1e6;
      console.log(
        `1.3 MB statement: answered in ${(performance.now() - t0).toFixed(0)} ms, longest event-loop stall ${stallMs.toFixed(0)} ms`,
      );
      expect(
        conn.messages.some((m) => m.type === 'D'),
        'the count came back',
      ).toBe(true);
      // Every session of the gateway waits this long for its next byte.
      expect(stallMs).toBeLessThan(250);
    } finally {
      conn.drop('end');
    }
    await h.expectUnharmed();
  }, 60_000);

  it('the healthy session answered correctly before, during and after', async () => {
    await h.healthy.stop();
    await h.healthy.once();
    expect(h.healthy.failures).toEqual([]);
    expect(h.healthy.runs, 'healthy queries interleaved with the fuzzing').toBeGreaterThan(50);
  });
});
