// The container image's Dockerfile and .dockerignore, against the program and the manifests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { coordinator, program, ROOT, render, worker } from './fixtures.ts';

describe('Dockerfile', () => {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const stages = text.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1) ?? '';

  it('builds on Node 20 slim in every stage and has no HEALTHCHECK (the probes do that)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage).toMatch(/^node:20[\w.-]*-slim\b/);
    expect(text).not.toMatch(/^HEALTHCHECK/m);
  });

  it('runs as a numeric non-root user, the one the manifests name', async () => {
    const user = /^USER (\d+)(?::\d+)?$/m.exec(runtime)?.[1];
    expect(Number(user)).toBeGreaterThan(0);
    expect((await program()).imageUser).toBe(Number(user));
  });

  it('installs production dependencies only, with the dashboard built in the builder', () => {
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(/COPY --from=builder \/app\/dist\/dashboard/);
    expect(stages[0]).toMatch(/npm run build:dashboard/);
  });

  it('starts bin/mini-balancer.js, whose tsx is a production dependency', () => {
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "\/app\/bin\/mini-balancer\.js"\]$/m);
    const bin = readFileSync(path.join(ROOT, 'bin/mini-balancer.js'), 'utf8');
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const m of bin.matchAll(/from '([^'./][^'/]*)/g))
      expect(Object.keys(pkg.dependencies)).toContain(m[1]);
  });

  it('exposes the ports the manifests use', () => {
    const exposed = (/^EXPOSE (.+)$/m.exec(runtime)?.[1] ?? '').split(/\s+/).map(Number);
    const ms = render.base();
    const ports = [coordinator(ms), worker(ms)].flatMap((c) => c.ports?.map((p) => p.containerPort) ?? []);
    expect(exposed.sort()).toEqual([...new Set(ports)].sort());
  });

  it('.dockerignore keeps what the image copies', () => {
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'bin', 'src'])
      expect(ignored).not.toContain(needed);
    for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm))
      for (const source of (m[1] ?? '').split(' ')) expect(ignored).not.toContain(source);
  });
});
