// One rendering's objects, looked up the way the API server would: by kind, namespace and name; env resolved.
import {
  type Container,
  containersOf,
  type EnvVar,
  isWorkload,
  type Manifest,
  type PodTemplate,
  podTemplateOf,
  selects,
} from './manifest.ts';

/** A workload with its pod template. */
export interface Workload {
  manifest: Manifest;
  template: PodTemplate;
}

/** A container's environment: names that are set, each with its value, or undefined when not known here. */
export type Env = Map<string, string | undefined>;

export class Cluster {
  /** Secrets supplied outside this rendering, with their keys (values unknown). */
  private readonly external: Record<string, string[]>;

  constructor(
    readonly manifests: Manifest[],
    external: Record<string, string[]> = {},
  ) {
    this.external = external;
  }

  find(kind: string, namespace: string, name: string): Manifest | undefined {
    return this.manifests.find((m) => m.kind === kind && nsOf(m) === namespace && m.metadata.name === name);
  }

  workloads(namespace?: string): Workload[] {
    const out: Workload[] = [];
    for (const m of this.manifests) {
      const template = podTemplateOf(m);
      if (isWorkload(m) && template && (namespace === undefined || nsOf(m) === namespace))
        out.push({ manifest: m, template });
    }
    return out;
  }

  /** The workloads in `namespace` whose pods a label selector picks. */
  selected(namespace: string, selector: Record<string, string> | undefined): Workload[] {
    return this.workloads(namespace).filter((w) => selects(selector, w.template.metadata?.labels));
  }

  /**
   * A Secret's or ConfigMap's keys with their values (Secret `data` decoded); external Secrets have
   * undefined values; undefined when the object does not exist.
   */
  keys(
    kind: 'Secret' | 'ConfigMap',
    namespace: string,
    name: string,
  ): Map<string, string | undefined> | undefined {
    const m = this.find(kind, namespace, name);
    if (m === undefined) {
      const external = kind === 'Secret' ? this.external[name] : undefined;
      return external && new Map(external.map((k) => [k, undefined]));
    }
    const out = new Map<string, string | undefined>();
    const data = (m.data ?? {}) as Record<string, string>;
    for (const [k, v] of Object.entries(data))
      out.set(k, kind === 'Secret' ? Buffer.from(v, 'base64').toString() : v);
    for (const [k, v] of Object.entries((m.stringData ?? {}) as Record<string, string>)) out.set(k, v);
    return out;
  }

  /**
   * Resolves a container's env as the kubelet would: literal values with `$(VAR)` expanded from variables
   * defined before, Secret and ConfigMap keys, the pod's namespace. Reports what the kubelet would refuse
   * or leave unexpanded.
   */
  env(c: Container, namespace: string, where: string, problems: string[]): Env {
    const env: Env = new Map();
    for (const v of c.env ?? []) {
      if (env.has(v.name)) problems.push(`${where}: env ${v.name} is set twice`);
      const value = this.envValue(v, namespace, `${where}: env ${v.name}`, problems, env);
      if (value !== null) env.set(v.name, value);
    }
    return env;
  }

  /** The variable's value; undefined when set but unknown here; null when it is not set at all. */
  private envValue(
    v: EnvVar,
    ns: string,
    where: string,
    problems: string[],
    before: Env,
  ): string | undefined | null {
    const from = v.valueFrom;
    if (from === undefined) {
      return (v.value ?? '').replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => {
        if (!before.has(name)) problems.push(`${where} refers to $(${name}), which is not defined before it`);
        return before.get(name) ?? whole;
      });
    }
    const ref = from.secretKeyRef ?? from.configMapKeyRef;
    if (ref !== undefined) {
      const kind = from.secretKeyRef ? 'Secret' : 'ConfigMap';
      const keys = this.keys(kind, ns, ref.name);
      if (keys?.has(ref.key)) return keys.get(ref.key);
      if (ref.optional === true) return null;
      problems.push(
        `${where} reads key "${ref.key}" of ${kind} ${ref.name}, which ${keys ? 'lacks it' : 'does not exist'}`,
      );
      return undefined;
    }
    if (from.fieldRef?.fieldPath === 'metadata.namespace') return ns;
    if (from.fieldRef !== undefined) return undefined;
    problems.push(`${where}: a valueFrom this check does not know`);
    return undefined;
  }
}

export function nsOf(m: Manifest): string {
  return m.metadata.namespace ?? '';
}

/** Every container of the rendering with where it is. */
export function allContainers(cluster: Cluster): { w: Workload; c: Container; where: string }[] {
  return cluster.workloads().flatMap((w) =>
    containersOf(w.template).map((c) => ({
      w,
      c,
      where: `${w.manifest.kind}/${w.manifest.metadata.name}/${c.name}`,
    })),
  );
}

/** CPU in cores ("500m" → 0.5) or memory in bytes ("768Mi"); NaN when unreadable. */
export function quantity(value: string | number | undefined): number {
  if (value === undefined) return Number.NaN;
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)(m|k|K|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!m) return Number.NaN;
  const scale: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(m[1]) * (m[2] ? (scale[m[2]] ?? Number.NaN) : 1);
}

/** Seconds a preStop `sleep N` hook waits (0 without one). */
export function preStopSleep(c: Container): number {
  const cmd = c.lifecycle?.preStop?.exec?.command ?? [];
  return cmd[0] === 'sleep' ? Number(cmd[1] ?? 0) : 0;
}
