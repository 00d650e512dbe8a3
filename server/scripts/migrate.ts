import { ConfigError, loadConfig } from '../src/config.ts';
import { ensureDatabase, migrateDatabase } from '../src/infra/migrate.ts';

try {
  const config = loadConfig();
  await ensureDatabase(config.DATABASE_URL);
  const { migrations, definitions } = await migrateDatabase(config.DATABASE_URL);
  console.log(
    migrations.length
      ? `Applied: ${migrations.join(', ')}`
      : 'No migration to apply; the tables are up to date.',
  );
  console.log(
    definitions.length
      ? `Functions, triggers and views (server/sql): applied ${definitions.length} files.`
      : 'Functions, triggers and views (server/sql): unchanged.',
  );
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `Migration failed: ${(err as Error).message}`);
  process.exit(1);
}
