// Mini-Balancer's own wiring: what its containers set must agree with what its commands read and default to.
import {
  allContainers,
  type Cluster,
  type Env,
  nsOf,
  preStopSleep,
  quantity,
  type Workload,
} from './cluster.ts';
import { splitImage } from './kustomize.ts';
import { type Container, idOf, specOf } from './manifest.ts';
import { hasPort, portNumber } from './wiring.ts';

/** What the program says about itself, read from its source by the test. */
export interface Program {
  /** `mini-balancer <command> --help` of each command the image runs: defaults, env variables, endpoints. */
  help: Record<string, string>;
  /** MB_* variables read somewhere in src/. */
  knownEnv: ReadonlySet<string>;
  /** The image's name without registry or tag. */
  imageName: string;
  /** The uid the image runs as (the Dockerfile's USER). */
  imageUser: number;
}

interface Ours {
  w: Workload;
  c: Container;
  where: string;
  ns: string;
  command: string;
  env: Env;
}

/**
 * The problems in how a rendering runs Mini-Balancer: ports and probes against the commands' defaults and
 * endpoints, the DNS name the coordinators read against the worker Service, secrets both sides must share,
 * grace periods against the chunk timeout, pools against concurrency, database URLs against in-cluster
 * PostgreSQL; each a sentence; [] when sound.
 *
 * @example
 *   programWiring(new Cluster(manifests), { help, knownEnv, imageName: 'mini-balancer', imageUser: 1000 });
 */
export function programWiring(cluster: Cluster, program: Program): string[] {
  const problems: string[] = [];
  const ours: Ours[] = [];
  for (const { w, c, where } of allContainers(cluster)) {
    if (c.image === undefined || splitImage(c.image).name.split('/').pop() !== program.imageName) continue;
    const command = c.args?.[0] ?? '';
    const ns = nsOf(w.manifest);
    const o = { w, c, where, ns, command, env: cluster.env(c, ns, where, []) };
    if (program.help[command] === undefined)
      problems.push(`${where}: runs "${command}", not a mini-balancer command`);
    else ours.push(o);
    containerBasics(o, program, problems);
  }
  const images = new Set(ours.map((o) => o.c.image));
  if (images.size > 1) problems.push(`Mini-Balancer runs from several images: ${[...images].join(', ')}`);
  for (const ns of new Set(ours.map((o) => o.ns))) {
    const serves = ours.filter((o) => o.ns === ns && o.command === 'serve');
    const workers = ours.filter((o) => o.ns === ns && o.command === 'worker');
    for (const s of serves) coordinatorWiring(cluster, s, program, problems);
    for (const w of workers) workerWiring(cluster, w, serves, program, problems);
    for (const name of ['MB_WORKER_SECRET', 'MB_DATABASE_URL'])
      sameSource([...serves, ...workers], name, problems);
  }
  for (const o of ours) databaseUrlWiring(cluster, o, problems);
  for (const w of cluster.workloads()) scrapeWiring(w, ours, program, problems);
  return problems;
}

function containerBasics(o: Ours, program: Program, problems: string[]): void {
  const { c, w, where, env } = o;
  for (const name of env.keys()) {
    if (name.startsWith('MB_') && !program.knownEnv.has(name))
      problems.push(`${where}: sets ${name}, which mini-balancer does not read`);
  }
  if (!env.has('MB_DATABASE_URL')) problems.push(`${where}: MB_DATABASE_URL is not set`);
  const heap = /--max-old-space-size=(\d+)/.exec(env.get('NODE_OPTIONS') ?? '');
  const limit = quantity(c.resources?.limits?.memory);
  if (heap && !(Number(heap[1]) * 2 ** 20 < limit))
    problems.push(`${where}: --max-old-space-size=${heap[1]} (MiB) does not fit its memory limit`);
  if (
    c.securityContext?.readOnlyRootFilesystem === true &&
    !c.volumeMounts?.some((m) => m.mountPath === '/tmp')
  )
    problems.push(`${where}: a read-only root filesystem needs a volume at /tmp (tsx's compile cache)`);
  const pod = w.template.spec.securityContext;
  if ((c.securityContext?.runAsNonRoot ?? pod?.runAsNonRoot) !== true)
    problems.push(`${where}: runAsNonRoot is not set`);
  const uid = c.securityContext?.runAsUser ?? pod?.runAsUser;
  if (uid !== undefined && uid !== program.imageUser)
    problems.push(`${where}: runs as uid ${uid}, the image's user is ${program.imageUser}`);
}

