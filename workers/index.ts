import { pino } from 'pino';
import { loadConfigOrExit } from '../server/src/config.ts';
import { createDb, dbSettings } from '../server/src/infra/db.ts';
import { createMailer } from '../server/src/infra/mailer.ts';
import { ensureDatabase, migrate } from '../server/src/infra/migrate.ts';
import { startWorkers } from './start-workers.ts';

// `npm run workers`: the BullMQ worker process. Wiring only, like server/src/index.ts.
async function main() {
  const config = loadConfigOrExit();
  const logger = pino({ level: config.LOG_LEVEL }).child({ process: 'workers' });
  if (config.MIGRATE_ON_START) {
    // The workers may come up before the server: the schema they need must exist.
    await ensureDatabase(config.DATABASE_URL);
    await migrate(config.DATABASE_URL);
  }
  const db = createDb(config.DATABASE_URL, config.DATABASE_POOL_SIZE, dbSettings(config));
  const mailer = createMailer(config.SMTP_URL, config.MAIL_FROM);
  const running = await startWorkers({ config, db, logger, mailer });
  logger.info({ queues: running.workers.map((w) => w.name) }, 'workers running');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'workers shutting down (finishing running jobs)');
    await running.close();
    mailer.close();
    await db.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  console.error('Confer workers failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
