// DNS discovery: the reconcile plan (table), the loop against a registry, and both resolvers against a real DNS server.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDnsServer, type TestDnsServer } from '../../test/support/dns-server.ts';
import { addressResolver, DnsDiscovery, planDnsReconcile } from './dns-discovery.ts';
import { WorkerRegistry } from './registry.ts';
import type { WorkerInfo } from './types.ts';

const logger = pino({ level: 'silent' });

function worker(
  id: string,
  source: WorkerInfo['source'],
  state: WorkerInfo['state'],
  inFlight = 0,
): WorkerInfo {
  return {
    id,
    url: `http://${id}`,
    source,
    state,
    concurrency: 4,
    inFlight,
    completed: 0,
    failed: 0,
    rows: 0,
    busyMs: 0,
    lastHeartbeat: null,
    consecutiveFailures: 0,
  };
}

describe('planDnsReconcile', () => {
  const empty = { add: [], resume: [], drain: [], remove: [], conflicts: [] };
  it.each<[string, WorkerInfo[], string[], Partial<ReturnType<typeof planDnsReconcile>>]>([
    ['nothing known, nothing answered', [], [], {}],
    [
      'new addresses are added as dns workers at the port',
      [],
      ['10.1.0.7', '10.1.0.9'],
      {
        add: [
          { id: '10.1.0.7:7000', url: 'http://10.1.0.7:7000', source: 'dns' },
          { id: '10.1.0.9:7000', url: 'http://10.1.0.9:7000', source: 'dns' },
        ],
      },
    ],
    [
      'IPv6 addresses are bracketed in id and URL',
      [],
      ['fd00::7'],
      { add: [{ id: '[fd00::7]:7000', url: 'http://[fd00::7]:7000', source: 'dns' }] },
    ],
    ['a duplicate address is added once', [], ['10.1.0.7', '10.1.0.7'], { add: [expect.anything()] }],
    ['known addresses change nothing', [worker('10.1.0.7:7000', 'dns', 'healthy')], ['10.1.0.7'], {}],
    [
      'an idle worker gone from the answer is removed',
      [worker('10.1.0.7:7000', 'dns', 'healthy'), worker('10.1.0.9:7000', 'dns', 'unhealthy')],
      ['10.1.0.7'],
      { remove: ['10.1.0.9:7000'] },
    ],
    [
      'a busy worker gone from the answer drains first',
      [worker('10.1.0.9:7000', 'dns', 'healthy', 2)],
      [],
      { drain: ['10.1.0.9:7000'] },
    ],
    ['a busy draining worker is left to finish', [worker('10.1.0.9:7000', 'dns', 'draining', 1)], [], {}],
    [
      'a draining worker that became idle is removed',
      [worker('10.1.0.9:7000', 'dns', 'draining', 0)],
      [],
      { remove: ['10.1.0.9:7000'] },
    ],
    [
      'a draining worker back in the answer resumes',
      [worker('10.1.0.9:7000', 'dns', 'draining', 1)],
      ['10.1.0.9'],
      { resume: ['10.1.0.9:7000'] },
    ],
    [
      'other sources are never touched, and their ids are not taken',
      [
        worker('w1', 'local', 'healthy'),
        worker('10.1.0.7:7000', 'registered', 'healthy'),
        worker('s1', 'static', 'healthy'),
      ],
      ['10.1.0.7'],
      { conflicts: ['10.1.0.7:7000'] },
    ],
    [
      'an empty answer removes every dns worker',
      [worker('10.1.0.7:7000', 'dns', 'healthy'), worker('10.1.0.8:7000', 'dns', 'unhealthy')],
      [],
      { remove: ['10.1.0.7:7000', '10.1.0.8:7000'] },
    ],
  ])('%s', (_name, known, addresses, expected) => {
    expect(planDnsReconcile(known, addresses, 7000)).toEqual({ ...empty, ...expected });
  });
});

