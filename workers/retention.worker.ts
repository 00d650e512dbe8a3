import { Worker } from 'bullmq';
import { QUEUES } from '../protocol/jobs.ts';
import { RetentionService } from '../server/src/features/retention/retention.service.ts';
import { scheduleRetention } from '../server/src/features/retention/retention-queue.ts';
import { retentionRedis } from '../server/src/features/retention/retention-redis.ts';
import { createEmailQueue, createRetentionQueue } from '../server/src/wiring/queues.ts';
import type { WorkerContext } from './worker-context.ts';

/**
 * The repeating retention sweep (every RETENTION_SWEEP_MINUTES): archives events
 * that ended more than ARCHIVE_AFTER_DAYS ago, then purges personal data by each
 * school's retention period (retention.service.ts; the rules in words are
 * retention-rules.ts, printed on the privacy page and in docs/workers.md).
 */
export async function createRetentionWorker(
  ctx: WorkerContext,
): Promise<{ worker: Worker; close(): Promise<void> }> {
  const queue = createRetentionQueue(ctx.bullConnection, ctx.config.REDIS_PREFIX);
  await scheduleRetention(queue, ctx.config.RETENTION_SWEEP_MINUTES);
  const emailQueue = createEmailQueue(ctx.bullConnection, ctx.config.REDIS_PREFIX);
  emailQueue.on('error', () => {});
  const retention = new RetentionService(
    ctx.db,
    retentionRedis(ctx.redis, ctx.config.REDIS_PREFIX, emailQueue),
  );
  const worker = new Worker(
    QUEUES.retention,
    async () => {
      const { archived, purgedEvents, purged } = await retention.sweep(ctx.config.ARCHIVE_AFTER_DAYS);
      if (archived.length || purgedEvents.length || Object.keys(purged).length)
        ctx.logger.info({ archived, purgedEvents, purged }, 'retention');
      return { archived: archived.length, purged: purgedEvents.length, rows: purged };
    },
    ctx.workerOptions(1),
  );
  return {
    worker,
    async close() {
      await worker.close();
      await queue.close();
      await emailQueue.close();
    },
  };
}
