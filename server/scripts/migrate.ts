import { ConfigError, loadConfig } from '../src/config.ts';
import { ensureDatabase, migrate } from '../src/infra/migrate.ts';

try {
  const config = loadConfig();
  await ensureDatabase(config.DATABASE_URL);
  const applied = await migrate(config.DATABASE_URL);
  console.log(
    applied.length ? `Applied: ${applied.join(', ')}` : 'Nothing to apply; the database is up to date.',
  );
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `Migration failed: ${(err as Error).message}`);
  process.exit(1);
}
