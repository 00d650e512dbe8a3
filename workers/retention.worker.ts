import { Worker } from 'bullmq';
import { QUEUES } from '../protocol/jobs.ts';
import { RetentionService } from '../server/src/features/retention/retention.service.ts';
import { createRetentionQueue, scheduleRetention } from '../server/src/features/retention/retention-queue.ts';
import type { WorkerContext } from './worker-context.ts';

/**
 * The repeating retention sweep (every RETENTION_SWEEP_MINUTES): archives events
 * that ended more than ARCHIVE_AFTER_DAYS ago, then purges personal data from
 * archived events past their school's retention period, and forgets stored
 * answers of retried writes after a day.
 */
export async function createRetentionWorker(
  ctx: WorkerContext,
): Promise<{ worker: Worker; close(): Promise<void> }> {
  const queue = createRetentionQueue(ctx.bullConnection, ctx.config.REDIS_PREFIX);
  await scheduleRetention(queue, ctx.config.RETENTION_SWEEP_MINUTES);
  const retention = new RetentionService(ctx.db);
  const worker = new Worker(
    QUEUES.retention,
    async () => {
      const archived = await retention.archiveEnded(ctx.config.ARCHIVE_AFTER_DAYS);
      const purged = await retention.purgeDue();
      const forgotten = await retention.forgetIdempotencyKeys();
      if (archived.length || purged.length || forgotten)
        ctx.logger.info({ archived, purged, forgottenIdempotencyKeys: forgotten }, 'retention');
      return { archived: archived.length, purged: purged.length };
    },
    ctx.workerOptions(1),
  );
  return {
    worker,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