function coordinatorWiring(cluster: Cluster, s: Ours, program: Program, problems: string[]): void {
  const help = program.help.serve ?? '';
  const { c, env, where } = s;
  const httpPort = numberOr(env.get('MB_HTTP_PORT'), helpDefault(help, 'http-port', where, problems));
  const pgPort = numberOr(env.get('MB_PG_PORT'), helpDefault(help, 'pg-port', where, problems));
  if (!hasPort(c, httpPort))
    problems.push(`${where}: the HTTP API listens on ${httpPort}, not a port of the container`);
  if (!hasPort(c, pgPort))
    problems.push(`${where}: the gateway listens on ${pgPort}, not a port of the container`);
  for (const name of ['MB_HTTP_HOST', 'MB_PG_HOST']) {
    if (isLoopback(env.get(name) ?? '127.0.0.1'))
      problems.push(`${where}: ${name} is loopback, so the Service cannot reach it`);
  }
  if (!env.has('MB_HTTP_TOKEN'))
    problems.push(
      `${where}: MB_HTTP_TOKEN is not set: off loopback each coordinator would make up its own token`,
    );
  probeWiring(s, httpPort, help, problems);
  const workers = /^dns:(.+):(\d+)$/.exec(env.get('MB_WORKERS') ?? '');
  if (!workers) {
    problems.push(`${where}: MB_WORKERS is not dns:NAME:PORT, so it does not find the worker pods`);
    return;
  }
  const [, name = '', port = ''] = workers;
  const labels = name.replace(/\.$/, '').split('.');
  if (labels.length > 1 && s.ns !== '' && labels[1] !== s.ns)
    problems.push(`${where}: MB_WORKERS names namespace ${labels[1]}, the coordinator runs in ${s.ns}`);
  const service = cluster.find('Service', s.ns, labels[0] ?? '');
  const spec = specOf<{ clusterIP?: string; selector?: Record<string, string> }>(service ?? s.w.manifest);
  if (service === undefined || spec.clusterIP !== 'None') {
    problems.push(`${where}: MB_WORKERS names ${labels[0]}, which is not a headless Service`);
    return;
  }
  const picked = cluster.selected(s.ns, spec.selector);
  const runsWorkers = picked.some((w) =>
    w.template.spec.containers.some((c) => c.args?.[0] === 'worker' && hasPort(c, Number(port))),
  );
  if (!runsWorkers)
    problems.push(`${where}: MB_WORKERS=${name}:${port}, but ${idOf(service)} has no worker on port ${port}`);
}

