import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MIGRATIONS_DIR = path.join(SERVER_DIR, 'migrations');
const DEFINITIONS_DIR = path.join(SERVER_DIR, 'sql');
// Applied before pending migrations too, so that a migration may call its helpers.
const MIGRATION_HELPERS = 'migration-helpers.sql';
// Any constant works; it only has to be the same for every process that migrates.
const MIGRATION_LOCK = 7_201_948_113;

/** Creates the database named in the URL when it does not exist yet (connecting to `postgres`). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } catch (err) {
        // Two processes starting at once may both try; the loser sees 42P04, or 23505
        // when both got past the check before either committed.
        const code = (err as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw err;
      }
    }
  } finally {
    await client.end();
  }
}

interface SqlFile {
  name: string;
  sql: string;
  sha256: string;
}

/** The .sql files of a folder in name order, each with the SHA-256 of its text. */
async function readSqlFiles(dir: string, pattern: RegExp): Promise<SqlFile[]> {
  const names = (await readdir(dir)).filter((f) => pattern.test(f)).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name), 'utf8');
      return { name, sql, sha256: sqlChecksum(sql) };
    }),
  );
}

/**
 * The checksum recorded for a file. Line endings are made LF first, so a checkout
 * that turns them into CRLF (git on Windows) does not count as a changed migration.
 */
export function sqlChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

export interface MigrationReport {
  /** Migrations applied by this run, in order. */
  migrations: string[];
  /** The files of server/sql applied by this run: all of them, or none when nothing changed. */
  definitions: string[];
}

/** Applies what is pending (see migrateDatabase) and returns the migrations it applied. */
export async function migrate(databaseUrl: string): Promise<string[]> {
  return (await migrateDatabase(databaseUrl)).migrations;
}

/**
 * Brings a database up to date, under an advisory lock so that several instances
 * starting at once migrate one after the other:
 *
 * 1. Refuses, before changing anything, when a migration that was applied has changed
 *    since (its SHA-256 is recorded in schema_migrations). Migrations are history: a
 *    change goes in a new one. Rows from before checksums were kept get theirs now.
 * 2. Applies the numbered files of server/migrations that have not run yet (tables and
 *    data), each in its own transaction, with server/sql/migration-helpers.sql first.
 * 3. Applies every file of server/sql (functions, trigger functions, triggers and views,
 *    in their current definitions, idempotent) in one transaction, when a migration was
 *    applied or any of those files differs from what was applied last (schema_definitions).
 *    Otherwise they are left alone: replacing a view or trigger locks its table, which a
 *    server restarting on a busy evening must not do for nothing.
 */
export async function migrateDatabase(databaseUrl: string): Promise<MigrationReport> {
  const migrations = await readSqlFiles(MIGRATIONS_DIR, /^\d{3}_[\w-]+\.sql$/);
  const definitions = await readSqlFiles(DEFINITIONS_DIR, /^[a-z0-9][\w-]*\.sql$/);
  const helpers = definitions.find((f) => f.name === MIGRATION_HELPERS);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const report: MigrationReport = { migrations: [], definitions: [] };
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
      ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS sha256 text;
      CREATE TABLE IF NOT EXISTS schema_definitions (
        name text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());`);

    const recorded = new Map(
      (
        await client.query<{ name: string; sha256: string | null }>(
          'SELECT name, sha256 FROM schema_migrations',
        )
      ).rows.map((r) => [r.name, r.sha256]),
    );
    const changed = migrations.filter(
      (f) => recorded.has(f.name) && (recorded.get(f.name) ?? f.sha256) !== f.sha256,
    );
    if (changed.length) {
      throw new MigrationChangedError(changed.map((f) => f.name));
    }
    for (const f of migrations) {
      if (recorded.has(f.name) && recorded.get(f.name) === null) {
        await client.query('UPDATE schema_migrations SET sha256 = $2 WHERE name = $1 AND sha256 IS NULL', [
          f.name,
          f.sha256,
        ]);
      }
    }

    const pending = migrations.filter((f) => !recorded.has(f.name));
    if (pending.length && helpers) await inTransaction(client, helpers.name, [helpers]);
    for (const f of pending) {
      await inTransaction(client, `migration ${f.name}`, [f], async () => {
        await client.query('INSERT INTO schema_migrations (name, sha256) VALUES ($1, $2)', [
          f.name,
          f.sha256,
        ]);
      });
      report.migrations.push(f.name);
    }

    const applied = new Map(
      (
        await client.query<{ name: string; sha256: string }>('SELECT name, sha256 FROM schema_definitions')
      ).rows.map((r) => [r.name, r.sha256]),
    );
    const upToDate =
      applied.size === definitions.length && definitions.every((f) => applied.get(f.name) === f.sha256);
    if (pending.length || !upToDate) {
      await inTransaction(client, 'server/sql', definitions, async () => {
        await client.query('DELETE FROM schema_definitions');
        await client.query(
          'INSERT INTO schema_definitions (name, sha256) SELECT * FROM unnest($1::text[], $2::text[])',
          [definitions.map((f) => f.name), definitions.map((f) => f.sha256)],
        );
      });
      report.definitions = definitions.map((f) => f.name);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    await client.end();
  }
  return report;
}

/** Runs the files and then `after` in one transaction; a failure names what failed. */
async function inTransaction(
  client: pg.Client,
  what: string,
  files: SqlFile[],
  after?: () => Promise<void>,
): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const f of files) {
      try {
        await client.query(f.sql);
      } catch (err) {
        throw files.length > 1 ? new Error(`${f.name}: ${(err as Error).message}`) : err;
      }
    }
    await after?.();
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw new Error(`${what} failed: ${(err as Error).message}`);
  }
}

/** An applied migration's file is no longer what was applied: the database is not migrated further. */
export class MigrationChangedError extends Error {
  constructor(readonly files: string[]) {
    super(
      `applied migration${files.length > 1 ? 's' : ''} changed since: ${files.join(', ')}. ` +
        'Migrations are history and are never edited once applied: restore the file ' +
        '(git log -p server/migrations) and put the change in a new migration, or, for a ' +
        'function, trigger or view, in server/sql (docs/sql.md).',
    );
    this.name = 'MigrationChangedError';
  }
}
