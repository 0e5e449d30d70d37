// Encodes text values as a PostgreSQL array literal (text format), for binding partial rows as parameters.

/**
 * @example
 *   encodeTextArray(['a', null, 'say "hi"']) // '{"a",NULL,"say \\"hi\\""}'
 */
export function encodeTextArray(values: readonly (string | null)[]): string {
  const parts = values.map((v) =>
    v === null ? 'NULL' : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`,
  );
  return `{${parts.join(',')}}`;
}

/** Splits a qualified, possibly quoted name as PostgreSQL prints it (`pg_catalog."C"`) into its parts. */
export function splitQualifiedName(name: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < name.length) {
    if (name[i] === '"') {
      let s = '';
      i++;
      while (i < name.length) {
        if (name[i] === '"' && name[i + 1] === '"') {
          s += '"';
          i += 2;
        } else if (name[i] === '"') {
          i++;
          break;
        } else s += name[i++];
      }
      parts.push(s);
    } else {
      let j = i;
      while (j < name.length && name[j] !== '.') j++;
      parts.push(name.slice(i, j));
      i = j;
    }
    if (name[i] === '.') i++;
  }
  return parts;
}
