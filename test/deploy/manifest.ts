// Kubernetes objects as plain data, as YAML gives them, and the accessors the deploy checks share.

/** One Kubernetes object as parsed from YAML (only the fields every object has are typed). */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** The parts of a container the checks read. */
export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  env?: EnvVar[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command?: string[] } } };
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; readOnlyRootFilesystem?: boolean };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: KeyRef;
    configMapKeyRef?: KeyRef;
    fieldRef?: { fieldPath: string };
  };
}

export interface KeyRef {
  name: string;
  key: string;
  optional?: boolean;
}

export interface Probe {
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command?: string[] };
}

/** The parts of a pod template the checks read. */
export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    initContainers?: Container[];
    volumes?: {
      name: string;
      configMap?: { name: string; items?: { key: string }[]; optional?: boolean };
      secret?: { secretName: string; items?: { key: string }[]; optional?: boolean };
      emptyDir?: unknown;
    }[];
    terminationGracePeriodSeconds?: number;
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
    topologySpreadConstraints?: { labelSelector?: LabelSelector }[];
  };
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: unknown[];
}

/** Kinds whose objects carry a pod template at spec.template. */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

export function isWorkload(m: Manifest): boolean {
  return WORKLOADS.has(m.kind);
}

/** The pod template of a workload, or undefined for other kinds. */
export function podTemplateOf(m: Manifest): PodTemplate | undefined {
  if (!isWorkload(m)) return undefined;
  return (m.spec as { template?: PodTemplate } | undefined)?.template;
}

/** Init containers, then containers. */
export function containersOf(template: PodTemplate): Container[] {
  return [...(template.spec.initContainers ?? []), ...template.spec.containers];
}

/** `Kind/namespace/name`, how problems name an object. */
export function idOf(m: Manifest): string {
  return `${m.kind}/${m.metadata.namespace ?? '(no namespace)'}/${m.metadata.name}`;
}

export function specOf<T>(m: Manifest): T {
  return (m.spec ?? {}) as T;
}

/** Whether every label a selector's matchLabels asks for is on `labels` (matchExpressions are not used here). */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> = {}) {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** A structural copy, so checks and mutations never share objects with the source. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
