// `mini-balancer load`: loads the demo data or TPC-H into an existing database, with a progress bar.
import pg from 'pg';
import { type Command, parseFlags, required, str, UsageError } from './command.ts';
import { type Dataset, loadDataset } from './datasets.ts';

export const loadCommand: Command = {
  name: 'load',
  help: `
Usage: mini-balancer load --database-url URL --dataset demo|tpch [--sf 0.01] [--seed 42]

Drops and recreates the data set's tables, fills them with generated data (the same seed gives the
same data) and analyzes them.

Options:
  --database-url URL   database to load into                    (env MB_DATABASE_URL)
  --dataset NAME       demo or tpch
  --sf N               TPC-H scale factor, default 0.01 (1 is ~6M lineitem rows)
  --seed N             random seed, default 42
  -h, --help           show this help
`,
  async run(args) {
    const flags = parseFlags(loadCommand, args, {
      'database-url': { type: 'string' },
      dataset: { type: 'string' },
      sf: { type: 'string' },
      seed: { type: 'string' },
    });
    if (!flags) return;
    const databaseUrl = required(flags['database-url'], 'database-url', 'MB_DATABASE_URL');
    const dataset = parseDataset(str(flags.dataset), str(flags.sf));
    const seed = Number(str(flags.seed) ?? '42');
    if (!Number.isSafeInteger(seed))
      throw new UsageError(`--seed must be an integer, not "${str(flags.seed)}"`);
    const client = new pg.Client({ connectionString: databaseUrl });
    client.on('error', () => {}); // a lost connection also fails the pending query, which reports it
    await client.connect();
    try {
      const started = performance.now();
      const tables = await loadDataset(client, dataset, seed);
      await client.query('ANALYZE');
      const secs = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(`loaded in ${secs} s:\n`);
      for (const t of tables) process.stdout.write(`  ${t.name.padEnd(12)} ${String(t.rows).padStart(10)}\n`);
    } finally {
      await client.end();
    }
  },
};

function parseDataset(name: string | undefined, sf: string | undefined): Dataset {
  if (name === 'demo') {
    if (sf !== undefined) throw new UsageError('--sf applies to --dataset tpch only');
    return { kind: 'demo' };
  }
  if (name === 'tpch') {
    const scaleFactor = Number(sf ?? '0.01');
    if (!Number.isFinite(scaleFactor) || scaleFactor <= 0 || scaleFactor > 1000) {
      throw new UsageError(`--sf must be a positive number, not "${sf}"`);
    }
    return { kind: 'tpch', scaleFactor };
  }
  throw new UsageError('--dataset must be demo or tpch');
}
