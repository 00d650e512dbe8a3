import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ensureDatabase,
  MigrationChangedError,
  migrate,
  migrateDatabase,
  sqlChecksum,
} from '../../server/src/infra/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { databaseUrl, PG_ADMIN_URL, testDbName } from '../support/env.ts';

const clients: pg.Client[] = [];
const databases: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end()));
  await Promise.all(databases.splice(0).map((d) => d.drop()));
});

/** A migrated database of the test's own (a copy of the run's template) and a client on it. */
async function migratedDatabase(): Promise<{ url: string; db: pg.Client }> {
  const database = await createTestDatabase();
  databases.push(database);
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  clients.push(db);
  return { url: database.url, db };
}

/** Every function, view, trigger and constraint as PostgreSQL prints it back, in one text. */
async function definitions(db: pg.Client): Promise<string> {
  const { rows } = await db.query<{ def: string }>(`
    SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p
     WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    SELECT c.relname || ': ' || pg_get_viewdef(c.oid) FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v'
    UNION ALL
    SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE NOT t.tgisinternal
    UNION ALL
    SELECT conrelid::regclass || '.' || conname || ': ' || pg_get_constraintdef(oid) FROM pg_constraint
     WHERE connamespace = 'public'::regnamespace
    ORDER BY 1`);
  return rows.map((r) => r.def).join('\n');
}

describe('migrations', () => {
  it('create the database when it is missing, apply every file once, and are safe to run concurrently', async () => {
    const name = testDbName('t', `mig${randomBytes(4).toString('hex')}`);
    const url = databaseUrl(name);
    try {
      await Promise.all([ensureDatabase(url), ensureDatabase(url)]);
      const [a, b] = await Promise.all([migrateDatabase(url), migrateDatabase(url)]);
      // Two instances starting together: one applies everything, the other nothing.
      expect([a.migrations.length, b.migrations.length].sort()).toEqual([
        0,
        a.migrations.length + b.migrations.length,
      ]);
      expect(a.migrations.concat(b.migrations)[0]).toBe('001_core.sql');
      expect([a.definitions.length, b.definitions.length].sort((x, y) => x - y)[0]).toBe(0);
      expect(await migrate(url)).toEqual([]);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const { rows } = await c.query(
        'SELECT count(*)::int AS n, count(sha256)::int AS summed FROM schema_migrations',
      );
      await c.end();
      expect(rows[0]).toEqual({ n: a.migrations.length + b.migrations.length, summed: rows[0].n });
    } finally {
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it("record each migration's SHA-256, and give databases migrated before checksums theirs", async () => {
    const { url, db } = await migratedDatabase();
    const core = await readFile(new URL('../../server/migrations/001_core.sql', import.meta.url), 'utf8');
    const recorded = async () =>
      (await db.query("SELECT sha256 FROM schema_migrations WHERE name = '001_core.sql'")).rows[0].sha256;
    expect(await recorded()).toBe(sqlChecksum(core));

    await db.query('UPDATE schema_migrations SET sha256 = NULL');
    expect(await migrate(url)).toEqual([]);
    expect(await recorded()).toBe(sqlChecksum(core));
    const { rows } = await db.query(
      'SELECT count(*)::int AS missing FROM schema_migrations WHERE sha256 IS NULL',
    );
    expect(rows[0].missing).toBe(0);
  });

  it('refuse, before changing anything, when an applied migration has changed since', async () => {
    const { url, db } = await migratedDatabase();
    // As if 003_admin.sql had been edited after it was applied here.
    await db.query("UPDATE schema_migrations SET sha256 = repeat('0', 64) WHERE name = '003_admin.sql'");
    await db.query("DELETE FROM schema_definitions WHERE name = 'booking-policy.sql'");

    const refusal = await migrateDatabase(url).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(MigrationChangedError);
    expect((refusal as MigrationChangedError).files).toEqual(['003_admin.sql']);
    expect((refusal as Error).message).toMatch(/003_admin\.sql.*new migration/);
    // Nothing ran: the definitions that were due (one of them looks changed) were not applied.
    const { rows } = await db.query(
      "SELECT count(*)::int AS n FROM schema_definitions WHERE name = 'booking-policy.sql'",
    );
    expect(rows[0].n).toBe(0);
  });

  it('re-apply server/sql when a file changed, to the same definitions, and leave it alone otherwise', async () => {
    const { url, db } = await migratedDatabase();
    const before = await definitions(db);
    // A definition changed by hand is put back when server/sql is applied again…
    await db.query(`CREATE OR REPLACE FUNCTION confer_pause_refusal(p_event uuid) RETURNS jsonb
                    LANGUAGE sql STABLE AS $$ SELECT NULL::jsonb $$`);
    // …which happens only when something is due: nothing is, so it stays as it is.
    expect(await migrateDatabase(url)).toEqual({ migrations: [], definitions: [] });
    expect(await definitions(db)).not.toBe(before);

    // booking-policy.sql as if edited since it was last applied.
    await db.query("UPDATE schema_definitions SET sha256 = 'stale' WHERE name = 'booking-policy.sql'");
    const report = await migrateDatabase(url);
    expect(report.migrations).toEqual([]);
    expect(report.definitions).toContain('booking-policy.sql');
    expect(report.definitions).toContain('booking-hold.sql');
    expect(await definitions(db)).toBe(before);

    // Applied twice over the same definitions: idempotent, nothing differs.
    await db.query("UPDATE schema_definitions SET sha256 = 'stale'");
    expect((await migrateDatabase(url)).definitions.length).toBe(report.definitions.length);
    expect(await definitions(db)).toBe(before);
    expect(await migrateDatabase(url)).toEqual({ migrations: [], definitions: [] });
  });

  it("widen a CHECK's list of values with confer_allow_values, once, and refuse a CHECK that is no list", async () => {
    const { db } = await migratedDatabase();
    const check = async () =>
      (
        await db.query(
          "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'booking_log_action_check'",
        )
      ).rows[0].def as string;
    const before = await check();
    await db.query(
      "SELECT confer_allow_values('booking_log', 'booking_log_action_check', ARRAY['held', 'resized'])",
    );
    expect(await check()).toBe(before);
    await db.query(
      "SELECT confer_allow_values('booking_log', 'booking_log_action_check', ARRAY['noted', 'noted'])",
    );
    await db.query("SELECT confer_allow_values('booking_log', 'booking_log_action_check', ARRAY['noted'])");
    const after = await check();
    expect(after.match(/'noted'/g)).toHaveLength(1);
    expect(after.replace("'noted'::text, ", '')).toBe(before);
    await expect(
      db.query("SELECT confer_allow_values('events', 'events_check', ARRAY['x'])"),
    ).rejects.toThrow(/not one list of allowed values/);
    await expect(
      db.query("SELECT confer_allow_values('events', 'no_such_check', ARRAY['x'])"),
    ).rejects.toThrow(/not found/);
  });
});
