// Kubernetes wiring any rendering must get right: selectors, ports, probes, references, autoscaler, resources.
import { type Cluster, nsOf, preStopSleep, quantity, type Workload } from './cluster.ts';
import {
  type Container,
  containersOf,
  idOf,
  type LabelSelector,
  type Manifest,
  type Probe,
  selects,
  specOf,
} from './manifest.ts';

/**
 * The wiring problems of one rendering (Services, PDBs, autoscalers, workloads, Secret and ConfigMap
 * references), each a sentence naming the object; [] when it is sound.
 *
 * @example
 *   kubernetesWiring(new Cluster(renderKustomization('deploy/kubernetes/overlays/minikube')));
 */
export function kubernetesWiring(cluster: Cluster): string[] {
  const problems: string[] = [];
  for (const w of cluster.workloads()) workloadWiring(cluster, w, problems);
  for (const m of cluster.manifests) {
    if (m.kind === 'Service') serviceWiring(cluster, m, problems);
    if (m.kind === 'PodDisruptionBudget') {
      const selector = specOf<{ selector?: LabelSelector }>(m).selector;
      exactlyOneWorkload(cluster, m, selector?.matchLabels, problems);
    }
    if (m.kind === 'HorizontalPodAutoscaler') autoscalerWiring(cluster, m, problems);
  }
  return problems;
}

function workloadWiring(cluster: Cluster, w: Workload, problems: string[]): void {
  const m = w.manifest;
  const labels = w.template.metadata?.labels;
  const spec = specOf<{ selector?: LabelSelector; serviceName?: string; volumeClaimTemplates?: Manifest[] }>(
    m,
  );
  if (m.kind !== 'Job' && !selects(spec.selector?.matchLabels, labels))
    problems.push(`${idOf(m)}: its selector does not match its pod template's labels`);
  for (const [i, t] of (w.template.spec.topologySpreadConstraints ?? []).entries()) {
    if (!selects(t.labelSelector?.matchLabels, labels))
      problems.push(`${idOf(m)}: topologySpreadConstraints[${i}] does not select its own pods`);
  }
  if (m.kind === 'StatefulSet') {
    const service = cluster.find('Service', nsOf(m), spec.serviceName ?? '');
    const headless = specOf<{ clusterIP?: string; selector?: Record<string, string> }>(service ?? m);
    if (service === undefined || headless.clusterIP !== 'None' || !selects(headless.selector, labels))
      problems.push(
        `${idOf(m)}: serviceName "${spec.serviceName}" is not a headless Service selecting its pods`,
      );
  }
  const volumes = new Set([
    ...(w.template.spec.volumes ?? []).map((v) => v.name),
    ...(spec.volumeClaimTemplates ?? []).map((v) => v.metadata.name),
  ]);
  volumeReferences(cluster, w, problems);
  const grace = w.template.spec.terminationGracePeriodSeconds ?? 30;
  for (const c of containersOf(w.template)) {
    const where = `${idOf(m)} container ${c.name}`;
    cluster.env(c, nsOf(m), where, problems);
    for (const [kind, probe] of probesOf(c)) {
      const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
      if (port !== undefined && !hasPort(c, port))
        problems.push(`${where}: ${kind} probe port ${port} is not a port of it`);
    }
    for (const mount of c.volumeMounts ?? []) {
      if (!volumes.has(mount.name))
        problems.push(`${where}: mounts volume "${mount.name}", which is not defined`);
    }
    resourceWiring(c, where, problems);
    if (preStopSleep(c) >= grace)
      problems.push(
        `${where}: its preStop sleep (${preStopSleep(c)} s) uses up terminationGracePeriodSeconds (${grace})`,
      );
  }
}

function volumeReferences(cluster: Cluster, w: Workload, problems: string[]): void {
  for (const v of w.template.spec.volumes ?? []) {
    const ref = v.configMap
      ? {
          kind: 'ConfigMap' as const,
          name: v.configMap.name,
          items: v.configMap.items,
          optional: v.configMap.optional,
        }
      : v.secret
        ? {
            kind: 'Secret' as const,
            name: v.secret.secretName,
            items: v.secret.items,
            optional: v.secret.optional,
          }
        : undefined;
    if (ref === undefined || ref.optional === true) continue;
    const keys = cluster.keys(ref.kind, nsOf(w.manifest), ref.name);
    if (keys === undefined)
      problems.push(
        `${idOf(w.manifest)}: volume ${v.name} needs ${ref.kind} ${ref.name}, which does not exist`,
      );
    for (const item of ref.items ?? []) {
      if (keys && !keys.has(item.key))
        problems.push(
          `${idOf(w.manifest)}: volume ${v.name} needs key "${item.key}" of ${ref.kind} ${ref.name}`,
        );
    }
  }
}

