// Finds fields the Kubernetes API does not have (a misspelt `readinesProbe` the schemas let through) with tsc.
import path from 'node:path';
import ts from 'typescript';
import { idOf, type Manifest } from './manifest.ts';

/** Where each apiVersion/kind's TypeScript interface `I<Kind>` lives (schema.ts lists the same kinds). */
const MODULES: Record<string, string> = {
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/Secret': 'kubernetes-models/v1/Secret',
  'v1/Service': 'kubernetes-models/v1/Service',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'apps/v1/StatefulSet': 'kubernetes-models/apps/v1/StatefulSet',
  'batch/v1/Job': 'kubernetes-models/batch/v1/Job',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
};

/**
 * Type-checks each manifest as an object literal of kubernetes-models' interface for its kind, so every
 * field the API does not know is an excess property; answers `Kind/namespace/name: message` per error.
 * The JSON schemas in schema.ts allow unknown fields, as the API server does without strict validation.
 *
 * @example
 *   unknownFields([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { portz: [] } }]);
 *   // ["Service/(no namespace)/s: Object literal may only specify known properties, and '\"portz\"' ..."]
 */
export function unknownFields(manifests: Manifest[]): string[] {
  const file = path.resolve(import.meta.dirname, 'manifests.virtual.ts');
  const lines: string[] = [];
  const lineOf: Manifest[] = [];
  for (const [i, m] of manifests.entries()) {
    const module = MODULES[`${m.apiVersion}/${m.kind}`];
    if (module === undefined) continue; // schemaErrors reports it
    lines.push(`import type { I${m.kind} as T${i} } from '${module}';`);
    lineOf[lines.length] = m;
    lines.push(`export const m${i}: T${i} = ${JSON.stringify(m)};`);
  }
  const text = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
    lib: ['lib.es2022.d.ts'],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, version, ...rest) =>
    name === file
      ? ts.createSourceFile(name, text, version)
      : getSourceFile.call(host, name, version, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? text : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  const source = program.getSourceFile(file);
  return ts.getPreEmitDiagnostics(program, source).map((d) => {
    const line = d.start === undefined || !source ? -1 : source.getLineAndCharacterOfPosition(d.start).line;
    const m = lineOf[line];
    return `${m ? idOf(m) : file}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}
