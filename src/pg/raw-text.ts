// node-postgres type parsing that keeps every value as PostgreSQL's own text output (the merge and the
// differential tests compare text, never JavaScript numbers).
import type pg from 'pg';

/**
 * @example
 *   new pg.Client({ connectionString, types: RAW_TEXT }); // numeric '1.50' stays '1.50'
 */
export const RAW_TEXT = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;
