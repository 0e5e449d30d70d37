// Validates manifests against the Kubernetes API's OpenAPI schemas, offline (the kubernetes-models package).
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { idOf, type Manifest } from './manifest.ts';

type Model = new (data: never) => { validate(): void };

/** Every apiVersion/kind the manifests may use; another one fails the check until it is added here. */
const MODELS: Record<string, Model> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * The schema violations of one manifest, each as `Kind/namespace/name/path: message`; [] when valid.
 *
 * @example
 *   schemaErrors({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 'x' }] } });
 *   // ['Service/(no namespace)/s/spec/ports/0/port: must be integer']
 */
export function schemaErrors(m: Manifest): string[] {
  const model = MODELS[`${m.apiVersion}/${m.kind}`];
  if (model === undefined)
    return [`${idOf(m)}: no schema for ${m.apiVersion} ${m.kind} (add it to test/deploy/schema.ts)`];
  try {
    new model(structuredClone(m) as never).validate();
    return [];
  } catch (err) {
    const issues = (err as { errors?: ValidationIssue[] }).errors;
    if (!Array.isArray(issues)) throw err;
    return issues.map((e) => {
      const params = e.params && Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : '';
      return `${idOf(m)}${e.instancePath ?? ''}: ${e.message ?? 'invalid'}${params}`;
    });
  }
}
