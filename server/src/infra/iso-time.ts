/** ISO 8601 in UTC with milliseconds, from a driver Date or from JSON text built by PostgreSQL. */
export function isoTime(t: Date | string): string {
  return (typeof t === 'string' ? new Date(t) : t).toISOString();
}
