/**
 * A PostgreSQL array literal (`{"a","b",NULL}`) for a `$n::text[]` or `$n::uuid[]`
 * parameter. node-postgres writes a JS array the same way, but on the thread that
 * sends the query; an import builds its columns on a worker thread instead, so the
 * event loop only hands one string per column to the driver.
 */
export function pgTextArray(values: readonly (string | null)[]): string {
  const parts = values.map((v) =>
    v === null ? 'NULL' : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`,
  );
  return `{${parts.join(',')}}`;
}
