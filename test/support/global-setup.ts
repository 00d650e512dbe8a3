import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../server/src/infra/migrate.ts';
import { databaseUrl, PG_ADMIN_URL, testDbName } from './env.ts';

// Leftovers of interrupted runs are dropped once they are this old; younger ones may
// belong to another run going on at the same time on this machine.
const STALE_SECONDS = 3 * 3600;

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/**
 * Once per run: a template database migrated from scratch, which every test file
 * clones (CREATE DATABASE … TEMPLATE is much faster than migrating each time).
 */
export default async function setup() {
  const template = testDbName('tpl', randomBytes(4).toString('hex'));
  await withAdmin(async (admin) => {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname ~ '^confer_(t|tpl)_[0-9]+_'`,
    );
    const now = Date.now() / 1000;
    for (const r of rows) {
      const born = Number(r.datname.split('_')[2]);
      if (now - born > STALE_SECONDS)
        await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE ${template}`);
  });
  await migrate(databaseUrl(template));
  // Test workers are forked after this and inherit the variable.
  process.env.CONFER_TEST_TEMPLATE_DB = template;
  return async () => {
    await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`));
  };
}
