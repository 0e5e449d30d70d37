// Worker discovery through DNS: a name's A/AAAA records (a Kubernetes headless Service), re-read every few seconds, are the 'dns' workers.
import dns from 'node:dns';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { FixedRate, withTimeout } from './periodic.ts';
import type { WorkerRegistry, WorkerSpec } from './registry.ts';
import type { WorkerInfo } from './types.ts';

export const DEFAULT_DNS_REFRESH_MS = 5000;

export interface DnsWorkersOptions {
  /** The name to resolve, e.g. the headless Service `mb-workers` (the system resolver applies search domains). */
  name: string;
  /** The port every worker listens on. */
  port: number;
  /** Time between lookups (default 5000 ms): the delay within which joining and leaving pods are seen. */
  refreshMs?: number;
  /** Ask this DNS server (`IP` or `IP:PORT`, `[IPv6]:PORT`) instead of the system resolver. */
  server?: string;
}

/** A name's addresses; [] when the name does not exist or has none; rejects when the lookup failed. */
export type ResolveAddresses = (name: string) => Promise<string[]>;

export interface DnsDiscoveryOptions extends DnsWorkersOptions {
  registry: WorkerRegistry;
  logger: Logger;
  /** Replaces the resolver (tests). */
  resolve?: ResolveAddresses;
}

/** What one answer changes in the registry. */
export interface DnsReconcilePlan {
  /** New addresses: added `unhealthy`, in the rotation after their first passed check. */
  add: WorkerSpec[];
  /** DNS workers draining because they had left the answer, back in it: checked again. */
  resume: string[];
  /** Gone from the answer with chunks running: no new chunks, the running ones finish; removed once idle. */
  drain: string[];
  /** Gone from the answer and idle. */
  remove: string[];
  /** Ids in the answer that belong to a worker of another source (left alone). */
  conflicts: string[];
}

/** DNS answers meaning "no such name" or "no records of this type": zero workers, not a failure. */
const NO_ADDRESSES = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * Compares one DNS answer with the registry's workers and says what to change. Only `dns` workers are
 * touched; a worker is identified by `ADDR:PORT` (`[ADDR]:PORT` for IPv6), as a registration without id is.
 *
 * @example
 *   planDnsReconcile(registry.list(), ['10.1.0.7', '10.1.0.9'], 7000);
 *   // { add: [{ id: '10.1.0.9:7000', url: 'http://10.1.0.9:7000', source: 'dns' }], remove: ['10.1.0.4:7000'], ... }
 */
export function planDnsReconcile(
  known: readonly WorkerInfo[],
  addresses: readonly string[],
  port: number,
): DnsReconcilePlan {
  const plan: DnsReconcilePlan = { add: [], resume: [], drain: [], remove: [], conflicts: [] };
  const byId = new Map(known.map((w) => [w.id, w]));
  const wanted = new Set<string>();
  for (const address of addresses) {
    const host = address.includes(':') ? `[${address}]` : address;
    const id = `${host}:${port}`;
    if (wanted.has(id)) continue;
    wanted.add(id);
    const worker = byId.get(id);
    if (!worker) plan.add.push({ id, url: `http://${host}:${port}`, source: 'dns' });
    else if (worker.source !== 'dns') plan.conflicts.push(id);
    else if (worker.state === 'draining') plan.resume.push(id);
  }
  for (const w of known) {
    if (w.source !== 'dns' || wanted.has(w.id)) continue;
    if (w.inFlight === 0) plan.remove.push(w.id);
    else if (w.state !== 'draining') plan.drain.push(w.id);
  }
  return plan;
}

/**
 * The resolver `--dns-server` chooses: without a server, `getaddrinfo` (`dns.lookup`), which honours
 * /etc/hosts and resolv.conf's search domains, so a Kubernetes pod can give the Service's short name; with
 * one, A and AAAA queries to that server (no search domains: give the full name). Both return the
 * addresses sorted and without duplicates.
 *
 * @example
 *   const resolve = addressResolver('127.0.0.1:5353', 1000);
 *   await resolve('mb-workers.default.svc.cluster.local'); // ['10.1.0.7', '10.1.0.9']
 */
export function addressResolver(server: string | undefined, timeoutMs: number): ResolveAddresses {
  if (server === undefined) {
    return async (name) => {
      try {
        const found = await dns.promises.lookup(name, { all: true });
        return tidy(found.map((a) => a.address));
      } catch (err) {
        if (NO_ADDRESSES.has((err as NodeJS.ErrnoException).code ?? '')) return [];
        throw err;
      }
    };
  }
  const resolver = new dns.promises.Resolver({ timeout: timeoutMs, tries: 2 });
  resolver.setServers([server]);
  return async (name) => {
    const answers = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
    const out: string[] = [];
    for (const answer of answers) {
      if (answer.status === 'fulfilled') out.push(...answer.value);
      else if (!NO_ADDRESSES.has((answer.reason as NodeJS.ErrnoException).code ?? '')) throw answer.reason;
    }
    return tidy(out);
  };
}

