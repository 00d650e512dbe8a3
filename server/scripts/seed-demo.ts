import { loadConfig } from '../src/config.ts';
import { createDb } from '../src/infra/db.ts';
import { ensureDatabase, migrate } from '../src/infra/migrate.ts';
import { serverKeys } from '../src/infra/server-keys.ts';
import { seedDemo } from './demo-data.ts';

const config = loadConfig();
await ensureDatabase(config.DATABASE_URL);
await migrate(config.DATABASE_URL);
const db = createDb(config.DATABASE_URL, 4);
try {
  await seedDemo(db, serverKeys(config.SERVER_SECRET).accessCode);
} finally {
  await db.end();
}
