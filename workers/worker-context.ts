import type { WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../server/src/config.ts';
import { factChannel } from '../server/src/features/live/fact-channel.ts';
import { Publisher } from '../server/src/features/live/publisher.ts';
import type { Db } from '../server/src/infra/db.ts';
import { createSocketEmitter } from '../server/src/infra/emitter.ts';
import type { Mailer } from '../server/src/infra/mailer.ts';
import { createRedis } from '../server/src/infra/redis.ts';
import { bullPrefix } from '../server/src/wiring/queues.ts';

/** What every worker of the process shares. */
export interface WorkerContext {
  config: Config;
  db: Db;
  logger: Logger;
  /** Plain Redis commands (session cache keys). */
  redis: Redis;
  /** BullMQ's connection: blocking commands need `maxRetriesPerRequest: null`. */
  bullConnection: Redis;
  /** Emits to browsers through Redis, like the servers' own publisher. */
  publisher: Publisher;
  mailer: Mailer;
  /** Options every worker starts from: prefix, lock and stall detection. */
  workerOptions(concurrency: number): WorkerOptions;
}

export function createWorkerContext(opts: {
  config: Config;
  db: Db;
  logger: Logger;
  mailer: Mailer;
}): WorkerContext & { close(): Promise<void> } {
  const { config } = opts;
  const redis = createRedis(config.REDIS_URL);
  const bullConnection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  bullConnection.on('error', (err) => opts.logger.warn({ err: err.message }, 'redis (bullmq) error'));
  const emitterRedis = createRedis(config.REDIS_URL);
  const channel = factChannel(config.REDIS_PREFIX);
  const publisher = new Publisher(createSocketEmitter(emitterRedis, config.REDIS_PREFIX), (envelopes) => {
    emitterRedis
      .publish(channel, JSON.stringify(envelopes))
      .catch((err) => opts.logger.warn({ err: err.message }, 'publish facts failed'));
  });
  return {
    ...opts,
    redis,
    bullConnection,
    publisher,
    workerOptions: (concurrency) => ({
      connection: bullConnection,
      prefix: bullPrefix(config.REDIS_PREFIX),
      concurrency,
      // A worker that dies mid-job stops renewing its lock; after this long another
      // worker takes the job over (stalled-job check), so no job is lost with it.
      lockDuration: config.WORKER_LOCK_MS,
      stalledInterval: config.WORKER_LOCK_MS,
      maxStalledCount: 2,
    }),
    async close() {
      await Promise.all(
        [redis.quit(), bullConnection.quit(), emitterRedis.quit()].map((p) => p.catch(() => {})),
      );
    },
  };
}
