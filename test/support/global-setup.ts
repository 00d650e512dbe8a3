import pg from 'pg';
import { migrate } from '../../server/src/infra/migrate.ts';
import { databaseUrl, PG_ADMIN_URL, TEMPLATE_DB } from './env.ts';

/**
 * Once per run: a template database migrated from scratch, which every test file
 * clones (CREATE DATABASE … TEMPLATE is much faster than migrating each time).
 * Databases left behind by an earlier, interrupted run are dropped.
 */
export default async function setup() {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'confer\\_t\\_%' OR datname = $1`,
      [TEMPLATE_DB],
    );
    for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  await migrate(databaseUrl(TEMPLATE_DB));
}