function workerWiring(cluster: Cluster, o: Ours, serves: Ours[], program: Program, problems: string[]): void {
  const help = program.help.worker ?? '';
  const { c, env, where, w } = o;
  const port = numberOr(env.get('MB_WORKER_PORT'), helpDefault(help, 'port', where, problems));
  if (port === 0 || !hasPort(c, port))
    problems.push(`${where}: the worker listens on port ${port}, which the container does not expose`);
  if (isLoopback(env.get('MB_WORKER_HOST') ?? '127.0.0.1'))
    problems.push(`${where}: MB_WORKER_HOST is loopback, so coordinators cannot reach it`);
  if (env.has('MB_COORDINATOR_URL'))
    problems.push(`${where}: registers with a coordinator, though coordinators find workers through DNS`);
  if (c.readinessProbe?.httpGet?.path !== '/readyz')
    problems.push(
      `${where}: the readiness probe must be GET /readyz, so the DNS answer lists only workers whose PostgreSQL answers`,
    );
  probeWiring(o, port, help, problems);
  const defaultTimeout = helpDefault(program.help.serve ?? '', 'chunk-timeout-ms', where, problems);
  const timeouts = serves.map((s) => numberOr(s.env.get('MB_CHUNK_TIMEOUT_MS'), defaultTimeout));
  const timeoutMs = Math.max(...(timeouts.length > 0 ? timeouts : [defaultTimeout]));
  const grace = w.template.spec.terminationGracePeriodSeconds ?? 30;
  if (grace < preStopSleep(c) + timeoutMs / 1000)
    problems.push(
      `${idOf(w.manifest)}: terminationGracePeriodSeconds ${grace} does not cover preStop ${preStopSleep(c)} s plus the chunk timeout ${timeoutMs / 1000} s`,
    );
  const pool = numberOr(env.get('MB_WORKER_POOL_SIZE'), helpDefault(help, 'pool-size', where, problems));
  for (const s of serves) {
    const fallback = helpDefault(program.help.serve ?? '', 'worker-concurrency', s.where, problems);
    const concurrency = numberOr(s.env.get('MB_WORKER_CONCURRENCY'), fallback);
    if (pool < concurrency)
      problems.push(
        `${where}: a pool of ${pool} connections cannot run the ${concurrency} chunks ${s.where} sends at once`,
      );
  }
  const scaled = cluster.manifests.some((m) => {
    const ref =
      m.kind === 'HorizontalPodAutoscaler' && nsOf(m) === o.ns
        ? specOf<{ scaleTargetRef: { kind: string; name: string } }>(m).scaleTargetRef
        : undefined;
    return ref?.kind === w.manifest.kind && ref.name === w.manifest.metadata.name;
  });
  if (!scaled) problems.push(`${idOf(w.manifest)}: no HorizontalPodAutoscaler targets the workers`);
}

/** Every HTTP probe of a Mini-Balancer container asks its own port for an endpoint its command documents. */
function probeWiring(o: Ours, port: number, help: string, problems: string[]): void {
  const { c, where } = o;
  if (!c.readinessProbe || !c.livenessProbe) problems.push(`${where}: needs readiness and liveness probes`);
  for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
    const get = probe?.httpGet;
    if (get === undefined) continue;
    if (portNumber(c, get.port) !== port)
      problems.push(`${where}: a probe asks port ${get.port}, the program listens on ${port}`);
    if (!documents(help, get.path ?? '/'))
      problems.push(`${where}: a probe asks ${get.path}, which ${o.command} does not serve`);
  }
}

/** Coordinators and workers must read a shared setting from the same place. */
function sameSource(containers: Ours[], name: string, problems: string[]): void {
  const sources = new Set<string>();
  for (const o of containers) {
    const v = o.c.env?.find((e) => e.name === name);
    const ref = v?.valueFrom?.secretKeyRef ?? v?.valueFrom?.configMapKeyRef;
    sources.add(ref ? `${ref.name}/${ref.key}` : `value ${v?.value}`);
  }
  if (sources.size > 1)
    problems.push(`coordinators and workers read ${name} from different places: ${[...sources].join(', ')}`);
}

/** A database URL naming an in-cluster Service must reach PostgreSQL there, with the credentials it was given. */
function databaseUrlWiring(cluster: Cluster, o: Ours, problems: string[]): void {
  const urls = [o.env.get('MB_DATABASE_URL'), ...(o.env.get('MB_REPLICA_URLS') ?? '').split(',')];
  for (const text of urls) {
    if (text === undefined || text.trim() === '') continue;
    let url: URL;
    try {
      url = new URL(text.trim());
    } catch {
      problems.push(`${o.where}: "${text}" is not a database URL`);
      continue;
    }
    const port = Number(url.port || 5432);
    const target = inCluster(cluster, url.hostname, port, o.ns);
    if (target === 'outside') continue;
    if (target === undefined) {
      problems.push(`${o.where}: its database URL names ${url.hostname}:${port}, which nothing here serves`);
      continue;
    }
    for (const w of target.workloads) {
      for (const c of w.template.spec.containers.filter((c) => hasPort(c, target.containerPort))) {
        const env = cluster.env(c, target.ns, '', []);
        const password = env.get('POSTGRES_PASSWORD');
        if (password === undefined) continue; // not the server that set the credentials up
        const user = env.get('POSTGRES_USER') ?? 'postgres';
        if (decodeURIComponent(url.password) !== password || decodeURIComponent(url.username) !== user)
          problems.push(
            `${o.where}: its database URL's user or password is not the one ${idOf(w.manifest)} sets up`,
          );
        const db = env.get('POSTGRES_DB');
        if (db !== undefined && decodeURIComponent(url.pathname.slice(1)) !== db)
          problems.push(
            `${o.where}: its database URL names database ${url.pathname.slice(1)}, ${idOf(w.manifest)} creates ${db}`,
          );
      }
    }
  }
}

