// A DNS server on loopback UDP for tests: answers A and AAAA queries from records the test changes, or fails on demand.
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

/** How the server answers: from its records, SERVFAIL to everything, or not at all (a timeout). */
export type DnsMode = 'answer' | 'servfail' | 'silent';

export interface TestDnsServer {
  /** `127.0.0.1:PORT`, for `--dns-server` / `Resolver.setServers`. */
  address: string;
  /** Addresses by lower-case name; a name not here is NXDOMAIN, one with no address of a type answers none. */
  records: Map<string, string[]>;
  mode: DnsMode;
  /** Queries received, by name, e.g. `A mb-workers.test`. */
  queries: string[];
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;

/**
 * Starts the server on 127.0.0.1 and a free port. Answers carry TTL 0 (clients must not cache).
 *
 * @example
 *   const dns = await startTestDnsServer();
 *   dns.records.set('mb-workers.test', ['127.0.0.2', '127.0.0.3']);
 *   const resolver = new Resolver(); resolver.setServers([dns.address]);
 *   await dns.close();
 */
export async function startTestDnsServer(): Promise<TestDnsServer> {
  const socket = dgram.createSocket('udp4');
  const server: TestDnsServer = {
    address: '',
    records: new Map(),
    mode: 'answer',
    queries: [],
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (query, peer) => {
    const reply = answer(server, query);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  server.address = `127.0.0.1:${(socket.address() as AddressInfo).port}`;
  return server;
}

/** The reply to one query message (RFC 1035 section 4), or null to stay silent. */
function answer(server: TestDnsServer, query: Buffer): Buffer | null {
  if (query.length < 12 || server.mode === 'silent') return null;
  // Question: QNAME as length-prefixed labels ending in 0, then QTYPE and QCLASS.
  const labels: string[] = [];
  let at = 12;
  while (at < query.length && query[at] !== 0) {
    const len = query[at] as number;
    labels.push(query.toString('latin1', at + 1, at + 1 + len));
    at += 1 + len;
  }
  const questionEnd = at + 5;
  if (questionEnd > query.length) return null;
  const qtype = query.readUInt16BE(at + 1);
  const name = labels.join('.').toLowerCase();
  server.queries.push(`${qtype === TYPE_A ? 'A' : qtype === TYPE_AAAA ? 'AAAA' : qtype} ${name}`);
  const known = server.records.get(name);
  const rcode = server.mode === 'servfail' ? RCODE_SERVFAIL : known === undefined ? RCODE_NXDOMAIN : 0;
  const rdatas = rcode !== 0 ? [] : (known ?? []).map((a) => rdata(a, qtype)).filter((r) => r !== null);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0); // ID
  // QR=1, opcode and RD copied, AA=1, RA=1, RCODE.
  header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x7900) | 0x0400 | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4); // QDCOUNT
  header.writeUInt16BE(rdatas.length, 6); // ANCOUNT
  const records = rdatas.map((data) => {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // NAME: pointer to the question's name
    rr.writeUInt16BE(qtype, 2);
    rr.writeUInt16BE(1, 4); // CLASS IN
    rr.writeUInt32BE(0, 6); // TTL
    rr.writeUInt16BE(data.length, 10);
    return Buffer.concat([rr, data]);
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...records]);
}

function rdata(address: string, qtype: number): Buffer | null {
  if (qtype === TYPE_A && /^\d+\.\d+\.\d+\.\d+$/.test(address))
    return Buffer.from(address.split('.').map(Number));
  if (qtype === TYPE_AAAA && address.includes(':')) return ipv6Bytes(address);
  return null;
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail] = address.split('::');
  const part = (s: string | undefined) => (s ? s.split(':') : []);
  const groups = [...part(head)];
  const rest = part(tail);
  if (tail !== undefined) groups.push(...new Array<string>(8 - groups.length - rest.length).fill('0'));
  groups.push(...rest);
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}
