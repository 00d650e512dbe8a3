import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ensureDatabase, migrate } from '../server/src/infra/migrate.ts';
import { databaseUrl, PG_ADMIN_URL } from '../test/support/env.ts';
import { startTestApp, type TestApp } from '../test/support/test-app.ts';

/**
 * The real server on a free port, against a database of its own (migrated from
 * scratch, dropped on close) and serving the built client: for the screenshot
 * script and the browser benchmark, which run outside Vitest and its template.
 */
export async function startScratchApp(clientDir: string, env: Record<string, string> = {}): Promise<TestApp> {
  const name = `confer_script_${randomBytes(5).toString('hex')}`;
  const url = databaseUrl(name);
  await ensureDatabase(url);
  await migrate(url);
  const database = {
    name,
    url,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => c.end());
    },
  };
  const app = await startTestApp(env, { database, clientDir });
  return {
    ...app,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
