// The Kubernetes manifests, checked offline: schemas, unknown fields, wiring, overlays, and broken variants.
import { afterEach, describe, expect, it } from 'vitest';
import { serverFlags } from '../../src/cli/serve.ts';
import { BREAKAGES } from './breakages.ts';
import { Cluster } from './cluster.ts';
import {
  check,
  container,
  coordinator,
  env,
  find,
  program,
  RENDERINGS,
  render,
  SECRET_KEYS,
  secretData,
  worker,
} from './fixtures.ts';
import { unknownFields } from './known-fields.ts';
import { renderKustomization } from './kustomize.ts';
import { type Container, clone, type Manifest, podTemplateOf, specOf } from './manifest.ts';
import { schemaErrors } from './schema.ts';

describe.each(RENDERINGS)('deploy/kubernetes %s', (_name, rendering, external) => {
  it('renders objects that validate against the Kubernetes schemas', () => {
    const manifests = rendering();
    expect(manifests.length).toBeGreaterThanOrEqual(8);
    expect(manifests.flatMap(schemaErrors)).toEqual([]);
  });

  it('is wired: selectors, ports, probes, references, autoscaler, and the program’s own defaults', async () => {
    expect(check(rendering(), external, await program())).toEqual([]);
  });
});

describe('deploy/kubernetes fields', () => {
  // One tsc run for every rendering (it takes seconds), with one broken object that must be the only error.
  it('have no field the Kubernetes API does not know', { timeout: 120_000 }, () => {
    const all = RENDERINGS.flatMap(([, rendering]) => rendering());
    const broken = clone(find(all, 'Deployment', 'mini-balancer-worker'));
    broken.metadata.name = 'broken-on-purpose';
    const c = podTemplateOf(broken)!.spec.containers[0]! as Container & { readinesProbe?: unknown };
    c.readinesProbe = c.readinessProbe;
    expect(unknownFields([...all, broken])).toEqual([
      expect.stringMatching(
        /^Deployment\/\(no namespace\)\/broken-on-purpose: .*'"readinesProbe"' does not exist/,
      ),
    ]);
  });
});

describe('deploy/kubernetes overlays', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it.each(RENDERINGS.slice(1))('%s supplies the Secret base reads, with no other key', (_name, rendering) => {
    const keys = Object.keys(secretData(rendering()));
    expect(keys.filter((k) => !SECRET_KEYS.includes(k))).toEqual([]);
    expect(keys).toEqual(expect.arrayContaining(['database-url', 'worker-secret', 'http-token']));
  });

  it.each(RENDERINGS.slice(1))(
    '%s puts every namespaced object in namespace mini-balancer',
    (_name, rendering) => {
      for (const m of rendering())
        expect(m.metadata.namespace ?? m.kind).toBe(m.kind === 'Namespace' ? 'Namespace' : 'mini-balancer');
    },
  );

  it('the coordinator’s environment passes serve’s own flag parser', () => {
    const ms = render.minikube();
    const resolved = new Cluster(ms).env(coordinator(ms), 'mini-balancer', 'coordinator', []);
    for (const [k, v] of resolved) if (v !== undefined) process.env[k] = v;
    const opts = serverFlags({}, resolved.get('MB_DATABASE_URL') ?? '');
    expect(opts).toMatchObject({
      workers: 0,
      dnsWorkers: { name: 'mini-balancer-worker', port: 8081, refreshMs: 5000 },
      httpHost: '0.0.0.0',
      httpPort: 8080,
      pgPort: 6432,
      workerConcurrency: 4,
      chunkTimeoutMs: 300_000,
      secret: 'minikube-demo-worker-secret',
      gateway: { host: '0.0.0.0' },
      replicaUrls: [
        'postgresql://postgres:postgres@postgres-replica-0.postgres-replica:5432/mini_balancer_demo',
      ],
      maxReplicaLagMs: 5000,
      consistency: 'snapshot',
    });
  });

  it('scales the workers on CPU at 50%, 2 to 20, slowly down (base) and 4 to 8 for the demo (minikube)', () => {
    const [base, minikube] = [render.base(), render.minikube()];
    const hpa = (ms: Manifest[]) =>
      specOf<{
        minReplicas: number;
        maxReplicas: number;
        metrics: unknown[];
        behavior: { scaleDown: { stabilizationWindowSeconds: number } };
      }>(find(ms, 'HorizontalPodAutoscaler', 'mini-balancer-worker'));
    expect(hpa(base)).toMatchObject({ minReplicas: 2, maxReplicas: 20 });
    expect(hpa(base).metrics).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
      },
    ]);
    expect(hpa(base).behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(60);
    expect(hpa(minikube)).toMatchObject({ minReplicas: 4, maxReplicas: 8 });
    expect(specOf<{ replicas: number }>(find(base, 'Deployment', 'mini-balancer-coordinator')).replicas).toBe(
      2,
    );
  });

  it('applies the overlays’ patches and images over base', () => {
    const [base, minikube, production] = [render.base(), render.minikube(), render.production()];
    expect(worker(base).resources?.requests?.cpu).toBe('250m');
    expect(worker(minikube).resources?.requests?.cpu).toBe('100m');
    // The patch changed one env var and kept the others in place.
    expect(worker(minikube).env?.map((e) => e.name)).toEqual(worker(base).env?.map((e) => e.name));
    expect(env(worker(minikube), 'NODE_OPTIONS').value).toBe('--max-old-space-size=256');
    expect(coordinator(minikube).image).toBe('mini-balancer:dev');
    expect(container(minikube, 'mini-balancer-load-demo', 'load-tpch').image).toBe('mini-balancer:dev');
    expect(worker(production).image).toBe('registry.example.com/mini-balancer:0.1.0');
    expect(container(minikube, 'postgres-primary', 'postgres').image).toBe('postgres:18');
  });
});

describe('the checks find broken wiring', () => {
  it.each(BREAKAGES)('%s', async (_name, breakIt, expected) => {
    const facts = await program();
    const manifests = clone(render.minikube());
    expect(check(manifests, {}, facts)).toEqual([]);
    breakIt(manifests);
    expect(check(manifests, {}, facts)).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it.each([
    [
      'a port as text',
      (m: Manifest) => ((m.spec as { ports: { port: unknown }[] }).ports[0]!.port = '6432'),
      /must be integer/,
    ],
    [
      'a type that is not text',
      (m: Manifest) => ((m.spec as { type: unknown }).type = 42),
      /spec\/type: must be string/,
    ],
  ])('the schema check rejects %s', (_name, breakIt, expected) => {
    const service = clone(find(render.base(), 'Service', 'mini-balancer'));
    expect(schemaErrors(service)).toEqual([]);
    breakIt(service);
    expect(schemaErrors(service)).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it('the renderer refuses what it does not implement, and patches of missing objects', () => {
    const files: Record<string, string> = {
      '/v/kustomization.yaml': 'resources: [a.yaml]\npatches: [{path: p.yaml}]\n',
      '/v/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
      '/v/p.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {x: "1"}\n',
      '/w/kustomization.yaml': 'resources: []\nreplicas: [{name: a, count: 2}]\n',
    };
    const readFile = (file: string) => files[file] ?? '';
    expect(() => renderKustomization('/v', { readFile })).toThrow(/patch of ConfigMap\/b matches 0 objects/);
    expect(() => renderKustomization('/w', { readFile })).toThrow(/"replicas" is not implemented/);
  });
});
