import { pino } from 'pino';
import { loadConfigOrExit } from './config.ts';
import { CONFIRMATION_GRACE_MS } from './features/booking/confirmation-grace.ts';
import { idleTimeoutScheduler } from './features/sessions/idle-timeout-queue.ts';
import { createDb, dbSettings } from './infra/db.ts';
import { ensureDatabase, migrate } from './infra/migrate.ts';
import { createRedis } from './infra/redis.ts';
import { createApp } from './wiring/app.ts';
import { createHoldExpiryQueue, createSessionIdleQueue, holdExpiryScheduler } from './wiring/queues.ts';

// Wiring only: parse the environment once, build dependencies, listen.
async function main() {
  const config = loadConfigOrExit();
  const logger = pino({ level: config.LOG_LEVEL });
  if (config.MIGRATE_ON_START) {
    await ensureDatabase(config.DATABASE_URL);
    const applied = await migrate(config.DATABASE_URL);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  const db = createDb(config.DATABASE_URL, config.DATABASE_POOL_SIZE, dbSettings(config));
  const redis = createRedis(config.REDIS_URL, {
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    circuitOpenMs: config.CIRCUIT_OPEN_MS,
  });
  const queue = createHoldExpiryQueue(redis, config.REDIS_PREFIX);
  const idleQueue = createSessionIdleQueue(redis, config.REDIS_PREFIX);
  const logError = (err: unknown, context: string) => logger.error({ err, context }, 'unexpected error');
  const confer = createApp({
    config,
    db,
    redis,
    logger,
    // Booking mail is not wired here: it is written to the outbox in the booking's own
    // transaction (migration 012) and relayed by the workers.
    holdExpiry: holdExpiryScheduler(queue, CONFIRMATION_GRACE_MS),
    onSessionTouched: idleTimeoutScheduler(idleQueue, config.SESSION_IDLE_MINUTES * 60_000, logError),
  });
  // At 19:00 hundreds of phones connect within a second or two while the event loop
  // is busy; with the default backlog (511) the kernel dropped the overflow and those
  // phones waited out TCP retransmissions (2–23 s in the benchmark). The kernel caps
  // this at net.core.somaxconn.
  confer.http.listen({ port: config.PORT, host: config.HOST, backlog: config.HTTP_BACKLOG }, () => {
    const addr = confer.http.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
    logger.info({ port }, `Confer listening on http://localhost:${port}`);
  });

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    confer.http.close();
    await confer.close();
    await Promise.all([queue.close(), idleQueue.close()]);
    await db.end();
    redis.disconnect();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  console.error('Confer failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
