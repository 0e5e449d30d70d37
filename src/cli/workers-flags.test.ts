// `--workers N | dns:NAME:PORT`, `--dns-refresh-ms`, `--dns-server`: accepted forms and usage errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Flags, UsageError } from './command.ts';
import { serverFlags } from './serve.ts';
import { workersFlags } from './workers-flags.ts';

const ENV = ['MB_WORKERS', 'MB_DNS_REFRESH_MS', 'MB_DNS_SERVER'];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

beforeEach(() => {
  for (const k of ENV) delete process.env[k];
});
afterEach(() => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('workersFlags', () => {
  it.each<[string, Flags, Record<string, string>, ReturnType<typeof workersFlags>]>([
    ['default: 4 local workers', {}, {}, { workers: 4 }],
    ['a number', { workers: '0' }, {}, { workers: 0 }],
    [
      'a headless Service name',
      { workers: 'dns:mb-workers:7000' },
      {},
      { workers: 0, dnsWorkers: { name: 'mb-workers', port: 7000, refreshMs: 5000 } },
    ],
    [
      'a fully qualified name with a trailing dot',
      { workers: 'dns:mb-workers.default.svc.cluster.local.:7000' },
      {},
      {
        workers: 0,
        dnsWorkers: { name: 'mb-workers.default.svc.cluster.local.', port: 7000, refreshMs: 5000 },
      },
    ],
    [
      'refresh interval and server',
      { workers: 'dns:w.test:7000', 'dns-refresh-ms': '300', 'dns-server': '127.0.0.1:5353' },
      {},
      { workers: 0, dnsWorkers: { name: 'w.test', port: 7000, refreshMs: 300, server: '127.0.0.1:5353' } },
    ],
    [
      'everything from the environment',
      {},
      { MB_WORKERS: 'dns:w:1', MB_DNS_REFRESH_MS: '1000', MB_DNS_SERVER: '[::1]:53' },
      { workers: 0, dnsWorkers: { name: 'w', port: 1, refreshMs: 1000, server: '[::1]:53' } },
    ],
    [
      'a server without port, IPv4 and IPv6',
      { workers: 'dns:w:7000', 'dns-server': 'fd00::10' },
      {},
      { workers: 0, dnsWorkers: { name: 'w', port: 7000, refreshMs: 5000, server: 'fd00::10' } },
    ],
    [
      'the flag wins over the environment',
      { workers: '2' },
      { MB_WORKERS: 'dns:w:7000', MB_DNS_SERVER: '10.0.0.1' },
      { workers: 2 },
    ],
  ])('%s', (_name, flags, env, expected) => {
    Object.assign(process.env, env);
    expect(workersFlags(flags)).toEqual(expected);
  });

  it.each<[Flags, RegExp]>([
    [{ workers: 'four' }, /--workers must be an integer from 0 to 256 or dns:NAME:PORT, not "four"/],
    [{ workers: '300' }, /--workers must be an integer from 0 to 256/],
    [{ workers: 'dns:' }, /--workers dns:NAME:PORT .*: the port is missing in "dns:"/],
    [{ workers: 'dns:mb-workers' }, /the port is missing/],
    [{ workers: 'dns::7000' }, /"" is not a DNS name/],
    [{ workers: 'dns:mb workers:7000' }, /"mb workers" is not a DNS name/],
    [{ workers: 'dns:a..b:7000' }, /"a..b" is not a DNS name/],
    [{ workers: 'dns:-w:7000' }, /"-w" is not a DNS name/],
    [{ workers: `dns:${'a'.repeat(64)}:7000` }, /is not a DNS name/],
    [{ workers: 'dns:http://w:7000' }, /"http:\/\/w" is not a DNS name/],
    [{ workers: 'dns:w:' }, /the port must be an integer from 1 to 65535, not ""/],
    [{ workers: 'dns:w:0' }, /the port must be an integer from 1 to 65535, not "0"/],
    [{ workers: 'dns:w:65536' }, /the port must be an integer from 1 to 65535/],
    [{ workers: 'dns:w:70x' }, /the port must be an integer/],
    [{ workers: 'dns:w:7000', 'dns-refresh-ms': '10' }, /--dns-refresh-ms must be an integer from 50/],
    [{ workers: 'dns:w:7000', 'dns-server': 'kube-dns' }, /--dns-server must be an IP address/],
    [{ workers: 'dns:w:7000', 'dns-server': '10.0.0.1:99999' }, /--dns-server must be an IP address/],
    [{ workers: 'dns:w:7000', 'dns-server': 'fd00::1:53x' }, /--dns-server must be an IP address/],
    [{ workers: 'dns:w:7000', 'dns-server': '[10.0.0.1]:53' }, /--dns-server must be an IP address/],
    [{ workers: '2', 'dns-server': '10.0.0.1' }, /--dns-server goes with --workers dns:NAME:PORT/],
    [{ 'dns-refresh-ms': '1000' }, /--dns-refresh-ms goes with --workers dns:NAME:PORT/],
  ])('%j is a usage error', (flags, message) => {
    expect(() => workersFlags(flags)).toThrow(UsageError);
    expect(() => workersFlags(flags)).toThrow(message);
  });
});

describe('serverFlags with DNS workers', () => {
  it('starts no local worker and passes the DNS settings on', () => {
    const opts = serverFlags({ workers: 'dns:w:7000', 'dns-refresh-ms': '250' }, 'postgres://x');
    expect(opts).toMatchObject({ workers: 0, dnsWorkers: { name: 'w', port: 7000, refreshMs: 250 } });
  });
});
