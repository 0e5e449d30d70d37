// A small kustomize for the deploy tests (no kustomize binary here): the subset deploy/kubernetes uses.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { clone, idOf, isWorkload, type Manifest, podTemplateOf } from './manifest.ts';

export interface RenderOptions {
  /** Reads a file a kustomization names (default: from disk), so a test can supply one an operator makes. */
  readFile?: (file: string) => string;
}

/** Fields of kustomization.yaml this renderer implements; any other one is an error, never ignored. */
const FIELDS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'secretGenerator',
  'generatorOptions',
  'patches',
  'images',
]);

/** Kinds without a namespace (the namespace transformer leaves them alone). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
]);

/** Strategic merge patch keys of the lists the patches touch (from the Kubernetes API's patchMergeKey). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
};

interface Kustomization {
  resources?: string[];
  namespace?: string;
  secretGenerator?: SecretGenerator[];
  generatorOptions?: { disableNameSuffixHash?: boolean };
  patches?: { path?: string; patch?: string; target?: unknown }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
}

interface SecretGenerator {
  name: string;
  type?: string;
  literals?: string[];
  envs?: string[];
  files?: string[];
  behavior?: string;
  options?: { disableNameSuffixHash?: boolean };
}

/**
 * Renders the kustomization in `dir` as `kustomize build dir` would for the fields it implements:
 * resources (files and directories), secretGenerator (literals, env files; name hashes disabled),
 * strategic-merge patches by file, namespace, images. Throws on anything else.
 *
 * @example
 *   const manifests = renderKustomization('deploy/kubernetes/overlays/minikube');
 */
export function renderKustomization(dir: string, opts: RenderOptions = {}): Manifest[] {
  const readFile = opts.readFile ?? ((file: string) => readFileSync(file, 'utf8'));
  const file = path.join(dir, 'kustomization.yaml');
  const [doc] = parseYaml(readFile(file), file) as unknown as Kustomization[];
  if (doc === undefined) throw new Error(`${file}: empty`);
  for (const field of Object.keys(doc)) {
    if (!FIELDS.has(field))
      throw new Error(`${file}: "${field}" is not implemented by test/deploy/kustomize.ts`);
  }
  const out: Manifest[] = [];
  for (const entry of doc.resources ?? []) {
    const target = path.resolve(dir, entry);
    if (existsSync(target) && statSync(target).isDirectory()) out.push(...renderKustomization(target, opts));
    else out.push(...parseManifests(readFile(target), target));
  }
  for (const gen of doc.secretGenerator ?? []) out.push(generateSecret(gen, doc, dir, readFile, file));
  const seen = new Set<string>();
  for (const m of out) {
    const id = `${m.apiVersion}/${idOf(m)}`;
    if (seen.has(id)) throw new Error(`${file}: ${idOf(m)} appears twice`);
    seen.add(id);
  }
  for (const entry of doc.patches ?? []) {
    if (entry.path === undefined || entry.patch !== undefined || entry.target !== undefined)
      throw new Error(`${file}: only patches given by "path" are implemented`);
    const patchFile = path.resolve(dir, entry.path);
    for (const patch of parseManifests(readFile(patchFile), patchFile)) applyPatch(out, patch, patchFile);
  }
  if (doc.namespace !== undefined) {
    for (const m of out) if (!CLUSTER_SCOPED.has(m.kind)) m.metadata.namespace = doc.namespace;
  }
  for (const image of doc.images ?? []) setImage(out, image, file);
  return out;
}

/** Every non-empty YAML document of a file, as Kubernetes objects. */
export function parseManifests(text: string, file: string): Manifest[] {
  const docs = parseYaml(text, file) as Manifest[];
  for (const m of docs) {
    if (typeof m !== 'object' || typeof m.kind !== 'string' || typeof m.metadata?.name !== 'string')
      throw new Error(`${file}: a document without kind or metadata.name`);
  }
  return docs;
}

function parseYaml(text: string, file: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as unknown;
    if (value !== null && value !== undefined) out.push(value as Record<string, unknown>);
  }
  return out;
}

