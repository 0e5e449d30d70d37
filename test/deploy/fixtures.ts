// What the deploy tests share: the renderings of deploy/kubernetes, the program's facts, lookups.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Cluster } from './cluster.ts';
import { renderKustomization } from './kustomize.ts';
import { type Container, type EnvVar, type Manifest, podTemplateOf } from './manifest.ts';
import { type Program, programWiring } from './program-wiring.ts';
import { kubernetesWiring } from './wiring.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const KUSTOMIZE = path.join(ROOT, 'deploy/kubernetes');
const PRODUCTION = path.join(KUSTOMIZE, 'overlays/production');

/** The Secret `mini-balancer` base reads; overlays supply it. */
export const SECRET_KEYS = ['database-url', 'worker-secret', 'http-token', 'replica-urls'];

/** The production overlay renders with the example in place of the operator's git-ignored env file. */
function readWithExampleEnv(file: string): string {
  const example = path.join(PRODUCTION, 'mini-balancer.env.example');
  return readFileSync(file === path.join(PRODUCTION, 'mini-balancer.env') ? example : file, 'utf8');
}

/** `kustomize build` of base and of each overlay, fresh objects on every call. */
export const render = {
  base: () => renderKustomization(path.join(KUSTOMIZE, 'base')),
  minikube: () => renderKustomization(path.join(KUSTOMIZE, 'overlays/minikube')),
  production: () => renderKustomization(PRODUCTION, { readFile: readWithExampleEnv }),
};

/** Each rendering with the Secrets it expects from outside (base's comes from the overlays). */
export const RENDERINGS: [string, () => Manifest[], Record<string, string[]>][] = [
  ['base', render.base, { 'mini-balancer': SECRET_KEYS }],
  ['minikube', render.minikube, {}],
  ['production', render.production, {}],
];

let facts: Promise<Program> | undefined;

/** What the program says about itself (read once): its commands' help, the MB_* names its source reads, the image's user. */
export function program(): Promise<Program> {
  facts ??= readProgram();
  return facts;
}

async function readProgram(): Promise<Program> {
  const [{ serveCommand }, { workerCommand }, { loadCommand }] = await Promise.all([
    import('../../src/cli/serve.ts'),
    import('../../src/cli/worker-command.ts'),
    import('../../src/cli/load.ts'),
  ]);
  const knownEnv = new Set<string>();
  for (const file of readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    for (const m of readFileSync(path.join(ROOT, 'src', file), 'utf8').matchAll(/\bMB_[A-Z0-9_]+/g))
      knownEnv.add(m[0]);
  }
  const user = [...readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^USER (\d+)/gm)].pop()?.[1];
  return {
    help: { serve: serveCommand.help, worker: workerCommand.help, load: loadCommand.help },
    knownEnv,
    imageName: 'mini-balancer',
    imageUser: Number(user),
  };
}

export function check(manifests: Manifest[], external: Record<string, string[]>, known: Program): string[] {
  const cluster = new Cluster(manifests, external);
  return [...kubernetesWiring(cluster), ...programWiring(cluster, known)];
}

export function find(ms: Manifest[], kind: string, name: string): Manifest {
  const m = ms.find((m) => m.kind === kind && m.metadata.name === name);
  if (m === undefined) throw new Error(`no ${kind} ${name}`);
  return m;
}

export function container(ms: Manifest[], workload: string, name: string): Container {
  const template = podTemplateOf(
    ms.find((m) => m.metadata.name === workload && m.kind !== 'Service') as Manifest,
  );
  const c = template?.spec.containers.find((c) => c.name === name);
  if (c === undefined) throw new Error(`no container ${name} in ${workload}`);
  return c;
}

export function env(c: Container, name: string): EnvVar {
  const v = c.env?.find((e) => e.name === name);
  if (v === undefined) throw new Error(`no env ${name} in ${c.name}`);
  return v;
}

export const coordinator = (ms: Manifest[]) => container(ms, 'mini-balancer-coordinator', 'coordinator');
export const worker = (ms: Manifest[]) => container(ms, 'mini-balancer-worker', 'worker');
export const workerPod = (ms: Manifest[]) => podTemplateOf(find(ms, 'Deployment', 'mini-balancer-worker'))!;
export const configMap = (ms: Manifest[]) =>
  find(ms, 'ConfigMap', 'mini-balancer').data as Record<string, string>;
export const secretData = (ms: Manifest[]) =>
  find(ms, 'Secret', 'mini-balancer').data as Record<string, string>;