/**
 * What an in-cluster host name reaches: a Service (`svc`, `svc.ns`, `svc.ns.svc...`) or one StatefulSet pod
 * (`set-N.svc`, `set-N.svc.ns...`), with the container port behind `port`; 'outside' for other hosts;
 * undefined for an in-cluster name nothing here serves.
 */
function inCluster(
  cluster: Cluster,
  host: string,
  port: number,
  ns: string,
): { workloads: Workload[]; containerPort: number | string; ns: string } | 'outside' | undefined {
  const labels = host.replace(/\.$/, '').split('.');
  const namespaces = new Set(cluster.manifests.map(nsOf));
  const suffix = (from: number) => labels.length <= from || labels[from] === 'svc';
  const [first = '', second, third] = labels;
  const podNs = third ?? ns;
  if (second !== undefined && suffix(3) && cluster.find('Service', podNs, second) !== undefined) {
    // A pod behind its StatefulSet's governing Service: `set-N.service`.
    const set = cluster.workloads(podNs).find((w) => {
      const spec = specOf<{ serviceName?: string; replicas?: number }>(w.manifest);
      const ordinal = new RegExp(`^${w.manifest.metadata.name}-(\\d+)$`).exec(first)?.[1];
      return (
        w.manifest.kind === 'StatefulSet' &&
        spec.serviceName === second &&
        Number(ordinal) < (spec.replicas ?? 1)
      );
    });
    return set && { workloads: [set], containerPort: port, ns: podNs };
  }
  const inside =
    labels.length === 1 || (labels.length === 2 && namespaces.has(second ?? '')) || labels[2] === 'svc';
  if (!inside) return 'outside';
  const serviceNs = second ?? ns;
  const service = cluster.find('Service', serviceNs, first);
  const spec = specOf<{
    selector?: Record<string, string>;
    ports?: { port: number; targetPort?: number | string }[];
  }>(service ?? { apiVersion: '', kind: '', metadata: { name: '' } });
  const servicePort = spec.ports?.find((p) => p.port === port);
  if (service === undefined || servicePort === undefined) return undefined;
  return {
    workloads: cluster.selected(serviceNs, spec.selector),
    containerPort: servicePort.targetPort ?? port,
    ns: serviceNs,
  };
}

/** prometheus.io annotations must point at a port and path the pod's program serves. */
function scrapeWiring(w: Workload, ours: Ours[], program: Program, problems: string[]): void {
  const annotations = w.template.metadata?.annotations ?? {};
  if (annotations['prometheus.io/scrape'] !== 'true') return;
  const port = Number(annotations['prometheus.io/port']);
  const path = annotations['prometheus.io/path'] ?? '/metrics';
  const c = w.template.spec.containers.find((c) => hasPort(c, port));
  const o = ours.find((o) => o.c === c);
  if (c === undefined)
    problems.push(
      `${idOf(w.manifest)}: prometheus.io/port ${annotations['prometheus.io/port']} is not a port of its pods`,
    );
  else if (o && !documents(program.help[o.command] ?? '', path))
    problems.push(
      `${idOf(w.manifest)}: prometheus.io/path ${path} is not served by mini-balancer ${o.command}`,
    );
}

/** Whether a command's help lists `GET <path>`. */
function documents(help: string, path: string): boolean {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`GET ${escaped}(?![\\w/-])`).test(help);
}

/** The `default N` a command's help gives a flag. */
function helpDefault(help: string, flag: string, where: string, problems: string[]): number {
  const line = help.split('\n').find((l) => l.trimStart().startsWith(`--${flag} `));
  const m = line === undefined ? null : /default (\d+)/.exec(line);
  if (!m) problems.push(`${where}: cannot read the default of --${flag} from the command's help`);
  return Number(m?.[1] ?? Number.NaN);
}

function numberOr(value: string | undefined, fallback: number): number {
  return value === undefined ? fallback : Number(value);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
