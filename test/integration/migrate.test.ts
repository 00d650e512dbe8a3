import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ensureDatabase, migrate } from '../../server/src/infra/migrate.ts';
import { databaseUrl, PG_ADMIN_URL, testDbName } from '../support/env.ts';

describe('migrations', () => {
  it('create the database when it is missing, apply every file once, and are safe to run concurrently', async () => {
    const name = testDbName('t', `mig${randomBytes(4).toString('hex')}`);
    const url = databaseUrl(name);
    try {
      await Promise.all([ensureDatabase(url), ensureDatabase(url)]);
      const [a, b] = await Promise.all([migrate(url), migrate(url)]);
      // Two instances starting together: one applies everything, the other nothing.
      expect([a.length, b.length].sort()).toEqual([0, a.length + b.length]);
      expect(a.concat(b)[0]).toBe('001_core.sql');
      expect(await migrate(url)).toEqual([]);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const { rows } = await c.query('SELECT count(*)::int AS n FROM schema_migrations');
      await c.end();
      expect(rows[0].n).toBe(a.length + b.length);
    } finally {
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
