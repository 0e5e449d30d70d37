// The machine a benchmark ran on: cores, memory, CPU, PostgreSQL and Node versions.
import os from 'node:os';
import pg from 'pg';

export interface MachineInfo {
  cores: number;
  cpu: string;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
}

/** Describes this machine and the PostgreSQL at `databaseUrl`. */
export async function machineInfo(databaseUrl: string): Promise<MachineInfo> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    const row = (
      await client.query<{ v: string; b: string }>(
        `SELECT current_setting('server_version') AS v, current_setting('shared_buffers') AS b`,
      )
    ).rows[0];
    return {
      cores: os.availableParallelism(),
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      postgres: `PostgreSQL ${row?.v ?? 'unknown'} (shared_buffers ${row?.b ?? 'unknown'})`,
    };
  } finally {
    await client.end().catch(() => {});
  }
}
