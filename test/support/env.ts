/** Where the tests find PostgreSQL and Redis (the machine's own, as CI starts them). */
export const PG_ADMIN_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The run's template database, named by global-setup (several runs may share a machine). */
export function templateDb(): string {
  const name = process.env.CONFER_TEST_TEMPLATE_DB;
  if (!name)
    throw new Error('CONFER_TEST_TEMPLATE_DB is not set: run the tests through vitest (global-setup)');
  return name;
}

/** Test database names carry their creation time, so a later run can tell leftovers from live ones. */
export function testDbName(kind: 't' | 'tpl', suffix: string): string {
  return `confer_${kind}_${Math.floor(Date.now() / 1000)}_${suffix}`;
}

export function databaseUrl(name: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}
