// Reading pg_regress: the schedule's tests, each test's outcome from its output, each test's hunk of regression.diffs.

export type Outcome = 'ok' | 'failed' | 'ignored' | 'missing';

/**
 * The tests of a schedule file in order (`test: a b c` lines; `ignore:` lines name tests that are also
 * listed on `test:` lines).
 *
 * @example
 *   scheduleTests('# x\ntest: a b\ntest: c\n'); // ['a', 'b', 'c']
 */
export function scheduleTests(schedule: string): string[] {
  const tests: string[] = [];
  for (const line of schedule.split('\n')) {
    const m = /^test:\s*(.*)$/.exec(line.trim());
    if (m?.[1]) tests.push(...m[1].split(/\s+/).filter(Boolean));
  }
  return tests;
}

/**
 * Each test's outcome from pg_regress's output (PostgreSQL 15 prints `test name ... ok 12 ms` for a test
 * run alone and `     name ... FAILED 80 ms` inside a parallel group). Tests of `expected` that the
 * output does not mention (the run was stopped or crashed) are `missing`.
 *
 * @example
 *   parseOutcomes('test a ... ok 5 ms\n     b ... FAILED 7 ms\n', ['a', 'b', 'c']);
 *   // Map { 'a' => 'ok', 'b' => 'failed', 'c' => 'missing' }
 */
export function parseOutcomes(output: string, expected: readonly string[]): Map<string, Outcome> {
  const found = new Map<string, Outcome>();
  for (const line of output.split('\n')) {
    const m = /^(?:test\s+|\s+)(\S+)\s+\.\.\.\s+(ok|FAILED|failed \(ignored\))/.exec(line);
    if (!m?.[1]) continue;
    found.set(m[1], m[2] === 'ok' ? 'ok' : m[2] === 'FAILED' ? 'failed' : 'ignored');
  }
  const outcomes = new Map<string, Outcome>();
  for (const test of expected) outcomes.set(test, found.get(test) ?? 'missing');
  for (const [test, outcome] of found) if (!outcomes.has(test)) outcomes.set(test, outcome);
  return outcomes;
}

/**
 * regression.diffs cut into one hunk per test, keyed by the test's name (the results file's base name:
 * `diff -U3 .../expected/foo_1.out .../results/foo.out` is test `foo`).
 */
export function splitDiffs(diffs: string): Map<string, string> {
  const byTest = new Map<string, string>();
  for (const part of diffs.split(/^(?=diff )/m)) {
    const header = part.slice(0, part.indexOf('\n'));
    const m = /\/results\/([^/\s]+)\.out\s*$/.exec(header);
    if (m?.[1]) byTest.set(m[1], (byTest.get(m[1]) ?? '') + part);
  }
  return byTest;
}

export interface Tally {
  passed: number;
  failed: number;
  total: number;
}

/** Passed, failed (including missing) and total of a run. */
export function tally(outcomes: ReadonlyMap<string, Outcome>): Tally {
  let passed = 0;
  for (const o of outcomes.values()) if (o === 'ok') passed++;
  return { passed, failed: outcomes.size - passed, total: outcomes.size };
}
