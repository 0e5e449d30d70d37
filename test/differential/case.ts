// One differential case: a statement that must give the same answer directly on PostgreSQL and through Mini-Balancer.

export interface DiffCase {
  /** Unique, readable: it names the test. */
  name: string;
  sql: string;
  /** Values for `$1..$n` in text format; null is SQL NULL. */
  params?: (string | null)[];
  /** True when ORDER BY fully determines the row order: rows are compared in order, else as multisets. */
  ordered?: boolean;
  /** True when a careful splitter can prove the statement safe to split: the suite asserts it did. */
  expectSplit?: boolean;
  /** Cases are never skipped: fix the case or the product instead. */
  skip?: never;
}
