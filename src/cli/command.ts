// What a subcommand is, flag parsing with env fallbacks, usage errors, and waiting for Ctrl-C/SIGTERM.
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A subcommand of `mini-balancer`. `run` resolves when the command is finished (servers: after shutdown). */
export interface Command {
  name: string;
  /** Full help text, printed by `mini-balancer <name> --help`. */
  help: string;
  run(args: string[]): Promise<void>;
}

/** A mistake on the command line: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses flags strictly (unknown flags and positionals are usage errors). Returns null after printing the
 * help when `--help`/`-h` is given.
 *
 * @example
 *   const flags = parseFlags(cmd, args, { port: { type: 'string' } });
 */
export function parseFlags(cmd: Command, args: string[], options: Options): Flags | null {
  let parsed: { values: Record<string, unknown> };
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (parsed.values.help) {
    process.stdout.write(`${cmd.help.trim()}\n`);
    return null;
  }
  const flags: Flags = {};
  for (const [k, v] of Object.entries(parsed.values)) {
    if (typeof v === 'string' || typeof v === 'boolean') flags[k] = v;
    else if (Array.isArray(v)) flags[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return flags;
}

/** Parsed flags by long name (`--data-dir` → `flags['data-dir']`); repeatable flags (`multiple`) as arrays. */
export type Flags = Record<string, string | boolean | string[] | undefined>;

/** A string flag's value (a boolean flag given by mistake counts as absent; a repeated one is its last value). */
export const str = (v: string | boolean | string[] | undefined): string | undefined =>
  typeof v === 'string' ? v : Array.isArray(v) ? v.at(-1) : undefined;

/**
 * A repeatable flag's values, else the comma-separated environment variable's.
 *
 * @example
 *   list(flags['worker-url'], 'MB_WORKER_URLS'); // ['http://a:7000', 'http://b:7000']
 */
export function list(v: string | boolean | string[] | undefined, env: string): string[] {
  if (Array.isArray(v) && v.length > 0) return v;
  if (typeof v === 'string' && v !== '') return [v];
  return (process.env[env] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** A flag's value, else the environment variable's, else the default. */
export function flagOrEnv(value: unknown, env: string, fallback?: string): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  const fromEnv = process.env[env];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return fallback;
}

/** Like flagOrEnv, but a usage error when nothing is given. */
export function required(value: unknown, flag: string, env: string): string {
  const v = flagOrEnv(value, env);
  if (v === undefined) throw new UsageError(`--${flag} is required (or set ${env})`);
  return v;
}

/** An integer flag within bounds. */
export function intValue(
  text: string | undefined,
  flag: string,
  min: number,
  max: number,
  fallback: number,
): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, not "${text}"`);
  }
  return n;
}

/**
 * Resolves on the first SIGINT/SIGTERM; a second one exits at once (for a stuck shutdown).
 *
 * @example
 *   await untilShutdownSignal(); await server.stop();
 */
export function untilShutdownSignal(onSecond: () => void = () => process.exit(130)): Promise<string> {
  return new Promise((resolve) => {
    let seen = false;
    const handler = (signal: string) => {
      if (seen) return onSecond();
      seen = true;
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/**
 * Awaits one shutdown step, but no longer than `ms`: a stuck step is logged and shutdown goes on.
 *
 * @example
 *   await boundedStep('close the coordinator', 5000, logger, () => coordinator.close());
 */
export async function boundedStep(
  name: string,
  ms: number,
  logger: { warn(obj: object, msg: string): void },
  step: () => Promise<unknown>,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    const outcome = await Promise.race([step().then(() => 'done' as const), timeout]);
    if (outcome === 'timeout') logger.warn({ step: name, ms }, 'shutdown step timed out; going on');
  } catch (err) {
    logger.warn({ step: name, err }, 'shutdown step failed; going on');
  } finally {
    clearTimeout(timer);
  }
}