describe('DnsDiscovery against a registry', () => {
  /** A resolver the test scripts: each lookup returns the next answer (an Error rejects). */
  function scripted(answers: (string[] | Error)[]) {
    return async () => {
      const next = answers.shift() ?? new Error('script exhausted');
      if (next instanceof Error) throw next;
      return next;
    };
  }
  const ids = (r: WorkerRegistry) => r.list().map((w) => `${w.id} ${w.source} ${w.state}`);

  it('adds, keeps on failure, drains busy leavers, removes idle ones, resumes returners', async () => {
    const registry = new WorkerRegistry({ logger });
    registry.add({ id: 's1', url: 'http://10.9.9.9:7000', source: 'static' });
    const resolve = scripted([
      ['10.0.0.1', '10.0.0.2'],
      Object.assign(new Error('queryA ESERVFAIL'), { code: 'ESERVFAIL' }),
      ['10.0.0.1'],
      ['10.0.0.1', '10.0.0.2'],
      [],
    ]);
    const discovery = new DnsDiscovery({ name: 'w', port: 7000, registry, logger, resolve });
    await discovery.refresh();
    expect(ids(registry)).toEqual([
      's1 static unhealthy',
      '10.0.0.1:7000 dns unhealthy',
      '10.0.0.2:7000 dns unhealthy',
    ]);
    registry.checkPassed('10.0.0.1:7000');
    registry.checkPassed('10.0.0.2:7000');
    registry.chunkStarted('10.0.0.2:7000');
    // A failed lookup keeps the workers.
    await discovery.refresh();
    expect(registry.available().map((w) => w.id)).toEqual(['10.0.0.1:7000', '10.0.0.2:7000']);
    // 10.0.0.2 left the answer with a chunk running: it drains (out of the rotation) and stays listed.
    await discovery.refresh();
    expect(registry.get('10.0.0.2:7000')?.state).toBe('draining');
    expect(registry.available().map((w) => w.id)).toEqual(['10.0.0.1:7000']);
    // It is back before its chunk ended: checked again, in the rotation after a passed check.
    await discovery.refresh();
    expect(registry.get('10.0.0.2:7000')?.state).toBe('unhealthy');
    registry.checkPassed('10.0.0.2:7000');
    expect(registry.get('10.0.0.2:7000')?.state).toBe('healthy');
    // An empty answer: the idle worker goes at once, the busy one drains, the static one stays.
    await discovery.refresh();
    expect(ids(registry)).toEqual(['s1 static unhealthy', '10.0.0.2:7000 dns draining']);
    registry.chunkFinished('10.0.0.2:7000', { ok: true, rows: 1, ms: 1, workerFault: false });
    await discovery.stop();
  });

  it('looks up every refreshMs once started, and not after stop', async () => {
    const registry = new WorkerRegistry({ logger });
    let lookups = 0;
    const discovery = new DnsDiscovery({
      name: 'w',
      port: 7000,
      refreshMs: 50,
      registry,
      logger,
      resolve: async () => {
        lookups++;
        return [`10.0.0.${lookups}`];
      },
    });
    const started = performance.now();
    discovery.start();
    // Waits for three lookups (a loaded machine may take longer than 3 × 50 ms; no timing is asserted).
    while (lookups < 3 && performance.now() - started < 10_000) await new Promise((r) => setTimeout(r, 10));
    await discovery.stop();
    const seen = lookups;
    expect(seen).toBeGreaterThanOrEqual(3);
    // Each answer replaced the previous one (idle workers go at once).
    expect(registry.list().map((w) => w.id)).toEqual([`10.0.0.${seen}:7000`]);
    await new Promise((r) => setTimeout(r, 120));
    expect(lookups).toBe(seen);
  });

  it('treats a lookup that does not finish in time as failed', async () => {
    const registry = new WorkerRegistry({ logger });
    registry.add({ id: '10.0.0.1:7000', url: 'http://10.0.0.1:7000', source: 'dns' });
    const discovery = new DnsDiscovery({
      name: 'w',
      port: 7000,
      refreshMs: 50,
      registry,
      logger,
      resolve: () => new Promise(() => {}),
    });
    const started = performance.now();
    await discovery.refresh();
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    expect(registry.list().map((w) => w.id)).toEqual(['10.0.0.1:7000']);
  });
});

describe('addressResolver', () => {
  let dns: TestDnsServer;
  beforeAll(async () => {
    dns = await startTestDnsServer();
  });
  afterAll(() => dns.close());

  it('asks the given server for A and AAAA records, sorted and without duplicates', async () => {
    dns.mode = 'answer';
    dns.records.set('mb-workers.test', ['127.0.0.3', '127.0.0.2', 'fd00::2', '127.0.0.2']);
    const resolve = addressResolver(dns.address, 300);
    expect(await resolve('mb-workers.test')).toEqual(['127.0.0.2', '127.0.0.3', 'fd00::2']);
    expect(dns.queries).toEqual(expect.arrayContaining(['A mb-workers.test', 'AAAA mb-workers.test']));
  });

  it.each<[string, string[] | undefined]>([
    ['a name that does not exist (NXDOMAIN)', undefined],
    ['a name without addresses (no data)', []],
  ])('answers [] for %s', async (_name, records) => {
    dns.mode = 'answer';
    if (records === undefined) dns.records.delete('gone.test');
    else dns.records.set('gone.test', records);
    expect(await addressResolver(dns.address, 300)('gone.test')).toEqual([]);
  });

  it.each<[TestDnsServer['mode'], string]>([
    ['servfail', 'ESERVFAIL'],
    ['silent', 'ETIMEOUT'],
  ])('rejects when the server answers %s', async (mode, code) => {
    dns.mode = mode;
    dns.records.set('mb-workers.test', ['127.0.0.2']);
    await expect(addressResolver(dns.address, 100)('mb-workers.test')).rejects.toMatchObject({ code });
    dns.mode = 'answer';
  });

  it('uses getaddrinfo (and so /etc/hosts) without a server', async () => {
    expect(await addressResolver(undefined, 1000)('localhost')).toContain('127.0.0.1');
  });
});