function tidy(addresses: string[]): string[] {
  // A zoned IPv6 address (fe80::1%eth0) cannot be put in a URL; no pod has one.
  return [...new Set(addresses.filter((a) => isIP(a) !== 0 && !a.includes('%')))].sort();
}

/**
 * Keeps the registry's `dns` workers equal to what a name resolves to: a lookup every `refreshMs` (fixed
 * rate), then `planDnsReconcile`. A failed lookup (SERVFAIL, timeout, no server) keeps the workers it has;
 * a name that does not exist or has no addresses means no DNS workers. New workers join the rotation as
 * static ones do, on their first passed health check; a worker that leaves the answer finishes its
 * running chunks first (`draining`). Several coordinators can watch the same name side by side.
 *
 * @example
 *   const discovery = new DnsDiscovery({ name: 'mb-workers', port: 7000, registry, logger });
 *   await discovery.refresh(); // first lookup before serving
 *   discovery.start();
 *   // ...
 *   await discovery.stop();
 */
export class DnsDiscovery {
  readonly refreshMs: number;
  private readonly name: string;
  private readonly port: number;
  private readonly registry: WorkerRegistry;
  private readonly log: Logger;
  private readonly resolve: ResolveAddresses;
  private readonly timeoutMs: number;
  private readonly loop: FixedRate;
  private stopped = false;
  private current: Promise<void> | null = null;
  /** Failed lookups in a row (the first is a warning, the recovery an info line). */
  private failures = 0;
  /** The last answer's addresses, to log only changes. */
  private last: string | null = null;

  constructor(opts: DnsDiscoveryOptions) {
    this.name = opts.name;
    this.port = opts.port;
    this.registry = opts.registry;
    this.refreshMs = opts.refreshMs ?? DEFAULT_DNS_REFRESH_MS;
    this.log = opts.logger.child({ component: 'dns-discovery', name: opts.name });
    // A lookup must not outlast the interval by much; c-ares' default (5 s, 4 tries) would.
    this.timeoutMs = Math.min(5000, Math.max(500, this.refreshMs));
    this.resolve = opts.resolve ?? addressResolver(opts.server, Math.ceil(this.timeoutMs / 3));
    // Lookups start every `refreshMs` (fixed rate: a slow lookup does not stretch the period).
    this.loop = new FixedRate(this.refreshMs, () => this.refresh());
  }

  /** Starts the periodic lookups (the first one after `refreshMs`). */
  start(): void {
    if (!this.stopped) this.loop.start();
  }

  /** Stops the lookups; resolves when the one in progress, if any, has been applied. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.loop.stop();
    await this.current;
  }

  /** One lookup and reconcile now (joins the one in progress). Never throws. */
  refresh(): Promise<void> {
    this.current ??= this.refreshOnce().finally(() => {
      this.current = null;
    });
    return this.current;
  }

  private async refreshOnce(): Promise<void> {
    let addresses: string[];
    try {
      addresses = await withTimeout(
        this.resolve(this.name),
        this.timeoutMs,
        `no DNS answer within ${this.timeoutMs} ms`,
      );
    } catch (err) {
      if (this.failures++ === 0)
        this.log.warn({ err }, 'DNS lookup of the workers failed; keeping the workers found before');
      else this.log.debug({ err, failures: this.failures }, 'DNS lookup of the workers failed again');
      return;
    }
    if (this.stopped) return;
    if (this.failures > 0)
      this.log.info({ failures: this.failures }, 'DNS lookup of the workers works again');
    this.failures = 0;
    const answer = addresses.join(',');
    if (answer !== this.last) {
      if (addresses.length === 0) this.log.warn('the workers name has no addresses: no DNS workers');
      else this.log.info({ addresses }, 'DNS answer for the workers changed');
      this.last = answer;
    }
    this.apply(planDnsReconcile(this.registry.list(), addresses, this.port));
  }

  private apply(plan: DnsReconcilePlan): void {
    for (const spec of plan.add) this.registry.add(spec);
    for (const id of plan.resume) this.registry.resume(id, 'it is in the DNS answer again');
    for (const id of plan.drain) this.registry.drain(id, 'it left the DNS answer');
    for (const id of plan.remove) this.registry.remove(id, 'it left the DNS answer');
    for (const id of plan.conflicts)
      this.log.debug({ worker: id }, 'address in DNS belongs to a worker of another source; left alone');
  }
}
