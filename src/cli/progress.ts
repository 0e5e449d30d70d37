// Loading progress: a cli-progress bar on a terminal, otherwise a log line every few seconds.
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const LOG_EVERY_MS = 2000;

/**
 * @example
 *   const p = progress('tpch sf 0.01');
 *   await loadTpch(client, { scaleFactor: 0.01, onProgress: (d, t) => p.update(d, t) });
 *   p.stop();
 */
export function progress(label: string, out: NodeJS.WriteStream = process.stdout): Progress {
  if (out.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label.padEnd(14)} [{bar}] {percentage}% | {value}/{total} rows | {duration_formatted}`,
        hideCursor: true,
        stream: out,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total) {
        if (!started) {
          bar.start(total, done);
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(done);
        }
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let last = 0;
  let latest: [number, number] = [0, 0];
  const print = ([done, total]: [number, number]): void => {
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    out.write(`${label}: ${pct}% (${done}/${total} rows)\n`);
  };
  return {
    update(done, total) {
      latest = [done, total];
      const now = Date.now();
      if (now - last >= LOG_EVERY_MS) {
        last = now;
        print(latest);
      }
    },
    stop() {
      print(latest);
    },
  };
}
