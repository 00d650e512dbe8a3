import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import pg from 'pg';
import { migrate } from '../src/infra/migrate.ts';
import { dumpSchema, SCHEMA_FILE } from './schema-snapshot.ts';

// npm run schema:dump [-- --check]: migrates a new, empty database (on the server of
// DATABASE_URL, or the local one), writes its schema to server/schema.sql, and drops it.
// With --check it writes nothing and fails when server/schema.sql says something else.
const check = process.argv.includes('--check');
const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const name = `confer_schema_${randomBytes(5).toString('hex')}`;
const adminUrl = Object.assign(new URL(server), { pathname: '/postgres' }).toString();
const url = Object.assign(new URL(server), { pathname: `/${name}` }).toString();

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(sql).finally(() => c.end());
}

await admin(`CREATE DATABASE ${name}`);
let schema: string;
try {
  await migrate(url);
  schema = await dumpSchema(url);
} finally {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
if (check) {
  const current = await readFile(SCHEMA_FILE, 'utf8').catch(() => '');
  if (current !== schema) {
    console.error('server/schema.sql is not the schema the migrations make: run `npm run schema:dump`.');
    process.exit(1);
  }
  console.log('server/schema.sql is up to date.');
} else {
  await writeFile(SCHEMA_FILE, schema);
  console.log(`Wrote server/schema.sql (${schema.split('\n').length} lines).`);
}