function generateSecret(
  gen: SecretGenerator,
  doc: Kustomization,
  dir: string,
  readFile: (file: string) => string,
  file: string,
): Manifest {
  if (gen.files !== undefined || gen.behavior !== undefined)
    throw new Error(`${file}: secretGenerator "${gen.name}": only literals and envs are implemented`);
  if (doc.generatorOptions?.disableNameSuffixHash !== true && gen.options?.disableNameSuffixHash !== true)
    throw new Error(`${file}: secretGenerator "${gen.name}": name suffix hashes are not implemented`);
  const pairs: string[] = [...(gen.literals ?? [])];
  for (const envFile of gen.envs ?? []) {
    for (const line of readFile(path.resolve(dir, envFile)).split('\n')) {
      if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
      pairs.push(line);
    }
  }
  const data: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`${file}: secretGenerator "${gen.name}": "${pair}" is not KEY=VALUE`);
    const key = pair.slice(0, eq);
    if (key in data) throw new Error(`${file}: secretGenerator "${gen.name}": key "${key}" twice`);
    data[key] = Buffer.from(pair.slice(eq + 1)).toString('base64');
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: gen.name },
    type: gen.type ?? 'Opaque',
    data,
  };
}

function applyPatch(out: Manifest[], patch: Manifest, file: string): void {
  const group = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
  const targets = out.filter(
    (m) =>
      m.kind === patch.kind &&
      m.metadata.name === patch.metadata.name &&
      group(m.apiVersion) === group(patch.apiVersion) &&
      (patch.metadata.namespace === undefined || m.metadata.namespace === patch.metadata.namespace),
  );
  if (targets.length !== 1)
    throw new Error(
      `${file}: the patch of ${patch.kind}/${patch.metadata.name} matches ${targets.length} objects`,
    );
  const target = targets[0] as Manifest;
  const merged = strategicMerge(target, patch, '') as Manifest;
  Object.assign(target, merged);
}

/**
 * Strategic merge: objects merge field by field, `null` deletes, lists with a merge key (containers by
 * name, env by name, ...) merge item by item (new items appended), other lists are replaced.
 */
export function strategicMerge(target: unknown, patch: unknown, field: string): unknown {
  if (patch === null) return undefined;
  if (isObject(patch) && isObject(target)) {
    const out: Record<string, unknown> = { ...target };
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith('$')) throw new Error(`patch directive ${key} is not implemented`);
      const merged = strategicMerge(target[key], value, key);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    }
    return out;
  }
  const key = mergeKeyOf(field, patch);
  if (key !== undefined && Array.isArray(patch) && Array.isArray(target)) {
    const out = [...target];
    for (const item of patch) {
      const at = out.findIndex((t) => isObject(t) && isObject(item) && t[key] === item[key]);
      if (at < 0) out.push(clone(item));
      else out[at] = strategicMerge(out[at], item, '');
    }
    return out;
  }
  return clone(patch);
}

function mergeKeyOf(field: string, list: unknown): string | undefined {
  if (field === 'ports' && Array.isArray(list)) {
    // Container ports merge by containerPort, Service ports by port.
    return list.some((p) => isObject(p) && 'containerPort' in p) ? 'containerPort' : 'port';
  }
  return MERGE_KEYS[field];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function setImage(out: Manifest[], image: NonNullable<Kustomization['images']>[number], file: string): void {
  if (image.digest !== undefined) throw new Error(`${file}: images[].digest is not implemented`);
  for (const m of out.filter(isWorkload)) {
    const template = podTemplateOf(m);
    for (const c of [...(template?.spec.initContainers ?? []), ...(template?.spec.containers ?? [])]) {
      if (c.image === undefined) continue;
      const { name, tag } = splitImage(c.image);
      if (name !== image.name) continue;
      const newTag = image.newTag ?? tag;
      c.image = `${image.newName ?? name}${newTag === undefined ? '' : `:${newTag}`}`;
    }
  }
}

/** `registry:5000/team/app:1.2` → name `registry:5000/team/app`, tag `1.2`. */
export function splitImage(image: string): { name: string; tag?: string } {
  const colon = image.lastIndexOf(':');
  if (colon > image.lastIndexOf('/')) return { name: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { name: image };
}
