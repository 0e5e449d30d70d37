import { describe, expect, it } from 'vitest';
import { pgbouncerIni } from './pgbouncer.ts';

const server = { host: '127.0.0.1', port: 5433, user: 'postgres', password: "it's", database: 'mb_pgbench' };

describe('pgbouncerIni', () => {
  const ini = pgbouncerIni({ server, listenPort: 6433, maxClients: 12 });
  const setting = (name: string) => new RegExp(`^${name} = (.*)$`, 'm').exec(ini)?.[1];

  it('routes the database to the server, logging in with its user and password (quotes escaped)', () => {
    expect(ini).toContain(
      "\nmb_pgbench = host='127.0.0.1' port=5433 dbname='mb_pgbench' user='postgres' password='it\\'s'\n",
    );
  });

  it.each([
    ['listen_addr', '127.0.0.1'],
    ['listen_port', '6433'],
    ['pool_mode', 'session'],
    ['auth_type', 'any'],
    ['max_client_conn', '12'],
    ['default_pool_size', '12'],
  ])('%s = %s', (name, value) => {
    expect(setting(name)).toBe(value);
  });

  it('has the two sections, databases first', () => {
    expect(ini.indexOf('[databases]')).toBe(0);
    expect(ini.indexOf('[pgbouncer]')).toBeGreaterThan(0);
  });
});
