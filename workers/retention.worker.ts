import { Worker } from 'bullmq';
import { QUEUES } from '../protocol/jobs.ts';
import { RetentionService } from '../server/src/features/retention/retention.service.ts';
import { createRetentionQueue, scheduleRetention } from '../server/src/features/retention/retention-queue.ts';
import type { WorkerContext } from './worker-context.ts';

/**
 * The repeating retention sweep (every RETENTION_SWEEP_MINUTES): archives events
 * that ended more than ARCHIVE_AFTER_DAYS ago, then purges personal data from
 * archived events past their school's retention period.
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
      // Sessions of anonymised families end at once, not when their cache expires.
      const hashes = purged.flatMap((p) => p.revokedTokenHashes);
      if (hashes.length) await ctx.redis.del(...hashes.map((h) => `${ctx.config.REDIS_PREFIX}sess:${h}`));
      if (archived.length || purged.length)
        ctx.logger.info(
          { archived, purged: purged.map(({ revokedTokenHashes: _, ...p }) => p) },
          'retention',
        );
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
