// Serves the built dashboard (dist/dashboard), building it on the first request when it is missing or stale.
import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Where the dashboard's files come from: a folder, or a function that builds and answers it. */
export type DashboardSource = () => Promise<string>;

/** Whether a GET path is one of the dashboard's files (the app routes with the URL hash, so there are few). */
export function isDashboardPath(urlPath: string): boolean {
  return (
    urlPath === '/' ||
    urlPath === '/index.html' ||
    /^\/(assets\/)?[\w.-]+\.(js|css|svg|png|ico|woff2)$/.test(urlPath)
  );
}

/**
 * Answers a dashboard file (`/` is index.html); false when there is no such file. `/assets/*` are
 * content-hashed and cached for a year.
 *
 * @example
 *   if (isDashboardPath(path)) await serveDashboard(res, path, () => ensureDashboardBuilt());
 */
export async function serveDashboard(
  res: http.ServerResponse,
  urlPath: string,
  source: DashboardSource,
): Promise<boolean> {
  const root = await source();
  const decoded = decodeURIComponent(urlPath);
  const wanted = decoded === '/' ? '/index.html' : decoded;
  const file = path.resolve(root, `.${path.posix.normalize(wanted)}`);
  if (!file.startsWith(root + path.sep)) return false;
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return false;
  }
  const immutable = wanted.startsWith('/assets/');
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(wanted === '/index.html'
      ? {
          'content-security-policy':
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'",
        }
      : {}),
  });
  res.end(body);
  return true;
}

/** The page a browser gets without the token when one is required: a form that sends it as `?token=`. */
export function tokenPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mini-Balancer: token required</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">
<h1>Mini-Balancer</h1><p>This coordinator is reachable off loopback, so the dashboard needs its access token
(logged at start, or set with <code>MB_HTTP_TOKEN</code>).</p>
<form method="get" action="/"><label for="token">Access token</label><br>
<input id="token" name="token" type="password" autocomplete="current-password" required style="width:100%">
<button type="submit" style="margin-top:.5rem">Open the dashboard</button></form></body></html>`;
}
