// The data sets the CLI loads (demo, TPC-H) and loading one with a progress display.
import type pg from 'pg';
import { loadDemo } from '../data/demo.ts';
import { loadTpch } from '../data/tpch/load.ts';
import { progress } from './progress.ts';

export interface TableCount {
  name: string;
  rows: number;
}

export type Dataset = { kind: 'demo' } | { kind: 'tpch'; scaleFactor: number };

export const datasetName = (d: Dataset): string => (d.kind === 'demo' ? 'demo' : `tpch-sf${d.scaleFactor}`);

/**
 * Loads one data set with a progress display (the loaders drop and recreate their tables).
 *
 * @example
 *   const tables = await loadDataset(client, { kind: 'tpch', scaleFactor: 0.01 });
 */
export async function loadDataset(client: pg.ClientBase, dataset: Dataset, seed = 42): Promise<TableCount[]> {
  const bar = progress(datasetName(dataset));
  const onProgress = (done: number, total: number) => bar.update(done, total);
  try {
    const { tables } =
      dataset.kind === 'demo'
        ? await loadDemo(client, { seed, onProgress })
        : await loadTpch(client, { scaleFactor: dataset.scaleFactor, seed, onProgress });
    return tables;
  } finally {
    bar.stop();
  }
}
