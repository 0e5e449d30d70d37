// `--workers N | dns:NAME:PORT`, `--dns-refresh-ms` and `--dns-server`: local workers, or workers found through DNS.
import { isIP } from 'node:net';
import { DEFAULT_DNS_REFRESH_MS, type DnsWorkersOptions } from '../cluster/dns-discovery.ts';
import { type Flags, flagOrEnv, intValue, str, UsageError } from './command.ts';

/** A DNS label: letters, digits, '-' and '_' (seen in SRV-style names), 63 at most, no '-' at either end. */
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/**
 * `--workers` (or MB_WORKERS): a number of local workers (default 4), or `dns:NAME:PORT`, which starts no
 * local worker and finds them through DNS. Throws a UsageError naming what is wrong.
 *
 * @example
 *   workersFlags({ workers: '2' }); // { workers: 2 }
 *   workersFlags({ workers: 'dns:mb-workers:7000' });
 *   // { workers: 0, dnsWorkers: { name: 'mb-workers', port: 7000, refreshMs: 5000 } }
 */
export function workersFlags(flags: Flags): { workers: number; dnsWorkers?: DnsWorkersOptions } {
  const text = flagOrEnv(str(flags.workers), 'MB_WORKERS');
  if (text?.startsWith('dns:')) return { workers: 0, dnsWorkers: dnsWorkersFlags(text, flags) };
  for (const flag of ['dns-refresh-ms', 'dns-server'])
    if (flags[flag] !== undefined) throw new UsageError(`--${flag} goes with --workers dns:NAME:PORT`);
  if (text !== undefined && !/^\s*\d+\s*$/.test(text))
    throw new UsageError(`--workers must be an integer from 0 to 256 or dns:NAME:PORT, not "${text}"`);
  return { workers: intValue(text, 'workers', 0, 256, 4) };
}

/** `dns:NAME:PORT` (NAME a DNS name, PORT 1-65535) with `--dns-refresh-ms` and `--dns-server` (flag or env). */
function dnsWorkersFlags(text: string, flags: Flags): DnsWorkersOptions {
  const form = '--workers dns:NAME:PORT (a DNS name and the port the workers listen on)';
  const rest = text.slice('dns:'.length);
  const colon = rest.lastIndexOf(':');
  if (colon < 0) throw new UsageError(`${form}: the port is missing in "${text}"`);
  const name = rest.slice(0, colon);
  const port = rest.slice(colon + 1);
  if (!isDnsName(name)) throw new UsageError(`${form}: "${name}" is not a DNS name`);
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)
    throw new UsageError(`${form}: the port must be an integer from 1 to 65535, not "${port}"`);
  const out: DnsWorkersOptions = {
    name,
    port: Number(port),
    refreshMs: intValue(
      flagOrEnv(str(flags['dns-refresh-ms']), 'MB_DNS_REFRESH_MS'),
      'dns-refresh-ms',
      50,
      3_600_000,
      DEFAULT_DNS_REFRESH_MS,
    ),
  };
  const server = flagOrEnv(str(flags['dns-server']), 'MB_DNS_SERVER');
  if (server !== undefined) out.server = dnsServer(server);
  return out;
}

function isDnsName(name: string): boolean {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  return bare.length > 0 && bare.length <= 253 && bare.split('.').every((label) => LABEL.test(label));
}

/** `IP`, `IPv4:PORT` or `[IPv6]:PORT`, as `Resolver.setServers` takes them (port 53 when absent). */
function dnsServer(text: string): string {
  if (isIP(text) !== 0) return text;
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (host !== undefined && isIP(host) === (m?.[1] === undefined ? 4 : 6) && port >= 1 && port <= 65535)
    return text;
  throw new UsageError(
    `--dns-server must be an IP address with an optional port (10.96.0.10, 127.0.0.1:5353, [::1]:5353), not "${text}"`,
  );
}
