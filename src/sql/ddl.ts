// Whether a statement may change what the catalog caches (tables, columns, keys, types, functions): a cheap
// text test, so it can run on every relayed statement.

const DDL =
  /^[\s(]*(create|alter|drop|truncate|comment|cluster|reindex|refresh|import|do|call)\b|;\s*(create|alter|drop|truncate|do|call)\b/i;

/**
 * @example
 *   mayChangeCatalog('ALTER TABLE t ALTER k DROP NOT NULL') // true
 *   mayChangeCatalog('SELECT 1') // false
 */
export const mayChangeCatalog = (sql: string): boolean => DDL.test(sql);
