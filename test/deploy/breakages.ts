// Broken variants of the minikube rendering, each with the problem the checks must report for it.

import { configMap, container, coordinator, env, find, secretData, worker, workerPod } from './fixtures.ts';
import { type Manifest, specOf } from './manifest.ts';

/** A broken manifest, and what the checks must say about it. */
export const BREAKAGES: [string, (ms: Manifest[]) => void, RegExp][] = [
  [
    'worker pods relabelled',
    (ms) => {
      workerPod(ms).metadata!.labels!['app.kubernetes.io/component'] = 'executor';
    },
    /Deployment\/mini-balancer\/mini-balancer-worker: its selector does not match/,
  ],
  [
    'Service targets a port name the coordinator lacks',
    (ms) => {
      specOf<{ ports: { targetPort: string }[] }>(find(ms, 'Service', 'mini-balancer')).ports[0]!.targetPort =
        'postgres';
    },
    /port 6432 targets postgres, which no container/,
  ],
  [
    'worker readiness probe on another port',
    (ms) => {
      worker(ms).readinessProbe!.httpGet!.port = 8082;
    },
    /readiness probe port 8082 is not a port/,
  ],
  [
    'worker readiness probe on /healthz',
    (ms) => {
      worker(ms).readinessProbe!.httpGet!.path = '/healthz';
    },
    /readiness probe must be GET \/readyz/,
  ],
  [
    'coordinator probe on a path serve does not serve',
    (ms) => {
      coordinator(ms).livenessProbe!.httpGet!.path = '/health';
    },
    /asks \/health, which serve does not serve/,
  ],
  [
    'HPA targets another Deployment',
    (ms) => {
      specOf<{ scaleTargetRef: { name: string } }>(
        find(ms, 'HorizontalPodAutoscaler', 'mini-balancer-worker'),
      ).scaleTargetRef.name = 'mini-balancer-coordinator';
    },
    /no HorizontalPodAutoscaler targets the workers/,
  ],
  [
    'worker Deployment pins replicas under the HPA',
    (ms) => {
      specOf<{ replicas?: number }>(find(ms, 'Deployment', 'mini-balancer-worker')).replicas = 3;
    },
    /sets replicas, which every apply would reset/,
  ],
  [
    'ConfigMap key missing',
    (ms) => {
      delete configMap(ms)['worker-pool-size'];
    },
    /reads key "worker-pool-size" of ConfigMap mini-balancer, which lacks it/,
  ],
  [
    'Secret key missing',
    (ms) => {
      delete secretData(ms)['worker-secret'];
    },
    /reads key "worker-secret" of Secret mini-balancer, which lacks it/,
  ],
  [
    'coordinator looks for workers on another port',
    (ms) => {
      env(coordinator(ms), 'MB_WORKERS').value = 'dns:mini-balancer-worker:9000';
    },
    /has no worker on port 9000/,
  ],
  [
    'coordinator looks for workers under another name',
    (ms) => {
      env(coordinator(ms), 'MB_WORKERS').value = 'dns:mini-balancer-workers:8081';
    },
    /names mini-balancer-workers, which is not a headless Service/,
  ],
  [
    'worker listens on a port its container does not expose',
    (ms) => {
      env(worker(ms), 'MB_WORKER_PORT').value = '9000';
    },
    /listens on port 9000, which the container does not expose/,
  ],
  [
    'coordinator HTTP API on loopback',
    (ms) => {
      env(coordinator(ms), 'MB_HTTP_HOST').value = '127.0.0.1';
    },
    /MB_HTTP_HOST is loopback/,
  ],
  [
    'worker grace period shorter than the chunk timeout',
    (ms) => {
      workerPod(ms).spec.terminationGracePeriodSeconds = 60;
    },
    /terminationGracePeriodSeconds 60 does not cover/,
  ],
  [
    'chunk timeout raised past the grace period',
    (ms) => {
      configMap(ms)['chunk-timeout-ms'] = '600000';
    },
    /does not cover preStop 15 s plus the chunk timeout 600 s/,
  ],
  [
    'heap larger than the memory limit',
    (ms) => {
      env(worker(ms), 'NODE_OPTIONS').value = '--max-old-space-size=1024';
    },
    /--max-old-space-size=1024 \(MiB\) does not fit/,
  ],
  [
    'misspelt environment variable',
    (ms) => {
      env(worker(ms), 'MB_WORKER_PORT').name = 'MB_WORKER_PROT';
    },
    /sets MB_WORKER_PROT, which mini-balancer does not read/,
  ],
  [
    'workers scraped by Prometheus, which they do not serve',
    (ms) => {
      workerPod(ms).metadata!.annotations = { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8081' };
    },
    /prometheus.io\/path \/metrics is not served by mini-balancer worker/,
  ],
  [
    'coordinators and workers read different secrets',
    (ms) => {
      secretData(ms)['worker-secret-2'] = 'eA==';
      env(worker(ms), 'MB_WORKER_SECRET').valueFrom!.secretKeyRef!.key = 'worker-secret-2';
    },
    /read MB_WORKER_SECRET from different places/,
  ],
  [
    'database URL naming a Service that does not exist',
    (ms) => {
      secretData(ms)['database-url'] = Buffer.from(
        'postgresql://postgres:postgres@postgres-primry:5432/x',
      ).toString('base64');
    },
    /names postgres-primry:5432, which nothing here serves/,
  ],
  [
    'replica URL naming a replica pod that does not exist',
    (ms) => {
      const url =
        'postgresql://postgres:postgres@postgres-replica-1.postgres-replica:5432/mini_balancer_demo';
      secretData(ms)['replica-urls'] = Buffer.from(url).toString('base64');
    },
    /names postgres-replica-1.postgres-replica:5432, which nothing here serves/,
  ],
  [
    'database URL with another password than the primary sets up',
    (ms) => {
      const url = 'postgresql://postgres:secret@postgres-primary:5432/mini_balancer_demo';
      secretData(ms)['database-url'] = Buffer.from(url).toString('base64');
    },
    /user or password is not the one StatefulSet\/mini-balancer\/postgres-primary sets up/,
  ],
  [
    'worker pool smaller than the chunks a coordinator sends',
    (ms) => {
      configMap(ms)['worker-pool-size'] = '2';
    },
    /a pool of 2 connections cannot run the 4 chunks/,
  ],
  [
    'read-only root filesystem without /tmp',
    (ms) => {
      worker(ms).volumeMounts = [];
    },
    /needs a volume at \/tmp/,
  ],
  [
    'coordinator Service also selecting the workers',
    (ms) => {
      delete specOf<{ selector: Record<string, string> }>(find(ms, 'Service', 'mini-balancer')).selector[
        'app.kubernetes.io/component'
      ];
    },
    /Service\/mini-balancer\/mini-balancer: its selector matches pods of .*coordinator.*worker/,
  ],
  [
    'replica StatefulSet governed by a Service that selects the primary',
    (ms) => {
      specOf<{ serviceName: string }>(find(ms, 'StatefulSet', 'postgres-replica')).serviceName =
        'postgres-primary';
    },
    /serviceName "postgres-primary" is not a headless Service selecting its pods/,
  ],
  [
    'coordinator without its access token',
    (ms) => {
      coordinator(ms).env = (coordinator(ms).env ?? []).filter((e) => e.name !== 'MB_HTTP_TOKEN');
    },
    /MB_HTTP_TOKEN is not set/,
  ],
  [
    'container without a memory limit',
    (ms) => {
      delete worker(ms).resources?.limits?.memory;
    },
    /worker: needs a memory request and limit/,
  ],
  [
    'load Job on another image',
    (ms) => {
      container(ms, 'mini-balancer-load-demo', 'load-tpch').image = 'mini-balancer:old';
    },
    /Mini-Balancer runs from several images/,
  ],
];