function resourceWiring(c: Container, where: string, problems: string[]): void {
  for (const resource of ['cpu', 'memory']) {
    const request = quantity(c.resources?.requests?.[resource]);
    const limit = quantity(c.resources?.limits?.[resource]);
    if (Number.isNaN(request) || Number.isNaN(limit))
      problems.push(`${where}: needs a ${resource} request and limit`);
    else if (request > limit) problems.push(`${where}: its ${resource} request is above its limit`);
  }
}

function serviceWiring(cluster: Cluster, m: Manifest, problems: string[]): void {
  const spec = specOf<{
    selector?: Record<string, string>;
    ports?: { port: number; targetPort?: number | string }[];
  }>(m);
  for (const w of exactlyOneWorkload(cluster, m, spec.selector, problems)) {
    for (const p of spec.ports ?? []) {
      const target = p.targetPort ?? p.port;
      if (!w.template.spec.containers.some((c) => hasPort(c, target)))
        problems.push(
          `${idOf(m)}: port ${p.port} targets ${target}, which no container of ${idOf(w.manifest)} exposes`,
        );
    }
  }
}

/** The workloads a selector picks, reporting none (nothing behind it) or several (it mixes workloads). */
function exactlyOneWorkload(
  cluster: Cluster,
  m: Manifest,
  selector: Record<string, string> | undefined,
  problems: string[],
): Workload[] {
  const picked = cluster.selected(nsOf(m), selector);
  if (picked.length === 0) problems.push(`${idOf(m)}: its selector matches no pod template`);
  if (picked.length > 1)
    problems.push(
      `${idOf(m)}: its selector matches pods of ${picked.map((w) => idOf(w.manifest)).join(', ')}`,
    );
  return picked;
}

function autoscalerWiring(cluster: Cluster, m: Manifest, problems: string[]): void {
  const spec = specOf<{
    scaleTargetRef: { apiVersion?: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: { type: string; resource?: { name: string } }[];
  }>(m);
  const ref = spec.scaleTargetRef;
  const target = cluster.find(ref.kind, nsOf(m), ref.name);
  if (target === undefined || target.apiVersion !== ref.apiVersion) {
    problems.push(`${idOf(m)}: scaleTargetRef ${ref.apiVersion} ${ref.kind} ${ref.name} does not exist`);
    return;
  }
  if (specOf<{ replicas?: number }>(target).replicas !== undefined)
    problems.push(`${idOf(target)}: sets replicas, which every apply would reset under ${idOf(m)}`);
  if ((spec.minReplicas ?? 1) > spec.maxReplicas)
    problems.push(`${idOf(m)}: minReplicas is above maxReplicas`);
  const template = (target.spec as { template?: Workload['template'] }).template;
  for (const metric of spec.metrics ?? []) {
    const resource = metric.type === 'Resource' ? metric.resource?.name : undefined;
    if (resource === undefined) continue;
    for (const c of template?.spec.containers ?? []) {
      if (c.resources?.requests?.[resource] === undefined)
        problems.push(
          `${idOf(m)}: scales on ${resource}, but container ${c.name} of ${idOf(target)} requests none`,
        );
    }
  }
}

function probesOf(c: Container): [string, Probe][] {
  const out: [string, Probe][] = [];
  if (c.startupProbe) out.push(['startup', c.startupProbe]);
  if (c.readinessProbe) out.push(['readiness', c.readinessProbe]);
  if (c.livenessProbe) out.push(['liveness', c.livenessProbe]);
  return out;
}

/** Whether a container exposes a port, by name or by number. */
export function hasPort(c: Container, port: number | string): boolean {
  return (c.ports ?? []).some((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port));
}

/** A container's port number, by name or number; undefined when it has no such port. */
export function portNumber(c: Container, port: number | string): number | undefined {
  return (c.ports ?? []).find((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port))
    ?.containerPort;
}
